// BookMe: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // The hold countdown: "held until 10:15" is in the page; this adds a ticking mm:ss
  // (hidden from screen readers) and updates the polite live text only when it expires.
  function startCountdown(notice) {
    if (notice.dataset.countdownStarted) return;
    notice.dataset.countdownStarted = "1";
    var expires = Date.parse(notice.dataset.holdExpires);
    var clock = notice.querySelector("[data-countdown]");
    var text = notice.querySelector(".hold-text");
    if (isNaN(expires) || !clock) return;
    clock.parentNode.hidden = false;

    function tick() {
      var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        notice.classList.add("is-expired");
        clock.parentNode.hidden = true;
        if (text) text.textContent = notice.dataset.expiredText;
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function enhance(root) {
    root.querySelectorAll("[data-hold-expires]").forEach(startCountdown);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail.elt);
  });
})();

// A choice that applies at once (the language; not the time zone, whose ~600 options would
// reload the page on every arrow key): with JavaScript the form is
// sent when the select changes and its button is hidden; without JavaScript the button stays.
(function () {
  "use strict";

  function autoSubmitChoices() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var select = form.querySelector("select");
      var button = form.querySelector("[data-autosubmit-button]");
      if (!select || !button) return;
      button.hidden = true;
      select.addEventListener("change", function () {
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", autoSubmitChoices);
})();

// Embed mode (issue 13, point 9; bookme_site/embed.py): the confirmation page in a partner's
// frame tells the parent page that the booking is done. The message goes to each allowed
// origin by name, never to "*", so a page of any other origin that framed us hears nothing.
// Never the manage link: it is a bearer link that can cancel or move the meeting.
(function () {
  "use strict";

  function announceBooking() {
    var done = document.querySelector("[data-bookme-booked]");
    if (!done || window.parent === window) return;
    var message = {
      type: "bookme:booked",
      reference: done.dataset.reference,
      start: done.dataset.start,
      end: done.dataset.end,
    };
    (done.dataset.origins || "").split(" ").forEach(function (origin) {
      if (origin) window.parent.postMessage(message, origin);
    });
  }

  document.addEventListener("DOMContentLoaded", announceBooking);

  // A browser that sends no Sec-Fetch-Dest keeps embed mode by embed=1 in the address; an
  // HTMX swap pushes its link's address, so put the flag back for the next plain link.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    if (!document.body.hasAttribute("data-embedded")) return;
    var url = new URL(window.location.href);
    if (url.searchParams.get("embed") === "1") return;
    url.searchParams.set("embed", "1");
    window.history.replaceState(window.history.state, "", url.toString());
  });
})();

// --- Time zones (online and phone meetings are shown in the customer's own zone) -------
// The browser's zone goes into a cookie that every request (HTMX swaps included) carries;
// the server uses it until the customer picks one in the zone select (booking.views.zones).
// A picker rendered before the server knew any zone is shown again once, in the browser's:
// sent as tz_detected, never as tz, so that it is not remembered as the customer's choice.
(function () {
  "use strict";

  var ZONE_NAME = /^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/;

  function browserZone() {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return zone && ZONE_NAME.test(zone) ? zone : "";
    } catch (error) {
      return "";
    }
  }

  var zone = browserZone();
  if (!zone) return;
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  // In a partner's frame a Lax cookie is refused: there it is cross-site and partitioned.
  var site = document.body.hasAttribute("data-embedded")
    ? "; SameSite=None; Secure; Partitioned"
    : "; SameSite=Lax" + secure;
  document.cookie = "bookme_tz=" + zone + "; path=/; max-age=31536000" + site;

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-zone-choice][data-zone-source='']");
    if (!form) return;
    var select = form.querySelector("select[name='tz']");
    if (!select || select.value === zone) return;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known) return;
    var query = new URLSearchParams(new FormData(form));
    query.delete("tz");
    query.set("tz_detected", zone);
    // replace(): the page shown before the zone was known is no step to go back to.
    window.location.replace(form.action.split("?")[0] + "?" + query.toString());
  });
})();

// Month picker (issue 13, point 3): an HTMX swap replaces the link that had focus. Put
// focus where a keyboard user expects it: after a day, on the heading of that day's times
// (the next Tab reaches the first time); after the other links, on the same link again,
// else on the picker's heading. Without this, focus falls back to the top of the page.
(function () {
  "use strict";
  var focusAfterSwap = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.elt;
    if (!trigger.closest || !trigger.closest("[data-picker-focus]")) return;
    if (trigger.hasAttribute("data-picker-day")) {
      focusAfterSwap = "#picker-times-heading";
    } else {
      focusAfterSwap = trigger.id ? "#" + trigger.id : "#picker-heading";
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusAfterSwap) return;
    var target =
      document.querySelector("[data-picker-focus] " + focusAfterSwap) ||
      document.querySelector("#picker-heading");
    focusAfterSwap = null;
    if (target) target.focus();
  });
})();
