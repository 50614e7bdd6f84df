// Times tied to no event (an invitation's expiry, when a notification arrived) are sent
// in UTC, labelled "UTC" (core/templatetags/when.py, {% local_time %}); this shows them in
// the reader's own time zone instead, named the same way as an event's
// ("Sun 1 Jun 2025, 09:30 Europe/Berlin"). Without scripts the UTC text stays.

const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function parts(date, options) {
  const out = {};
  for (const part of new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, ...options }).formatToParts(date)) {
    out[part.type] = part.value;
  }
  return out;
}

export function formatLocal(date, style = "datetime") {
  const p = parts(date, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  if (style === "date") return `${p.day} ${p.month} ${p.year}`;
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
}

function zoneLabel(text) {
  const label = document.createElement("span");
  label.className = "tz-label";
  label.title = "Your time zone";
  label.textContent = text;
  return label;
}

export function localizeTimes(root = document) {
  for (const time of root.querySelectorAll("time[data-local-time]")) {
    const date = new Date(time.dateTime);
    if (Number.isNaN(date.getTime())) continue;
    const style = time.dataset.localTime;
    time.replaceChildren(formatLocal(date, style), " ", zoneLabel(ZONE));
    time.removeAttribute("data-local-time");
    time.dataset.localized = ZONE;
  }
  for (const element of root.querySelectorAll("[data-local-title]")) {
    const date = new Date(element.getAttribute("datetime") || element.dataset.localTitle);
    if (Number.isNaN(date.getTime())) continue;
    element.title = `${formatLocal(date)} ${ZONE}`;
  }
}

localizeTimes();
