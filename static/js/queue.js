// The referral queue refreshes itself (HTMX polling). This script puts the number of unclaimed
// imminent referrals in the page title and sounds a short tone when a new one arrives.
(function () {
  "use strict";
  var baseTitle = document.title;
  var lastCount = null;
  var audio = null;

  function tone() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.4);
    } catch (e) { /* no audio device: the title still says it */ }
  }

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
  // Browsers allow sound only after the page has been touched once.
  document.addEventListener("click", function () { if (audio && audio.state === "suspended") audio.resume(); });
})();
