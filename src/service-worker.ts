/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

// Caches the app shell (built JS/CSS) and static files only. Pages, debts, agreements, Pix codes
// and PDFs always come from the network and are never stored on the phone.
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `acerto-shell-${version}`;
const ASSETS = [...build, ...files];
const SHELL = new Set(ASSETS);

sw.addEventListener('install', (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
			.then(() => sw.clients.claim())
	);
});

sw.addEventListener('fetch', (event) => {
	const req = event.request;
	if (req.method !== 'GET') return;
	const url = new URL(req.url);
	if (url.origin !== sw.location.origin) return;
	if (SHELL.has(url.pathname)) {
		event.respondWith(caches.match(url.pathname).then((hit) => hit ?? fetch(req)));
		return;
	}
	if (req.mode === 'navigate') {
		// Network only; when offline show a friendly page instead of the browser's error.
		event.respondWith(fetch(req).catch(async () => (await caches.match('/offline.html')) ?? Response.error()));
	}
});
