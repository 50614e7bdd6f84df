// The schedule page's filters: choosing a track or a day shows it at once (the form
// also works without this script, with its Show button).
(function () {
  "use strict";
  const form = document.querySelector("[data-schedule-filters]");
  if (!form) return;
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      form.requestSubmit();
    });
  });
  // Empty fields are left out of the address (?track=3, not ?track=3&day=).
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value) params.append(name, value);
    });
    const query = params.toString();
    window.location.assign(window.location.pathname + (query ? "?" + query : ""));
  });
  const button = form.querySelector("[data-filter-submit]");
  if (button) button.classList.add("visually-hidden-focusable");
})();
