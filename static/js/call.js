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
  var confirmedNotes = notes.value; // what the server holds, as far as this screen knows
  var handedOver = false;
  // Retries back off. After each failed save the next automatic one waits twice as long (1, 2, 4 … 30 s),
  // or as long as the server's Retry-After asks if that is longer, plus up to half again at random: screens
  // refused together (a busy or restarted server, the network coming back) must not all return together.
  // Until then typing is kept on the device, not sent; the retry carries the latest text.
  var failures = 0;
  var retryAt = Date.now() + 5000;
  var sending = false; // a save asked for by this script, not by a keystroke
  function backOff(retryAfterSeconds) {
    failures += 1;
    var wait = Math.max(Math.min(30000, 500 * Math.pow(2, failures)), (retryAfterSeconds || 0) * 1000);
    retryAt = Date.now() + wait * (1 + Math.random() / 2);
  }
  function retryAfter(xhr) {
    var seconds = parseInt(xhr && xhr.getResponseHeader("Retry-After"), 10);
    return isNaN(seconds) ? 0 : Math.min(seconds, 300);
  }

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
  // Every other field of the call form (summary, profile, answers, outcome) travels with the notes: a
  // summary typed while offline survives a reload as the notes do. Values by name, as the form sends them.
  var NOT_KEPT = { csrftoken: true, version: true, form: true, notes: true };
  function fieldValues() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || NOT_KEPT[el.name] || el.type === "file" || el.type === "submit" || el.type === "button") return;
      if (el.type === "checkbox" || el.type === "radio") {
        out[el.name] = out[el.name] || [];
        if (el.checked) out[el.name].push(el.value);
      } else {
        out[el.name] = [el.value];
      }
    });
    return out;
  }
  function fieldsDiffer(kept) {
    var now = fieldValues();
    return Object.keys(kept || {}).some(function (name) {
      return name in now && JSON.stringify(kept[name]) !== JSON.stringify(now[name]);
    });
  }
  function applyFields(kept) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || NOT_KEPT[el.name] || !kept || !(el.name in kept)) return;
      var values = kept[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.type !== "file" && el.type !== "submit" && el.type !== "button") {
        el.value = values[0] || "";
      }
      var fold = el.closest("details");
      if (fold && (el.checked || (el.type !== "checkbox" && el.type !== "radio" && el.value))) fold.open = true;
    });
  }
  function keepLocally() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ notes: notes.value, fields: fieldValues(), base: version(),
                                                        at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is all we have */ }
  }
  function forget() { try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function save() {
    if (handedOver) return;
    pending = true;
    sending = true;
    try { window.htmx.trigger(form, "retry"); } finally { sending = false; }
  }
  // HTMX wires the form up when the document is parsed, after this script has run: an event sent before
  // that is lost, and the restored text would wait for the next retry while the status said "saving now".
  function afterHtmx(fn) {
    if (document.readyState === "complete") { fn(); } else { document.addEventListener("DOMContentLoaded", fn, { once: true }); }
  }
  function inConflict() { return Boolean(document.querySelector("#conflict [data-server-version]")); }

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

  // The side column ends at the bottom of the window wherever the page is scrolled, so the banner and the
  // tools under it are all on screen and only the tools scroll (CSS alone sizes it for the stuck position).
  var side = screen.querySelector(".call-side-fixed");
  function fitSide() {
    var style = side && window.getComputedStyle(side);
    if (!style) return;
    if (style.position !== "sticky") { side.style.maxHeight = ""; return; }  // one column on a narrow screen
    // Where it stands, or where it sticks (never above that, or it would grow and push itself up).
    var top = Math.max(side.getBoundingClientRect().top, parseFloat(style.top) || 0);
    side.style.maxHeight = Math.max(240, window.innerHeight - top - 20) + "px";
  }
  var fitting = false;
  function fitSoon() {
    if (fitting) return;
    fitting = true;
    window.requestAnimationFrame(function () { fitting = false; fitSide(); });
  }
  fitSide();
  window.addEventListener("scroll", fitSoon, { passive: true });
  window.addEventListener("resize", fitSoon);

  // Text typed before a crash or a closed tab that the server never confirmed.
  var stored = localCopy();
  if (stored && (stored.notes !== notes.value || fieldsDiffer(stored.fields))) {
    if (stored.base === version()) {
      notes.value = stored.notes;
      applyFields(stored.fields);
      status(screen.dataset.restoredText, "pending");
      afterHtmx(save);
    } else if (stored.notes !== notes.value) {
      // Saved elsewhere meanwhile: the notes are chosen in the conflict box; the other fields typed here are
      // put back too, and go with the notes chosen.
      showConflict(stored.notes, notes.value, version());
      notes.value = stored.notes;
      applyFields(stored.fields);
    } else {
      // Only the other fields differ (a save whose answer was lost, then more typing): put them back, send them.
      applyFields(stored.fields);
      status(screen.dataset.restoredText, "pending");
      afterHtmx(save);
    }
  } else if (stored) {
    forget();
  }

  // Ending or handing over the call first sends what is unsaved, even while retries back off: those forms
  // queue behind the save (hx-sync), so nothing typed stays behind on the device of a finished call.
  document.addEventListener("htmx:confirm", function (event) {
    var source = event.detail && event.detail.elt;
    if (!source || source === form || !pending || handedOver) return;
    if ((source.getAttribute("hx-sync") || "").indexOf("#call-form") === 0) save();
  });

  var sentFields = null;
  function typed() {
    pending = true;
    keepLocally();
    // Typing sends its own save a second after it stops; the safety-net retry is not for that.
    if (!failures) retryAt = Math.max(retryAt, Date.now() + 5000);
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  form.addEventListener("htmx:confirm", function (event) {
    if (failures && !sending && Date.now() < retryAt) event.preventDefault();  // backing off: kept, sent later
  });
  form.addEventListener("htmx:configRequest", function () {
    sentNotes = notes.value;
    sentFields = JSON.stringify(fieldValues());
    retryAt = Math.max(retryAt, Date.now() + 5000); // the safety-net retry below comes no sooner than this
    status(screen.dataset.savingText, "pending");
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) {
      // Refused, not lost: say so rather than leave "saving…" beside the conflict box or the message.
      var code = event.detail.xhr && event.detail.xhr.status;
      if (code) backOff(retryAfter(event.detail.xhr)); // no status: a network error, counted by sendError
      if (!handedOver && code) {
        status(code === 409 ? screen.dataset.conflictText
          : code >= 500 ? screen.dataset.unavailableText : screen.dataset.notSavedText, "offline");
      }
      return;
    }
    confirmedNotes = sentNotes;
    failures = 0;
    var copy = localCopy();
    if (copy && copy.notes === sentNotes && (!copy.fields || JSON.stringify(copy.fields) === sentFields)) {
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
    backOff(0);
    status(screen.dataset.offlineText, "offline");
  });
  // The network is back, likely for every screen in the room at once: each sends within 2 s, at random.
  window.addEventListener("online", function () {
    failures = 0;
    retryAt = Date.now() + Math.random() * 2000;
  });
  // The idle timeout is about to log out: keep a local copy and send what is unsaved, then let it go on.
  document.addEventListener("hotline:before-idle-logout", function (event) {
    if (handedOver || (!pending && !localCopy())) return;  // after a hand-over nothing is sent; the copy stays
    keepLocally();
    event.detail.waitFor.push(new Promise(function (resolve) {
      form.addEventListener("htmx:afterRequest", function () { resolve(); }, { once: true });
      save();
    }));
  });
  // Retry what is unsent when its time comes, except while the counsellor chooses between two texts.
  window.setInterval(function () {
    if (pending && navigator.onLine && !inConflict() && Date.now() >= retryAt) save();
  }, 500);

  // Handed over to someone else (the server says so on a refused save or banner refresh): stop saving and
  // retrying, lock the screen, and show what never reached the record so it can be passed on.
  document.addEventListener("hotline:handed-over", function () {
    if (handedOver) return;
    handedOver = true;
    pending = false;
    screen.dataset.handedOver = "1";
    status(screen.dataset.handedOverText, "offline");
    screen.querySelectorAll("input, select, textarea, button").forEach(function (control) {
      if (control.closest("[data-after-hand-over]")) return;
      if (control === notes) { control.readOnly = true; } else { control.disabled = true; }
    });
    var unsent = notes.value !== confirmedNotes ? notes.value : "";
    var template = document.getElementById("handed-over-unsent");
    if (unsent && template) {
      var copy = template.content.cloneNode(true);
      copy.querySelector("textarea").value = unsent;
      document.getElementById("conflict").replaceChildren(copy);
    } else {
      forget();
    }
  });
  document.addEventListener("htmx:confirm", function (event) {
    if (handedOver && screen.contains(event.detail.elt)) event.preventDefault();
  });

  // The risk banner is drawn by many answers (saves, ticks, the override, live updates) that may arrive out
  // of order: an older picture never replaces a newer one.
  function drawn(value) { return Number(value) || 0; }
  // Older by a little: an answer overtaken on its way. Older by more than that is a server clock set back,
  // and the newest answer wins as it always did (a banner must never freeze).
  function overtaken(incoming, shown) { var age = drawn(shown) - drawn(incoming); return age > 0 && age < 30e6; }
  function shownBanner() { return document.getElementById("risk-banner"); }
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "risk-banner") return;
    var incoming = event.detail.fragment && event.detail.fragment.querySelector("[data-drawn]");
    if (incoming && overtaken(incoming.dataset.drawn, target.dataset.drawn)) event.detail.shouldSwap = false;
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target, shown = shownBanner();
    if (!target || target !== shown || !event.detail.xhr) return;
    var stamp = /data-drawn="(\d+)"/.exec(event.detail.xhr.responseText || "");
    if (stamp && overtaken(stamp[1], shown.dataset.drawn)) event.detail.shouldSwap = false;
  });

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
    status(screen.dataset.conflictText, "offline");
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-dismiss-unsent]")) return;
    forget();
    document.getElementById("conflict").replaceChildren();
  });

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
