// A row of tabs or steps that scrolls sideways on a narrow screen (the dashboard's tabs,
// the wizard's steps: `.nav-tabs`, `.wizard-steps` in eventdesk.css and wizard.css)
// starts scrolled so that the current one is in view, not cut off at the right.

for (const row of document.querySelectorAll("[data-scroll-to-active]")) {
  const active = row.querySelector(".active");
  if (active && row.scrollWidth > row.clientWidth) {
    const rowBox = row.getBoundingClientRect();
    const box = active.getBoundingClientRect();
    row.scrollLeft += box.left - rowBox.left - (row.clientWidth - box.width) / 2;
  }
}
