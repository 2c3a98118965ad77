// Orderboard's service worker, for one thing: the tracking page's "your
// order is ready" notification (registration.showNotification), which then
// appears while the page is in the background or the screen is locked. It
// caches nothing and intercepts no request (no fetch handler), and nothing
// goes through a push service: the page, live over its own stream, asks for
// the notification. Tapping it brings the tracking page forward (or opens it).
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? "/", self.location.origin);
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const page = pages.find((c) => new URL(c.url).pathname === url.pathname);
    if (page) return page.focus();
    return self.clients.openWindow(url.href);
  })());
});
