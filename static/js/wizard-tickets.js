// Wizard, page 2 (templates/tickets/wizard.html): the tickets formset.
//
// The three "Add" buttons clone the formset's empty form (the <template>), give it the
// next index and its type (a hidden field; only Paid shows a price). Remove asks first;
// then a stored ticket is marked with its DELETE checkbox (and can be brought back),
// while a new one leaves the page and the new rows after it move up one index, so the
// management form's TOTAL_FORMS always counts exactly the rows sent. An added row comes in
// with a short animation (none under prefers-reduced-motion: reduce).

const TYPE_LABELS = { free: "Free", paid: "Paid", donation: "Donation" };
const INDEXED_ATTRIBUTES = ["name", "id", "for", "data-bs-target", "aria-controls"];

class TicketFormset {
  constructor(form) {
    this.form = form;
    this.prefix = form.dataset.prefix;
    this.list = form.querySelector("[data-ticket-list]");
    this.empty = form.querySelector("[data-ticket-empty]");
    this.template = form.querySelector("template[data-ticket-template]");
    this.total = form.querySelector(`input[name="${this.prefix}-TOTAL_FORMS"]`);
    this.initial = Number(form.querySelector(`input[name="${this.prefix}-INITIAL_FORMS"]`).value);
    this.confirmElement = document.querySelector("[data-ticket-confirm]");
    this.confirmModal = window.bootstrap.Modal.getOrCreateInstance(this.confirmElement);
    this.confirmName = this.confirmElement.querySelector("[data-ticket-confirm-name]");
    this.pendingRow = null;
  }

  start() {
    this.form.querySelectorAll("[data-add-ticket]").forEach((button) => {
      button.addEventListener("click", () => this.add(button.dataset.addTicket));
    });
    this.list.addEventListener("change", (event) => {
      // "Hidden" beside the type follows the checkbox (seen with the settings folded).
      const hidden = event.target.closest(`input[name$="-hidden"]`);
      if (hidden) hidden.closest("[data-ticket-row]").querySelector("[data-ticket-hidden-label]").hidden = !hidden.checked;
    });
    this.list.addEventListener("click", (event) => {
      const remove = event.target.closest("[data-ticket-remove]");
      if (remove) this.askToRemove(remove.closest("[data-ticket-row]"));
      const undo = event.target.closest("[data-ticket-undo]");
      if (undo) this.undoRemove(undo.closest("[data-ticket-row]"));
    });
    this.confirmElement.querySelector("[data-ticket-confirm-yes]").addEventListener("click", () => {
      const row = this.pendingRow;
      this.pendingRow = null;
      this.confirmModal.hide();
      if (row) this.remove(row);
    });
    this.confirmElement.addEventListener("hidden.bs.modal", () => {
      this.pendingRow = null;
    });
    this.updateEmpty();
  }

  rows() {
    return [...this.list.querySelectorAll(":scope > [data-ticket-row]")];
  }

  add(type) {
    const index = Number(this.total.value);
    const html = this.template.innerHTML.replaceAll("__prefix__", String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    row.dataset.ticketType = type;
    row.querySelector(`input[name="${this.prefix}-${index}-type"]`).value = type;
    row.querySelector("[data-ticket-type-label]").textContent = TYPE_LABELS[type];
    const price = row.querySelector("[data-ticket-price]");
    price.hidden = type !== "paid";
    price.querySelector("input").required = type === "paid";
    // It comes in with a short animation (static/css/wizard.css; none where the system asks
    // for reduced motion), played once: the class goes when it ends, or at once if none runs.
    row.classList.add("ticket-row-added");
    const settle = (event) => {
      if (event.target === row) row.classList.remove("ticket-row-added");
    };
    row.addEventListener("animationend", settle);
    row.addEventListener("animationcancel", settle);
    this.list.append(row);
    if (row.getAnimations().length === 0) row.classList.remove("ticket-row-added");
    this.total.value = String(index + 1);
    this.updateEmpty();
    row.querySelector(`input[name="${this.prefix}-${index}-name"]`).focus();
  }

  askToRemove(row) {
    const name = row.querySelector(`input[name$="-name"]`).value.trim();
    this.confirmName.textContent = name || `new ${TYPE_LABELS[row.dataset.ticketType] || ""} ticket`;
    this.pendingRow = row;
    this.confirmModal.show();
  }

  remove(row) {
    if (row.hasAttribute("data-ticket-stored")) {
      // A stored ticket is deleted by the server when the form is saved.
      row.querySelector(`input[name$="-DELETE"]`).checked = true;
      row.querySelector("[data-ticket-removed-name]").textContent = row.querySelector(`input[name$="-name"]`).value;
      row.querySelector("[data-ticket-body]").hidden = true;
      row.querySelector("[data-ticket-removed]").hidden = false;
    } else {
      row.remove();
      this.renumberNewRows();
    }
    this.updateEmpty();
  }

  undoRemove(row) {
    row.querySelector(`input[name$="-DELETE"]`).checked = false;
    row.querySelector("[data-ticket-body]").hidden = false;
    row.querySelector("[data-ticket-removed]").hidden = true;
    this.updateEmpty();
  }

  renumberNewRows() {
    const fresh = this.rows().filter((row) => !row.hasAttribute("data-ticket-stored"));
    fresh.forEach((row, offset) => this.setIndex(row, this.initial + offset));
    this.total.value = String(this.initial + fresh.length);
  }

  setIndex(row, index) {
    const pattern = new RegExp(`${this.prefix}-\\d+-`, "g");
    const replacement = `${this.prefix}-${index}-`;
    for (const element of [row, ...row.querySelectorAll("*")]) {
      for (const attribute of INDEXED_ATTRIBUTES) {
        const value = element.getAttribute(attribute);
        const renumbered = value && value.replace(pattern, replacement);
        if (renumbered !== value) element.setAttribute(attribute, renumbered);
      }
    }
  }

  updateEmpty() {
    const shown = this.rows().filter((row) => !row.querySelector("[data-ticket-body]").hidden);
    this.empty.hidden = shown.length > 0;
  }
}

const form = document.querySelector("form[data-ticket-formset]");
if (form) new TicketFormset(form).start();
