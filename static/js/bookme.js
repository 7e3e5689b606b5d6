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
