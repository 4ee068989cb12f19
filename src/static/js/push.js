// The «Push to this phone» switch of the notification settings: subscribes this browser to Web Push with the
// server's VAPID key and tells the server (or unsubscribes and tells it). No inline script: CSP allows it.
(function () {
  const box = document.querySelector("[data-push]");
  if (!box) return;
  const state = box.querySelector("[data-push-state]");
  const button = box.querySelector("button");
  const csrf = box.dataset.csrf;
  function say(text) {
    state.textContent = text;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    say(box.dataset.unsupported);
    button.hidden = true;
    return;
  }
  function keyBytes(base64) {
    const padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }
  async function post(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!answer.ok) throw new Error(String(answer.status));
  }
  async function current() {
    const registration = await navigator.serviceWorker.ready;
    return registration.pushManager.getSubscription();
  }
  async function show() {
    const subscription = await current();
    say(subscription ? box.dataset.on : box.dataset.off);
    button.textContent = subscription ? box.dataset.turnOff : box.dataset.turnOn;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const subscription = await current();
      if (subscription) {
        await post(box.dataset.unsubscribe, { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      } else {
        const registration = await navigator.serviceWorker.ready;
        const made = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.dataset.key),
        });
        await post(box.dataset.subscribe, made.toJSON());
      }
      await show();
    } catch (error) {
      say(box.dataset.failed);
    } finally {
      button.disabled = false;
    }
  });
  show();
})();
