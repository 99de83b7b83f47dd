// The rules page: each box's words (or a combination's parts) load the first time it opens, from the
// address its list names plus the box's id. One listener for all ~500 boxes keeps the page light.
// "toggle" does not bubble, so it is caught on the way down.
document.addEventListener("toggle", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLDetailsElement) || !box.open || box.dataset.loaded) return;
  const list = box.closest("[data-load]");
  const words = box.querySelector(".phrases");
  if (!list || !words || !window.htmx) return;
  box.dataset.loaded = "1";
  window.htmx.ajax("GET", list.dataset.load + encodeURIComponent(box.id), { target: words, swap: "outerHTML" });
}, true);
