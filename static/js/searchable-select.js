// A searchable multi-select: progressive enhancement of <select multiple data-searchable-select>.
//
// The select stays in the form (hidden) and is what is sent; in front of it: the chosen
// options as chips (each with a remove button), and a search box (a combobox) whose list
// shows the options matching what is typed. Click or Enter picks or drops the active
// option; arrows move; Escape closes. Without scripts the plain select works as before.
// No dependency, no inline style (the page's Content-Security-Policy).

let counter = 0;

function enhance(select) {
  counter += 1;
  const id = `searchable-${counter}`;
  const wrapper = document.createElement("div");
  wrapper.className = "searchable-select";
  wrapper.dataset.testid = "searchable-select";
  const chips = document.createElement("div");
  chips.className = "searchable-select-chips d-flex flex-wrap gap-1 mb-1";
  chips.setAttribute("aria-live", "polite");
  const input = document.createElement("input");
  input.type = "search";
  input.id = `${id}-input`;
  input.className = "form-control";
  input.placeholder = select.dataset.placeholder || "Type to search…";
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", `${id}-list`);
  if (select.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
  if (select.classList.contains("is-invalid")) input.classList.add("is-invalid");
  const list = document.createElement("ul");
  list.id = `${id}-list`;
  list.className = "searchable-select-list list-group";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-multiselectable", "true");
  list.hidden = true;
  wrapper.append(chips, input, list);
  select.after(wrapper);
  select.hidden = true;
  select.tabIndex = -1;
  const label = select.id && document.querySelector(`label[for="${select.id}"]`);
  if (label) {
    label.htmlFor = input.id;
    list.setAttribute("aria-label", label.textContent.replace("*", "").trim());
  }
  let active = -1;

  const options = () => [...select.options].filter((option) => option.value !== "");

  function renderChips() {
    chips.replaceChildren();
    for (const option of options().filter((o) => o.selected)) {
      const chip = document.createElement("span");
      chip.className = "badge text-bg-secondary d-inline-flex align-items-center gap-1";
      chip.dataset.testid = "searchable-chip";
      chip.textContent = option.text;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-close btn-close-white searchable-select-remove";
      remove.setAttribute("aria-label", `Remove ${option.text}`);
      remove.addEventListener("mousedown", (event) => event.preventDefault()); // the list stays put meanwhile
      remove.addEventListener("click", () => {
        option.selected = false;
        changed();
        input.focus();
      });
      chip.append(remove);
      chips.append(chip);
    }
  }

  function matches() {
    const query = input.value.trim().toLocaleLowerCase();
    return options().filter((option) => !query || option.text.toLocaleLowerCase().includes(query));
  }

  function renderList() {
    const found = matches();
    list.replaceChildren();
    if (active >= found.length) active = found.length - 1;
    found.forEach((option, index) => {
      const item = document.createElement("li");
      item.id = `${id}-option-${option.index}`;
      item.className = "list-group-item list-group-item-action";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(option.selected));
      item.dataset.testid = "searchable-option";
      item.textContent = `${option.selected ? "✓ " : ""}${option.text}`;
      if (index === active) {
        item.classList.add("active");
        input.setAttribute("aria-activedescendant", item.id);
      }
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the box
      item.addEventListener("click", () => toggle(option));
      list.append(item);
    });
    if (!found.length) {
      const none = document.createElement("li");
      none.className = "list-group-item text-muted";
      none.textContent = "No match.";
      list.append(none);
    }
    if (active < 0) input.removeAttribute("aria-activedescendant");
  }

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    renderList();
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function toggle(option) {
    option.selected = !option.selected;
    changed();
  }

  function changed() {
    select.dispatchEvent(new Event("change", { bubbles: true }));
    renderChips();
    if (!list.hidden) renderList();
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", () => {
    active = 0;
    open();
  });
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    const found = matches();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) open();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = Math.max(0, Math.min(found.length - 1, active + step));
      renderList();
    } else if (event.key === "Enter") {
      if (!list.hidden && found[active]) {
        event.preventDefault(); // picking is not sending the form
        toggle(found[active]);
      }
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Backspace" && !input.value) {
      const chosen = options().filter((o) => o.selected);
      if (chosen.length) {
        chosen[chosen.length - 1].selected = false;
        changed();
      }
    }
  });
  renderChips();
}

document.querySelectorAll("select[multiple][data-searchable-select]").forEach(enhance);
