// The call screen: running timer, and notes that survive a closed tab, a dropped network or a
// restarted server. HTMX sends the saves; this script keeps an unsent copy in localStorage until the
// server confirms it, retries when the network returns, and resolves version conflicts without loss.
(function () {
  "use strict";
  var screen = document.getElementById("call-screen");
  if (!screen) return;
  var form = document.getElementById("call-form");
  var notes = document.getElementById("notes");
  var key = "hotline:call:" + screen.dataset.callId + ":notes";
  var pending = false;
  var sentNotes = null;

  function version() { return Number(document.getElementById("version").value); }
  function setVersion(value) {
    ["version", "finalise-version", "nondata-version"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) input.value = String(value);
    });
  }
  function status(text, kind) {
    var el = document.getElementById("save-status");
    if (!el || !text) return;
    el.textContent = text;
    el.className = "save-status " + (kind || "");
  }
  function localCopy() {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function keepLocally() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ notes: notes.value, base: version(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is all we have */ }
  }
  function forget() { try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function save() { pending = true; window.htmx.trigger(form, "retry"); }

  // Running timer, mm:ss (h:mm:ss past an hour).
  var started = Date.parse(screen.dataset.startedAt);
  var timer = document.getElementById("call-timer");
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    timer.textContent = (h ? h + ":" + two(m) : two(m)) + ":" + two(s % 60);
  }
  tick();
  window.setInterval(tick, 1000);

  // Text typed before a crash or a closed tab that the server never confirmed.
  var stored = localCopy();
  if (stored && stored.notes !== notes.value) {
    if (stored.base === version()) {
      notes.value = stored.notes;
      status(screen.dataset.restoredText, "pending");
      save();
    } else {
      showConflict(stored.notes, notes.value, version());
      notes.value = stored.notes;
    }
  } else if (stored) {
    forget();
  }

  notes.addEventListener("input", function () { pending = true; keepLocally(); });
  form.addEventListener("htmx:configRequest", function () {
    sentNotes = notes.value;
    status(screen.dataset.savingText, "pending");
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    var copy = localCopy();
    if (copy && copy.notes === sentNotes) {
      forget();
      pending = false;
    } else if (copy) {
      keepLocally(); // newer text is still on its way: rebase it on the new version
    } else {
      pending = false;
    }
  });
  form.addEventListener("htmx:sendError", function () {
    pending = true;
    status(screen.dataset.offlineText, "offline");
  });
  window.addEventListener("online", function () { if (pending) save(); });
  // The idle timeout is about to log out: keep a local copy and send what is unsaved, then let it go on.
  document.addEventListener("hotline:before-idle-logout", function (event) {
    if (!pending && !localCopy()) return;
    keepLocally();
    event.detail.waitFor.push(new Promise(function (resolve) {
      form.addEventListener("htmx:afterRequest", function () { resolve(); }, { once: true });
      save();
    }));
  });
  window.setInterval(function () { if (pending && navigator.onLine) save(); }, 5000);

  // A conflict: the server holds a newer version. If it already holds exactly our text (a save whose
  // answer was lost), adopt its version quietly; otherwise show both texts and let the counsellor choose.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target;
    if (!box || box.id !== "conflict") return;
    var conflict = box.querySelector("[data-server-version]");
    if (!conflict) return;
    var serverNotes = box.querySelector("#server-notes").value;
    if (serverNotes === notes.value) {
      setVersion(conflict.dataset.serverVersion);
      box.replaceChildren();
      save();
    }
  });

  function showConflict(mine, theirs, serverVersion) {
    var template = document.getElementById("local-conflict");
    var box = document.getElementById("conflict");
    if (!template || !box) return;
    var copy = template.content.cloneNode(true);
    copy.querySelector("[data-server-version]").dataset.serverVersion = String(serverVersion);
    copy.querySelector("#server-notes").value = theirs;
    box.replaceChildren(copy);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-conflict]");
    if (!button) return;
    var box = document.getElementById("conflict");
    var conflict = box.querySelector("[data-server-version]");
    setVersion(conflict.dataset.serverVersion);
    if (button.dataset.conflict === "take-theirs") {
      notes.value = box.querySelector("#server-notes").value;
    }
    box.replaceChildren();
    keepLocally();
    save();
    notes.focus();
  });
})();
