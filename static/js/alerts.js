// Alerts reach a person on any page of the console: every few seconds the page asks for their newest unread
// alert; a new one refreshes the bell and, when this tab is not what the person is looking at (another tab,
// another window or program in front, the screen locked), shows a browser notification with a tone.
// Clicking it opens the referral.
(function () {
  "use strict";
  var EVERY_MS = 5000;
  var key = "hotline:last-alert";  // shared by this console's tabs, so one alert is shown once
  var button = document.getElementById("alerts-permission");

  function supported() { return "Notification" in window; }

  function showButton() {
    if (button) button.hidden = !supported() || Notification.permission !== "default";
  }
  if (button) {
    button.addEventListener("click", function () {
      Notification.requestPermission().then(showButton);
    });
  }
  showButton();

  function tone() { window.hotlineTone(0.6); }

  function lastShown() {
    try { return Number(window.localStorage.getItem(key) || 0); } catch (e) { return 0; }
  }
  function remember(id) {
    try { window.localStorage.setItem(key, String(id)); } catch (e) { /* private mode */ }
  }

  function show(alert) {
    document.body.dispatchEvent(new CustomEvent("hotline:alert"));  // the bell refreshes
    if (document.visibilityState === "visible" && document.hasFocus()) { tone(); return; }
    if (supported() && Notification.permission === "granted") {
      var notification = new Notification(alert.title, { body: alert.body, tag: "hotline-alert-" + alert.id,
                                                         requireInteraction: true });
      notification.onclick = function () { window.focus(); window.location.href = alert.link; };
    }
    tone();
  }

  function poll() {
    // Marked as the page's own request, so polling does not keep an idle session alive.
    window.fetch("/alerts/latest", { credentials: "same-origin", headers: { "X-Hotline-Background": "1",
                                                                             "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (alert) {
        if (alert && alert.id && alert.id > lastShown()) {
          remember(alert.id);
          show(alert);
        }
      })
      .catch(function () { /* offline a moment: the next poll tries again */ })
      .then(function () { window.setTimeout(poll, EVERY_MS); });
  }
  poll();
})();
