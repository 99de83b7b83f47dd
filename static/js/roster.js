// Shift colours come from data-colour (inline styles are forbidden by the page's security policy).
(function () {
  "use strict";
  function paint(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var colour = el.getAttribute("data-colour");
      if (/^#[0-9a-fA-F]{6}$/.test(colour)) { el.style.borderLeftColor = colour; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  document.addEventListener("htmx:afterSwap", function (event) { paint(event.target); });
})();
