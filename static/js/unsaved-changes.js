// Unsaved edits are not thrown away without asking (the wizard's pages).
//
// A form marked ``data-unsaved-warning`` remembers what it held when the page loaded.
// When it holds something else, a link inside ``[data-unsaved-guard]`` (the wizard's
// steps) opens the page's dialog (``[data-unsaved-dialog]``): Stay, or Leave without
// saving. Any other way out (another link, reload, closing the tab) gets the browser's
// own question. Sending the form is saving, not leaving. Without this script the links
// work as before.

const forms = [...document.querySelectorAll("form[data-unsaved-warning]")];

function state(form) {
  const values = [];
  for (const [name, value] of new FormData(form)) {
    if (name !== "csrfmiddlewaretoken") values.push([name, typeof value === "string" ? value : value.name]);
  }
  return JSON.stringify(values);
}

if (forms.length) {
  const saved = new Map(forms.map((form) => [form, state(form)]));
  let leaving = false;
  const dirty = () => !leaving && forms.some((form) => state(form) !== saved.get(form));

  forms.forEach((form) =>
    form.addEventListener("submit", () => {
      leaving = true;
    }),
  );

  window.addEventListener("beforeunload", (event) => {
    if (dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  const dialogElement = document.querySelector("[data-unsaved-dialog]");
  if (dialogElement && window.bootstrap) {
    const dialog = window.bootstrap.Modal.getOrCreateInstance(dialogElement);
    const leave = dialogElement.querySelector("[data-unsaved-leave]");
    let target = null;
    document.addEventListener("click", (event) => {
      const link = event.target.closest("[data-unsaved-guard] a[href]");
      if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      if (!dirty()) return;
      event.preventDefault();
      target = link.href;
      dialogElement.querySelector("[data-unsaved-target]").textContent = link.textContent.trim();
      dialog.show();
    });
    leave.addEventListener("click", () => {
      if (!target) return;
      leaving = true;
      window.location.assign(target);
    });
    dialogElement.addEventListener("hidden.bs.modal", () => {
      if (!leaving) target = null;
    });
  }
}
