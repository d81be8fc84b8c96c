/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

// Caches the app shell and static files only. Pages, debts, agreements, Pix codes and PDFs always
// come from the network and are never stored on the phone. Static files are cached at install; the
// built JS/CSS as the portal uses them (precaching the whole build would put every admin chunk on
// every debtor's phone).
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `acerto-shell-${version}`;
const STATIC = new Set(files);
const BUILT = new Set(build);

sw.addEventListener('install', (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(files)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
			.then(() => sw.clients.claim())
	);
});

async function shell(request: Request, path: string): Promise<Response> {
	const cache = await caches.open(CACHE);
	const hit = await cache.match(path);
	if (hit) return hit;
	const response = await fetch(request);
	// Built files are immutable (content-hashed names): safe to keep until the next version.
	if (response.ok && BUILT.has(path)) await cache.put(path, response.clone());
	return response;
}

sw.addEventListener('fetch', (event) => {
	const req = event.request;
	if (req.method !== 'GET') return;
	const url = new URL(req.url);
	if (url.origin !== sw.location.origin) return;
	if (STATIC.has(url.pathname) || BUILT.has(url.pathname)) {
		event.respondWith(shell(req, url.pathname));
		return;
	}
	if (req.mode === 'navigate') {
		// Network only; when offline show a friendly page instead of the browser's error.
		event.respondWith(fetch(req).catch(async () => (await caches.match('/offline.html')) ?? Response.error()));
	}
});
