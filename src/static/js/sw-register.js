// Signed in: the service worker keeps the diary pages shown (sw.js). Signed out: its cache is
// deleted, so the next person on this device reads nothing of the previous one's.
"use strict";

(function () {
  if (!("serviceWorker" in navigator) || !window.caches) {
    return;
  }
  var signedIn = document.documentElement.dataset.session === "in";
  if (signedIn) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" });
  } else {
    caches.keys().then(function (keys) {
      keys.filter(function (key) { return key.indexOf("dnevnik-pages-") === 0; }).forEach(function (key) { caches.delete(key); });
    });
    if (navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("sign-out");
    }
  }
  // A page answered from the cache says so: it may be old.
  function showOffline() {
    var notice = document.querySelector("[data-testid=offline-notice]");
    if (notice) {
      notice.hidden = navigator.onLine;
    }
  }
  window.addEventListener("online", showOffline);
  window.addEventListener("offline", showOffline);
  document.addEventListener("DOMContentLoaded", showOffline);
})();
