import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		// ACERTO_KIT_DIR / ACERTO_BUILD_DIR let several builds of one checkout live side by side.
		outDir: process.env.ACERTO_KIT_DIR ?? '.svelte-kit',
		adapter: adapter({ out: process.env.ACERTO_BUILD_DIR ?? 'build', precompress: true }),
		// The same-origin check for form posts lives in hooks.server.ts (input.crossSiteForm), which
		// lets provider webhooks and the e-mail one-click unsubscribe through (they post without Origin).
		csrf: { checkOrigin: false },
		csp: {
			// 'auto': a nonce for server-rendered pages (hashing every response cost ~5% CPU), hashes for prerendered ones.
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'img-src': ['self', 'data:'],
				'style-src': ['self', 'unsafe-inline'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'frame-ancestors': ['none'],
				'form-action': ['self']
			}
		}
	}
};

export default config;
