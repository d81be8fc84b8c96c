import fs from 'node:fs';

export type LoggedMessage = { type: 'message'; channel: string; to: string; text: string };

/** Messages the server printed (console driver: one JSON line each), oldest first. */
export function messages(log: string): LoggedMessage[] {
	return fs
		.readFileSync(log, 'utf8')
		.split('\n')
		.filter((l) => l.startsWith('{"type":"message"'))
		.map((l) => JSON.parse(l));
}

/** Waits for a new one-time code sent to `to` after `since` messages had been seen. */
export async function waitForCode(log: string, to: string, since: number, timeoutMs = 10_000): Promise<string> {
	const end = Date.now() + timeoutMs;
	while (Date.now() < end) {
		const found = messages(log).slice(since).filter((m) => m.to === to).at(-1);
		const code = found?.text.match(/\b(\d{6})\b/)?.[1];
		if (code) return code;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`nenhum código enviado para ${to}`);
}
