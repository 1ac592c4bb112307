/**
 * The sampler's service worker (registered by web/src/main.tsx for /sampler only), so that the phone app opens
 * and reloads without a network; what was scanned meanwhile waits in the phone's IndexedDB outbox.
 * - /api/*: never touched, never cached (the network answers, or the app sees it is offline).
 * - /assets/* (content-hashed file names): cache first; the sampler's own chunks are cached on install.
 * - navigations under /sampler: network first (the newest shell when online), the cached shell when offline.
 * - other files (favicon): network first, the cached copy when offline.
 * `npm run build:web` writes BUILD and PRECACHE (web/vite.config.ts); a new build is a new worker whose cache
 * replaces the old one.
 */
const BUILD = 'dev';
const PRECACHE = [];

const PREFIX = 'qingcang-sampler-';
const CACHE = `${PREFIX}${BUILD}`;
const SHELL = '/sampler';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([SHELL, ...PRECACHE]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

async function shell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(SHELL, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') event.respondWith(shell(request));
  else if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request));
  else event.respondWith(networkFirst(request));
});
