import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { sign, newSecret, headers } from '../../src/lib/server/webhooks/signature';
import { checkUrl, isPrivateAddress } from '../../src/lib/server/webhooks/url';
import { addBusinessDays, delistingDeadline } from '../../src/lib/server/webhooks/deadline';
import { retryDelayMs } from '../../src/lib/server/webhooks/deliver';
import { body } from '../../src/lib/server/webhooks/outbox';
import { WEBHOOK_VERIFY_EXAMPLE } from '../../src/lib/server/api/openapi';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The test vector published with the Standard Webhooks reference libraries (standard-webhooks/standard-webhooks).
const VECTOR = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: 1614265330,
	payload: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
};

describe('Standard Webhooks signature', () => {
	it('matches the specification test vector', () => {
		expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
	});

	it('changes with the body, the id or the timestamp', () => {
		expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, '{"test": 2432232315}')).not.toBe(VECTOR.signature);
		expect(sign(VECTOR.secret, 'msg_other', VECTOR.timestamp, VECTOR.payload)).not.toBe(VECTOR.signature);
		expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp + 1, VECTOR.payload)).not.toBe(VECTOR.signature);
	});

	it('signs a request as the spec says: HMAC-SHA256 of "id.timestamp.body" under the decoded secret', () => {
		const secret = newSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
		expect(key.length).toBe(32);
		const at = new Date('2026-11-20T13:45:10.900Z');
		const h = headers(secret, 'evt_1', '{"a":1}', at);
		expect(h['webhook-id']).toBe('evt_1');
		expect(h['webhook-timestamp']).toBe('1795182310');
		const expected = createHmac('sha256', key).update('evt_1.1795182310.{"a":1}').digest('base64');
		expect(h['webhook-signature']).toBe(`v1,${expected}`);
		expect(newSecret()).not.toBe(secret);
	});
});

describe('endpoint addresses', () => {
	it('production takes public https addresses only', () => {
		expect(checkUrl('https://erp.exemplo.com.br/hooks#x', true)).toEqual({ ok: true, url: 'https://erp.exemplo.com.br/hooks' });
		for (const bad of ['http://erp.exemplo.com.br/hooks', 'http://127.0.0.1:8080/', 'https://127.0.0.1/', 'https://10.1.2.3/', 'https://192.168.0.10/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/', 'https://[fd00::1]/', 'https://localhost/', 'https://[::ffff:10.0.0.1]/', 'https://db.internal/']) {
			const r = checkUrl(bad, true);
			expect(r.ok, bad).toBe(false);
		}
		const r = checkUrl('https://10.0.0.5/', true);
		expect(r.ok === false && r.message).toContain('rede interna');
		const h = checkUrl('http://erp.exemplo.com.br/', true);
		expect(h.ok === false && h.message).toContain('https://');
	});

	it('outside production, http to loopback is allowed (tests, a developer receiver), http elsewhere is not', () => {
		expect(checkUrl('http://127.0.0.1:4000/hook', false).ok).toBe(true);
		expect(checkUrl('http://localhost:4000/hook', false).ok).toBe(true);
		expect(checkUrl('http://erp.exemplo.com.br/hook', false).ok).toBe(false);
		expect(checkUrl('ftp://erp.exemplo.com.br/', false).ok).toBe(false);
		expect(checkUrl('https://user:pw@erp.exemplo.com.br/', false).ok).toBe(false);
		expect(checkUrl('não é endereço', false).ok).toBe(false);
	});

	it('knows private ranges', () => {
		expect(isPrivateAddress('172.16.0.1')).toBe(true);
		expect(isPrivateAddress('172.32.0.1')).toBe(false);
		expect(isPrivateAddress('100.64.1.1')).toBe(true);
		expect(isPrivateAddress('8.8.8.8')).toBe(false);
		expect(isPrivateAddress('2001:4860:4860::8888')).toBe(false);
		expect(isPrivateAddress('fe80::1')).toBe(true);
	});
});

describe('delisting deadline (STJ Súmula 548: 5 business days)', () => {
	it('skips the weekend', () => {
		// Friday 2026-11-06 → Mon 9, Tue 10, Wed 11, Thu 12, Fri 13.
		expect(delistingDeadline('2026-11-06')).toBe('2026-11-13');
		// Saturday payment: the count starts on Monday.
		expect(delistingDeadline('2026-11-07')).toBe('2026-11-13');
	});

	it('skips national holidays (Proclamação da República on a Sunday aside, Consciência Negra 20/11 and Natal)', () => {
		// Tue 2026-11-17 → Wed 18, Thu 19, (Fri 20 holiday), Mon 23, Tue 24, Wed 25.
		expect(delistingDeadline('2026-11-17')).toBe('2026-11-25');
		// Tue 2026-12-22 → Wed 23, Thu 24, (Fri 25 Natal), Mon 28, Tue 29, Wed 30.
		expect(delistingDeadline('2026-12-22')).toBe('2026-12-30');
		// Across the new year: Wed 2026-12-30 → Thu 31, (Fri 1/1), Mon 4, Tue 5, Wed 6, Thu 7.
		expect(addBusinessDays('2026-12-30', 5)).toBe('2027-01-07');
	});
});

describe('retries', () => {
	it('back off exponentially from 30 s, at most 6 h apart, and end within about 3 days', () => {
		expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
		expect(retryDelayMs(30)).toBe(6 * 3600_000);
		let elapsed = 0;
		let attempts = 0;
		while (elapsed <= 3 * 24 * 3600_000) elapsed += retryDelayMs(++attempts);
		expect(attempts).toBeGreaterThan(15);
		expect(attempts).toBeLessThan(25);
	});

	it('the body is { type, timestamp, data }', () => {
		expect(JSON.parse(body('installment.paid', new Date('2026-11-20T12:00:00Z'), { x: 1 }))).toEqual({ type: 'installment.paid', timestamp: '2026-11-20T12:00:00.000Z', data: { x: 1 } });
	});
});

describe('the reference page\'s verification example', () => {
	it('accepts what the delivery job signs, and refuses a changed body, another secret or an old timestamp', async () => {
		const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wh-')), 'verify.mjs');
		fs.writeFileSync(file, WEBHOOK_VERIFY_EXAMPLE);
		const { verify } = (await import(/* @vite-ignore */ file)) as { verify: (s: string, h: Record<string, string>, b: string) => boolean };
		const secret = newSecret();
		const payload = body('installment.paid', new Date(), { agreement: { code: 'AC-2345-6789' } });
		const h = headers(secret, 'evt_abc', payload, new Date());
		expect(verify(secret, h, payload)).toBe(true);
		expect(verify(secret, h, payload.replace('2345', '2346'))).toBe(false);
		expect(verify(newSecret(), h, payload)).toBe(false);
		const old = headers(secret, 'evt_abc', payload, new Date(Date.now() - 10 * 60_000));
		expect(verify(secret, old, payload)).toBe(false);
	});
});
