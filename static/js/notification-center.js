// The notification center (templates/notifications/center.html), kept live.
//
// The navbar bell (static/js/notifications.js) holds the one socket and passes on every
// message as a "notifications:message" event: the unread count and the newest unread
// (at most notifications.services.LATEST_UNREAD). A notification the page does not show
// yet appears at the top (on the first page only: later pages hold older ones); a shown
// one that is no longer unread loses its highlight. "Mark read" posts in the background
// and updates the item in place (without scripts it is an ordinary form).

const list = document.querySelector("[data-notification-center]");
const template = document.querySelector("template[data-center-item-template]");

function itemFor(id) {
  return list.querySelector(`[data-center-item][data-notification-id="${CSS.escape(String(id))}"]`);
}

function showRead(item) {
  item.dataset.read = "true";
  item.classList.remove("notif-unread");
  item.querySelector("[data-notif-new]")?.remove();
  item.querySelector("form[data-notif-mark-read]")?.remove();
}

function build(notif) {
  const item = template.content.firstElementChild.cloneNode(true);
  item.dataset.notificationId = String(notif.id);
  item.querySelector("[data-notif-action]").textContent = notif.action;
  const title = item.querySelector("[data-notif-title]");
  title.textContent = notif.title;
  if (notif.link) title.setAttribute("href", notif.link);
  // Sanitized by the server before it was stored (notifications.services.sanitize_message).
  item.querySelector("[data-notif-message]").innerHTML = notif.message;
  const answer = item.querySelector("form[data-notif-answer]");
  if (answer && notif.awaits_answer) {
    answer.action = notif.link;
    answer.hidden = false;
  }
  const time = item.querySelector("[data-notif-time]");
  time.dateTime = notif.received_at;
  time.textContent = notif.received_ago;
  const form = item.querySelector("form[data-notif-mark-read]");
  form.action = notif.mark_read;
  const next = form.querySelector("input[name=next]");
  if (next) next.value = window.location.pathname + window.location.search;
  return item;
}

function update(data) {
  if (typeof data.notif_count !== "number" || !Array.isArray(data.notifs)) return;
  const unread = new Set(data.notifs.map((notif) => String(notif.id)));
  if (list.hasAttribute("data-first-page")) {
    // Oldest first, each to the top: the newest ends up first.
    for (const notif of [...data.notifs].reverse()) {
      if (itemFor(notif.id)) continue;
      list.querySelector("[data-center-empty]")?.remove();
      list.prepend(build(notif));
    }
  }
  // Only when the message holds every unread one can the others be known as read.
  const complete = data.notifs.length >= data.notif_count;
  for (const item of list.querySelectorAll('[data-center-item][data-read="false"]')) {
    if (data.notif_count === 0 || (complete && !unread.has(item.dataset.notificationId))) showRead(item);
  }
}

async function markRead(event) {
  const form = event.target.closest("form[data-notif-mark-read]");
  if (!form || !list.contains(form)) return;
  event.preventDefault();
  const item = form.closest("[data-center-item]");
  try {
    const response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    showRead(item);
  } catch {
    form.submit(); // let the server answer as it does without scripts
  }
}

if (list && template) {
  document.addEventListener("notifications:message", (event) => update(event.detail));
  list.addEventListener("submit", markRead);
}
