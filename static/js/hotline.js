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
  // One short tone for what a supervisor must hear (a new urgent referral, an alert): queue.js and alerts.js.
  var audio = null;
  window.hotlineTone = function (seconds) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + (seconds || 0.4));
    } catch (e) { /* no audio device: what is shown still says it */ }
  };
  // Browsers start sound suspended until the page is used; any click lets the next tone be heard.
  document.addEventListener("click", function () { if (audio && audio.state === "suspended") audio.resume(); });
  // A request that never reached the server (network down): say so instead of failing silently.
  document.addEventListener("htmx:sendError", function () {
    say(document.body.dataset.offlineMessage);
  });
})();
