// The navbar bell, kept live over /ws/notifications/ (templates/notifications/_bell.html).
//
// The server sends the unread count (and the newest unread) on every connect and after
// every change; the page shows only what it was sent since its last connect. When the
// socket closes, the bell is marked offline and the script reconnects with exponential
// back-off (with jitter, so a restarted server is not met by every tab at once), unless
// the server closed it because the session ended: then the bell says so and stops.
//
// A notification made in another process than the server's (`manage.py notify` under
// `make run`, whose in-memory channel layer does not cross processes) is not pushed: so
// the bell asks the server for the stored count when its tab becomes visible and every
// 30 s while it is ({"type": "refresh"}, answered like a push; notifications/consumers.py).

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
// Close codes of notifications/consumers.py: not logged in (an expired session, say), and
// the session ended (logged out, a new password elsewhere, the account deactivated).
const SESSION_ENDED = new Set([4401, 4402]);
const REFRESH_MS = 30_000;
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

function backoffDelay(attempt) {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

class NotificationBell {
  constructor(root) {
    this.root = root;
    this.toggle = root.querySelector("[data-notif-toggle]");
    this.badge = root.querySelector("[data-notif-badge]");
    this.live = root.querySelector("[data-notif-live]");
    this.list = root.querySelector("[data-notif-list]");
    this.empty = root.querySelector("[data-notif-empty]");
    this.ended = root.querySelector("[data-notif-ended]");
    this.template = root.querySelector("template[data-notif-item-template]");
    this.path = root.dataset.wsPath;
    this.attempt = 0;
    this.timer = null;
    this.socket = null;
  }

  start() {
    this.connect();
    // Back on the network: try at once instead of waiting out the back-off.
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => this.refresh());
    window.setInterval(() => this.refresh(), REFRESH_MS);
  }

  // Ask for the stored count (a visible tab only; a hidden one asks when it is shown).
  refresh() {
    if (document.visibilityState !== "visible" || this.root.dataset.notifState === "ended") return;
    if (this.socket === null) {
      this.reconnectNow(); // the connect brings the stored count
    } else if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "refresh" }));
    }
  }

  connect() {
    this.timer = null;
    this.setState("connecting");
    const socket = new WebSocket(socketUrl(this.path));
    this.socket = socket;
    socket.addEventListener("message", (event) => this.onMessage(event));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (SESSION_ENDED.has(event.code)) {
        // Logged out (here, in another tab or by the server): retrying would only be
        // refused again.
        this.showLoggedOut();
        return;
      }
      this.setState("offline");
      this.schedule();
    });
  }

  schedule() {
    if (this.timer !== null) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  showLoggedOut() {
    window.clearTimeout(this.timer);
    this.timer = null;
    this.setState("ended");
    this.list.replaceChildren();
    this.badge.hidden = true;
    this.empty.hidden = true;
    this.ended.hidden = false;
    const login = this.ended.querySelector("a[data-notif-login]");
    const next = window.location.pathname + window.location.search;
    const base = login.getAttribute("href").split("?")[0];
    login.setAttribute("href", `${base}?${new URLSearchParams({ next })}`);
    this.toggle.setAttribute("aria-label", "Notifications (logged out)");
  }

  reconnectNow() {
    if (this.socket !== null || this.root.dataset.notifState === "ended") return;
    window.clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  onMessage(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (typeof data.notif_count === "number") {
      this.attempt = 0; // a server that answers resets the back-off
      this.setCount(data.notif_count);
      this.setState("live");
    }
    if (Array.isArray(data.notifs)) this.render(data.notifs);
    // Other parts of the page that follow the same socket (the notification center,
    // static/js/notification-center.js) hear every message.
    document.dispatchEvent(new CustomEvent("notifications:message", { detail: data }));
  }

  setState(state) {
    this.root.dataset.notifState = state;
  }

  setCount(count) {
    this.badge.textContent = String(count);
    this.badge.hidden = count === 0;
    this.toggle.setAttribute("aria-label", count ? `Notifications, ${count} unread` : "Notifications");
    this.empty.hidden = count !== 0;
    // The live region says a changed count aloud (not the count the page was drawn with).
    if (this.live && this.live.dataset.count !== String(count)) {
      this.live.dataset.count = String(count);
      this.live.textContent = count ? `${count} unread notification${count === 1 ? "" : "s"}` : "No unread notifications";
    }
  }

  render(notifs) {
    const items = notifs.map((notif) => this.item(notif));
    this.list.replaceChildren(...items);
  }

  item(notif) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    item.dataset.notifId = String(notif.id);
    const title = item.querySelector("[data-notif-title]");
    title.textContent = notif.title;
    if (notif.link) title.setAttribute("href", notif.link);
    item.querySelector("[data-notif-action]").textContent = notif.action;
    const answer = item.querySelector("form[data-notif-answer]");
    if (answer && notif.awaits_answer) {
      // An open invitation: Accept and Decline are posted to its link.
      answer.action = notif.link;
      answer.hidden = false;
    }
    // Sanitized by the server before it was stored (notifications.services.sanitize_message).
    item.querySelector("[data-notif-message]").innerHTML = notif.message;
    const time = item.querySelector("[data-notif-time]");
    time.dateTime = notif.received_at;
    time.textContent = notif.received_ago;
    const received = new Date(notif.received_at);
    if (!Number.isNaN(received.getTime())) {
      // The exact moment on hover, in the reader's time zone, named (as static/js/local-time.js does).
      const when = received.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: ZONE });
      time.title = `${when} ${ZONE}`;
    }
    const form = item.querySelector("form[data-notif-mark-read]");
    form.action = notif.mark_read;
    const next = form.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
    return item;
  }
}

const root = document.querySelector("[data-notifications]");
if (root) new NotificationBell(root).start();
