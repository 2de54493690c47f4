// Background Sync, where the browser has it (Chromium): when the connection is back the browser fires `sync`, and
// the worker tells the open pages of the app, whose outbox senders then send what waits. Imported by the generated
// service worker (vite-plugin-pwa, workbox.importScripts).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'genlake-outbox') return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: 'genlake-outbox-sync' });
    }),
  );
});
