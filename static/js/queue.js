// The referral queue refreshes itself (HTMX polling). This script puts the number of unclaimed
// imminent referrals in the page title and sounds a short tone when a new one arrives.
(function () {
  "use strict";
  var baseTitle = document.title;
  var lastCount = null;

  function tone() { window.hotlineTone(0.4); }

  function update() {
    var queue = document.getElementById("queue");
    if (!queue) return;
    var count = Number(queue.dataset.imminentWaiting || 0);
    document.title = count ? "(" + count + ") " + queue.dataset.titlePrefix + " · " + baseTitle : baseTitle;
    if (lastCount !== null && count > lastCount) tone();
    lastCount = count;
  }

  document.addEventListener("DOMContentLoaded", update);
  document.body.addEventListener("htmx:afterSettle", update);
})();
