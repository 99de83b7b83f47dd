// Live updates over Server-Sent Events. An element with data-live-src opens that stream; when a change
// arrives it fires a "live" event on itself, and its hx-trigger="live" makes HTMX fetch the fresh part.
// With data-live-level-of, a change whose level the named element already shows is ignored (so a
// counsellor's own save does not reload the banner under their hands).
// Polling stays as the fallback: while a stream is open, polls are skipped, except one every 30 s.
(function () {
  "use strict";
  var FALLBACK_MS = 30000;
  var open = 0;
  var lastPoll = Date.now(); // the page was just rendered fresh

  function listen(element) {
    if (!window.EventSource || element.dataset.liveOpened) return;
    element.dataset.liveOpened = "1";
    var source = new EventSource(element.dataset.liveSrc);
    var counted = false;
    function up() { if (!counted) { counted = true; open += 1; } document.body.dataset.live = "on"; }
    function down() { if (counted) { counted = false; open -= 1; } if (!open) document.body.dataset.live = "off"; }
    source.addEventListener("ready", up);
    source.addEventListener("change", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      var shown = element.dataset.liveLevelOf && document.querySelector(element.dataset.liveLevelOf);
      if (shown && data.level && shown.dataset.level === data.level) return;
      htmx.trigger(element, "live", data);
    });
    // The browser reconnects by itself (after a refused stream, e.g. a logout, it stops: polling goes on).
    source.addEventListener("error", down);
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function start() {
    document.querySelectorAll("[data-live-src]").forEach(listen);
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    if (!element.hasAttribute("data-live-polled")) return;
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "live") { lastPoll = Date.now(); return; }
    if (trigger || !open) return;  // not a poll, or no stream: let it through
    if (Date.now() - lastPoll < FALLBACK_MS) { event.preventDefault(); return; }
    lastPoll = Date.now();
  });
})();
