// Starts Swagger UI on /docs over this dashboard's own schema (kept out of the page: no inline script).
"use strict";
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
