// Idle timeout. After a time without typing or clicking (in any tab of this console) a warning counts
// down; "Stay logged in" keeps the session. At zero the page asks the call screen to save, waits for it,
// and logs out; text not yet saved stays in this browser and comes back after logging in again.
(function () {
  "use strict";
  var body = document.body;
  var warning = document.getElementById("idle-warning");
  var logoutForm = document.getElementById("logout-form");
  if (!warning || !logoutForm || !body.dataset.idleSeconds) return;
  var idleMs = Number(body.dataset.idleSeconds) * 1000;
  var warnMs = Math.min(120000, idleMs / 3);
  var key = "hotline:last-activity";
  var lastServer = Date.now();
  var loggingOut = false;

  function now() { return Date.now(); }
  function lastActivity() {
    var shared = 0;
    try { shared = Number(window.localStorage.getItem(key) || 0); } catch (e) { /* private mode */ }
    return Math.max(shared, local);
  }
  var local = now();
  function csrf() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function active() {
    if (loggingOut) return;
    local = now();
    try { window.localStorage.setItem(key, String(local)); } catch (e) { /* private mode */ }
    if (!warning.hidden) warning.hidden = true;
    // The server only sees requests: tell it someone is here if nothing was sent for a while.
    if (local - lastServer > 10000) {
      lastServer = local;
      window.fetch("/account/keepalive", { method: "POST", headers: { "X-CSRFToken": csrf() },
                                           credentials: "same-origin" }).catch(function () {});
    }
  }
  ["keydown", "pointerdown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, active, { passive: true, capture: true });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var headers = event.detail.requestConfig && event.detail.requestConfig.headers;
    if (!headers || headers["X-Hotline-Background"] !== "1") lastServer = now();
  });
  document.getElementById("idle-stay").addEventListener("click", active);

  function logOut() {
    loggingOut = true;
    // Pages with unsaved work add a promise that settles when it is saved (or has been tried).
    var waits = [];
    document.dispatchEvent(new CustomEvent("hotline:before-idle-logout", { detail: { waitFor: waits } }));
    var timeout = new Promise(function (resolve) { window.setTimeout(resolve, 5000); });
    Promise.race([Promise.all(waits), timeout]).then(function () {
      logoutForm.querySelector("[name=reason]").value = "idle";
      logoutForm.querySelector("[name=next]").value = window.location.pathname;
      logoutForm.submit();
    });
  }

  window.setInterval(function () {
    if (loggingOut) return;
    var left = idleMs - (now() - lastActivity());
    if (left <= 0) { logOut(); return; }
    if (left <= warnMs) {
      document.getElementById("idle-countdown").textContent = String(Math.ceil(left / 1000));
      warning.hidden = false;
    } else if (!warning.hidden) {
      warning.hidden = true;
    }
  }, 1000);
})();
