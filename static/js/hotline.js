// Small behaviours every page shares. No framework: HTMX does the requests.
(function () {
  "use strict";
  function say(text) {
    var area = document.getElementById("flash");
    if (!area || !text) return;
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    area.replaceChildren(p);
  }
  // A request that never reached the server (network down): say so instead of failing silently.
  document.addEventListener("htmx:sendError", function () {
    say(document.body.dataset.offlineMessage);
  });
})();
