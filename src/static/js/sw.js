// The service worker: the family's diary pages it has shown stay readable offline.
// Network first, so an online reader always sees fresh marks; the copy is only a fallback.
// The pages are one cache for the browser, not per person (the worker cannot tell who is
// signed in): sw-register.js deletes it whenever a page shows the signed-out state, so the
// next person on this device never reads the previous one's pages. The static files (the
// same for everyone) have a cache of their own, which sign-out keeps: the signed-out page's
// own styles and scripts would fill a single cache again right after it was emptied.
"use strict";

const CACHE = "dnevnik-pages-v1";
const STATIC_CACHE = "dnevnik-static-v1";
const OFFLINE_URL = "/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.add(OFFLINE_URL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("dnevnik-") && key !== CACHE && key !== STATIC_CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "sign-out") {
    event.waitUntil(caches.delete(CACHE));
  }
});

function cacheable(url) {
  return url.origin === self.location.origin && (url.pathname.startsWith("/diary/") || url.pathname.startsWith("/static/"));
}

function storable(response) {
  // "basic": same-origin and not a redirect; no-store is the server saying "never keep this".
  return response.ok && response.type === "basic" && !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) {
    return;
  }
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (storable(response) && url.pathname.startsWith("/static/")) {
          const copy = response.clone();
          event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.put(request, copy)));
        } else if (storable(response)) {
          const copy = response.clone();
          // The fallback page goes back into the cache emptied by the last sign-out.
          event.waitUntil(
            caches.open(CACHE).then((cache) =>
              cache.put(request, copy).then(() => cache.match(OFFLINE_URL)).then((hit) => hit || cache.add(OFFLINE_URL))
            )
          );
        }
        return response;
      })
      .catch(() =>
        caches.match(request, { ignoreVary: true }).then((hit) => {
          if (hit) {
            return hit;
          }
          if (request.mode !== "navigate") {
            return Response.error();
          }
          return caches.open(CACHE).then((cache) => cache.match(OFFLINE_URL)).then((page) => page || Response.error());
        })
      )
  );
});

// Web Push: the payload is what a locked phone may show (a title, and the text only when the person chose
// so in the notification settings); a tap opens the page it links to.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = data.title || "Дневник";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      icon: "/static/icons/icon-192.png",
      data: { url: data.url || "/cabinet/notifications/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/cabinet/notifications/";
  const target = url.startsWith("/") && !url.startsWith("//") ? url : "/cabinet/notifications/";
  event.waitUntil(self.clients.openWindow(target));
});
