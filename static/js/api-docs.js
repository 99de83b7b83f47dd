// Starts the vendored Swagger UI on /api/docs; kept out of the page so the CSP can forbid inline script.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, dom_id: "#swagger-ui" });
});
