import { describe, expect, it } from 'vitest';
import * as twilio from '../../src/lib/server/messaging/twilio';
import * as zenvia from '../../src/lib/server/messaging/zenvia';
import { parseRetryAfter, secretsEqual } from '../../src/lib/server/messaging/wire-http';

describe('Twilio request signature', () => {
	// The worked example of twilio.com/docs/usage/security (auth token 12345).
	const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
	const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };

	it("matches Twilio's documented example", () => {
		expect(twilio.signature(url, params, '12345')).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
		expect(twilio.verifySignature(url, new URLSearchParams(params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', '12345')).toBe(true);
	});

	it('does not depend on the order the fields came in', () => {
		const reversed = new URLSearchParams(Object.entries(params).reverse());
		expect(twilio.signature(url, reversed, '12345')).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
	});

	it('accepts the URL with or without its default port, as twilio-node does, and nothing else', () => {
		const signedWithPort = twilio.signature('https://mycompany.com:443/myapp.php?foo=1&bar=2', params, '12345');
		expect(twilio.verifySignature(url, params, signedWithPort, '12345')).toBe(true);
		const signedWithout = twilio.signature(url, params, '12345');
		expect(twilio.verifySignature('https://mycompany.com:443/myapp.php?foo=1&bar=2', params, signedWithout, '12345')).toBe(true);
		expect(twilio.verifySignature('http://mycompany.com/myapp.php?foo=1&bar=2', params, signedWithout, '12345')).toBe(false);
		expect(twilio.verifySignature('https://mycompany.com/myapp.php?foo=1&bar=3', params, signedWithout, '12345')).toBe(false);
		expect(twilio.verifySignature(url, params, signedWithout, '54321')).toBe(false);
		expect(twilio.verifySignature(url, params, null, '12345')).toBe(false);
		expect(twilio.verifySignature(url, params, signedWithout, '')).toBe(false);
	});

	it('signs a repeated field once per value', () => {
		const form = new URLSearchParams([
			['MediaUrl', 'b'],
			['Body', 'x'],
			['MediaUrl', 'a']
		]);
		expect(twilio.signature('https://e.x/', form, 't')).toBe(twilio.signature('https://e.x/', new URLSearchParams('Body=x&MediaUrl=a&MediaUrl=b'), 't'));
	});
});

describe('Twilio callbacks', () => {
	const now = new Date('2026-12-07T13:00:00Z');
	const id = '0b5f7c1e-3c2a-4d8e-9f10-2a3b4c5d6e7f';

	it('a status names our message from the URL it came to, and only a uuid', () => {
		const params = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+5511987654321' };
		expect(twilio.parseCallback(params, `https://app.example/webhooks/twilio?m=${id}`, now).statuses).toEqual([
			{ providerId: 'SM1', messageId: id, status: 'delivered', at: now }
		]);
		expect(twilio.parseCallback(params, 'https://app.example/webhooks/twilio?m=1;drop', now).statuses[0]).not.toHaveProperty('messageId');
		expect(twilio.parseCallback(params, undefined, now).statuses[0]).not.toHaveProperty('messageId');
	});

	it('failed and undelivered carry the ErrorCode and whether another channel should try', () => {
		const parse = (MessageStatus: string, ErrorCode?: string) =>
			twilio.parseCallback({ MessageSid: 'SM1', MessageStatus, ...(ErrorCode ? { ErrorCode } : {}) }, undefined, now).statuses[0];
		expect(parse('undelivered', '30006')).toMatchObject({ status: 'failed', code: '30006', fallback: true });
		expect(parse('failed', '21614')).toMatchObject({ status: 'failed', code: '21614', fallback: true });
		expect(parse('undelivered', '30003')).toMatchObject({ status: 'failed', code: '30003', fallback: false });
		expect(parse('failed')).toMatchObject({ status: 'failed', fallback: false });
		expect(parse('sending')).toBeUndefined();
		expect(parse('whatever')).toBeUndefined();
	});

	it('a reply is an inbound message, even one whose text is a status word', () => {
		const reply = { MessageSid: 'SM2', SmsStatus: 'received', From: '+5511987654321', To: '+5511400000000', Body: 'sent' };
		expect(twilio.parseCallback(reply, undefined, now)).toEqual({
			statuses: [],
			inbound: [{ channel: 'sms', from: '+5511987654321', text: 'sent', at: now, providerId: 'SM2' }]
		});
		expect(twilio.parseCallback({}, undefined, now)).toEqual({ statuses: [], inbound: [] });
	});
});

describe('Zenvia', () => {
	it('writes phones as digits with the country code', () => {
		expect(zenvia.toZenviaPhone('+5511987654321')).toBe('5511987654321');
	});

	it('keeps the time Zenvia gave and tells NOT_DELIVERED (fallback) from REJECTED', () => {
		const event = (code: string) => ({
			type: 'MESSAGE_STATUS',
			channel: 'sms',
			messageId: 'zv-1',
			messageStatus: { timestamp: '2026-12-07T12:00:00Z', code, causes: [{ channelErrorCode: '005', reason: 'Unknown subscriber' }] }
		});
		expect(zenvia.parseCallback(event('NOT_DELIVERED')).statuses).toEqual([
			{ providerId: 'zv-1', status: 'failed', at: new Date('2026-12-07T12:00:00Z'), code: '005', fallback: true, reason: 'Unknown subscriber' }
		]);
		expect(zenvia.parseCallback(event('REJECTED')).statuses[0]).toMatchObject({ status: 'failed', fallback: false });
		expect(zenvia.parseCallback(event('CLICKED')).statuses).toEqual([]);
		expect(zenvia.parseCallback({ ...event('DELIVERED'), channel: 'whatsapp' }).statuses).toEqual([]);
	});

	it('the callback secret must match exactly', () => {
		expect(zenvia.callbackSecretMatches('abc', 'abc')).toBe(true);
		expect(zenvia.callbackSecretMatches('abcd', 'abc')).toBe(false);
		expect(zenvia.callbackSecretMatches('', '')).toBe(false);
		expect(zenvia.callbackPath('a/b c')).toBe('/webhooks/zenvia/env/a%2Fb%20c');
		expect(zenvia.callbackPath('s', '5b0c6a51-1c1f-4f43-9f3e-0f6d2a1b3c4d')).toBe('/webhooks/zenvia/5b0c6a51-1c1f-4f43-9f3e-0f6d2a1b3c4d/s');
	});
});

describe('Retry-After and secrets', () => {
	it('reads seconds and HTTP dates', () => {
		const now = Date.parse('2026-12-07T12:00:00Z');
		expect(parseRetryAfter('120', now)).toBe(120_000);
		expect(parseRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(null, now)).toBeUndefined();
	});

	it('compares secrets of any length', () => {
		expect(secretsEqual('x'.repeat(100), 'x')).toBe(false);
		expect(secretsEqual('segredo', 'segredo')).toBe(true);
	});
});
