// Starts Swagger UI at /api/docs from the settings the page carries (templates/ninja/swagger.html).
(function () {
  "use strict";

  var body = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  // The validator badge would load an image from a third-party site; the policy forbids it.
  config.validatorUrl = null;
  // Deep links put an <a> inside each operation's toggle button: nested controls that
  // screen readers announce badly (axe: nested-interactive).
  config.deepLinking = false;
  if (body.apiCsrf && body.csrfToken) {
    config.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = body.csrfToken;
      return request;
    };
  }
  // A colour scheme whose every token keeps 4.5:1 against its background.
  config.syntaxHighlight = {activated: true, theme: "tomorrow-night"};
  window.ui = SwaggerUIBundle(config);

  // Swagger UI leaves a few controls without a usable name; mend them on every render
  // (operations and dialogs are drawn when opened). axe-core checks the result.
  function mendAccessibleNames(root) {
    // A parameter's value list: a <select> without a label.
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr[data-param-name]").dataset.paramName);
    });
    // Example bodies scroll sideways when long: a keyboard must reach them to scroll.
    root.querySelectorAll(".highlight-code .microlight:not([tabindex])").forEach(function (code) {
      code.setAttribute("tabindex", "0");
    });
    // The dialog's close button: an icon only.
    root.querySelectorAll(".close-modal:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Close");
    });
    // Buttons whose label hides their visible text ("Authorize" read as something else).
    root.querySelectorAll("button[aria-label]").forEach(function (button) {
      var text = button.textContent.trim();
      if (text && button.getAttribute("aria-label").indexOf(text) === -1) {
        button.removeAttribute("aria-label");
      }
    });
  }
  var target = document.getElementById("swagger-ui");
  new MutationObserver(function () { mendAccessibleNames(target); })
    .observe(target, {childList: true, subtree: true});
})();
