// The order form's one-time token (orders.forms) on a page come back to by Back or
// Forward: the token of the order that page sent. The browser fetches the page again
// (the first answer set the CSRF cookie, and the page varies by cookie), restores what
// was typed into it, but the hidden token is the new page's: sent again, it would place
// a second order. So the token each form is sent with is kept for the tab
// (sessionStorage), and put back only when the page is reached through the history: a
// new visit keeps its own token and places a new order.

const KEY = `eventdesk.order-token:${window.location.pathname}`;

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage refused: the server still refuses the same token twice
  }
}

const store = storage();
const [navigation] = performance.getEntriesByType("navigation");
for (const form of document.querySelectorAll("form[data-testid=order-form]")) {
  const token = form.querySelector("input[name=once]");
  if (!token || !store) continue;
  if (navigation && navigation.type === "back_forward") {
    const sent = store.getItem(KEY);
    if (sent) token.value = sent;
  }
  form.addEventListener("submit", () => {
    try {
      store.setItem(KEY, token.value);
    } catch {
      // full or refused: nothing to keep
    }
  });
}
