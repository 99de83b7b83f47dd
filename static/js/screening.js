// Screenings and distress on the call screen, by keyboard.
// In a screening form a digit answers the item in focus and moves to the next; the last answer scores it.
// Alt+Shift+digit (Alt+Shift+= for 10) marks the caller's distress from anywhere on the screen, so it
// never types into the notes.
(function () {
  "use strict";
  var screen = document.getElementById("call-screen");
  if (!screen) return;

  function items(form) { return Array.prototype.slice.call(form.querySelectorAll(".screening-item")); }
  function answered(item) { return item.querySelector("input[type=radio]:checked"); }
  function focusItem(item) {
    var radio = answered(item) || item.querySelector("input[type=radio]");
    if (radio) radio.focus();
  }
  function runningTotal(form) {
    var total = 0;
    form.querySelectorAll("input[type=radio]:checked").forEach(function (r) { total += Number(r.value); });
    var out = form.querySelector("[data-running-total]");
    if (out) out.textContent = String(total);
  }

  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("#screening-form");
    if (!form || event.altKey || event.ctrlKey || event.metaKey || !/^[0-9]$/.test(event.key)) return;
    var value = Number(event.key);
    if (value > Number(form.dataset.max)) return;
    var list = items(form);
    var item = event.target.closest(".screening-item") || list.find(function (i) { return !answered(i); });
    if (!item) return;
    event.preventDefault();
    var radio = item.querySelector("input[type=radio][value='" + value + "']");
    radio.checked = true;
    runningTotal(form);
    var next = list.slice(list.indexOf(item) + 1).find(function (i) { return !answered(i); }) ||
      list.find(function (i) { return !answered(i); });
    if (next) {
      focusItem(next);
    } else {
      form.requestSubmit();
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#screening-form");
    if (form) runningTotal(form);
  });

  // The form is gone (scored or cancelled): the counsellor goes back to the notes, not to <body>.
  function backToNotes() {
    var notes = document.getElementById("notes");
    if (notes && !notes.readOnly) notes.focus();
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-screening-cancel]")) return;
    var slot = document.getElementById("screening-slot");
    if (slot) slot.replaceChildren();
    backToNotes();
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "screening-slot") {
      var first = target.querySelector("[data-autofocus]");
      if (first) {
        first.focus();
        // The whole first question in sight: focus() shows the radio button only, and with a tall banner above
        // the question's last line can stay cut off at the foot of the tools column (scrolled, not the page).
        var item = first.closest(".screening-item");
        var tools = item && item.closest(".call-tools");
        if (tools) {
          var below = item.getBoundingClientRect().bottom - Math.min(tools.getBoundingClientRect().bottom, window.innerHeight);
          if (below > 0) tools.scrollTop += below + 4;
        }
      }
    } else if (target && target.id === "screenings") {
      // Scored and kept: the form has done its work; the result shows in its place.
      var slot = document.getElementById("screening-slot");
      if (slot) slot.replaceChildren();
      backToNotes();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    var level = event.code === "Equal" ? 10 : /^(Digit|Numpad)[0-9]$/.test(event.code) ? Number(event.code.slice(-1)) : -1;
    if (level < 0) return;
    var button = document.querySelector("#distress [data-distress='" + level + "']");
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
