import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Flags that work as root on a machine with no outside network.
const ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-dev-shm-usage',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic'
];

export async function launch(): Promise<Browser> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`Chromium não encontrado em ${CHROMIUM}: rode 'bash scripts/ensure-test-tools.sh' (apt-get install chromium).`);
	}
	return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

const PHONE = {
	viewport: { width: 360, height: 800 },
	deviceScaleFactor: 2,
	isMobile: true,
	hasTouch: true,
	locale: 'pt-BR',
	timezoneId: 'America/Sao_Paulo',
	acceptDownloads: true
};

/** A phone-sized context: 360×800, pt-BR, São Paulo time. */
export function phone(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
	return browser.newContext({ ...PHONE, ...options });
}

/** A phone-sized profile on disk: what installability needs (incognito apps cannot be installed). */
export function persistentPhone(): Promise<BrowserContext> {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium não encontrado em ${CHROMIUM}.`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-profile-'));
	return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, ...PHONE });
}
