import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

/**
 * Where a creditor's ERP may receive webhooks. In production: https only, and never an address of
 * this machine's networks (SSRF: a webhook must not become a way to reach the database, the cloud
 * metadata service or the office LAN). Outside production, http is allowed to loopback, so tests
 * and a developer's own receiver work.
 */

const PRIVATE = new BlockList();
for (const [net, prefix] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 3]
] as const) {
	PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
	['::', 127],
	['fc00::', 7],
	['fe80::', 10],
	['ff00::', 8]
] as const) {
	PRIVATE.addSubnet(net, prefix, 'ipv6');
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain']);

/** Whether an IP literal is private, loopback, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
	const bare = address.replace(/^\[|\]$/g, '');
	const family = isIP(bare);
	if (family === 4) return PRIVATE.check(bare, 'ipv4');
	if (family === 6) {
		const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
		if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
		return PRIVATE.check(bare, 'ipv6');
	}
	return false;
}

function isLoopback(host: string): boolean {
	const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
	if (LOOPBACK_NAMES.has(bare)) return true;
	if (isIP(bare) === 4) return bare.startsWith('127.');
	return bare === '::1';
}

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** The checks that need no network: scheme, credentials, and IP literals and names of private networks. */
export function checkUrl(raw: string, production: boolean): UrlCheck {
	let u: URL;
	try {
		u = new URL(raw.trim());
	} catch {
		return { ok: false, message: 'Informe um endereço completo, começando por https:// (por exemplo https://erp.exemplo.com.br/webhooks/acerto).' };
	}
	if (u.username || u.password) return { ok: false, message: 'O endereço não pode levar usuário e senha: a assinatura do webhook já autentica o envio.' };
	if (raw.trim().length > 2000) return { ok: false, message: 'Endereço longo demais (máximo de 2.000 caracteres).' };
	const loopback = isLoopback(u.hostname);
	if (u.protocol === 'http:' && !(loopback && !production)) {
		return { ok: false, message: 'Use um endereço https://: os eventos levam dados pessoais e não podem trafegar sem criptografia.' };
	}
	if (u.protocol !== 'https:' && u.protocol !== 'http:') return { ok: false, message: 'O endereço precisa começar por https://.' };
	if (production && (loopback || isPrivateAddress(u.hostname) || /\.(local|internal|localhost)$/i.test(u.hostname))) {
		return { ok: false, message: 'Este endereço é de uma rede interna. Informe um endereço público do ERP, acessível pela internet.' };
	}
	u.hash = '';
	return { ok: true, url: u.toString() };
}

/**
 * A `lookup` for outgoing sockets that refuses names resolving to a private address: checked at
 * connect time, so a name that changes its answer after the endpoint was saved (DNS rebinding)
 * gains nothing.
 */
export function publicOnlyLookup(
	hostname: string,
	options: object,
	callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
): void {
	dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
		if (err) return callback(err, '', 0);
		const list = addresses as LookupAddress[];
		const blocked = list.find((a) => isPrivateAddress(a.address));
		if (blocked || list.length === 0) {
			const e: NodeJS.ErrnoException = new Error(`${hostname} aponta para um endereço de rede interna (${blocked?.address ?? 'nenhum'}): envio recusado.`);
			e.code = 'EPRIVATE';
			return callback(e, '', 0);
		}
		if ((options as { all?: boolean }).all) return callback(null, list);
		callback(null, list[0].address, list[0].family);
	});
}

/** The check with the network: the name must resolve, and only to public addresses (production). */
export async function resolvesPublic(url: string): Promise<UrlCheck> {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	if (isIP(host)) return { ok: true, url };
	return new Promise((resolve) => {
		publicOnlyLookup(host, {}, (err) => {
			if (!err) resolve({ ok: true, url });
			else if ((err as NodeJS.ErrnoException).code === 'EPRIVATE') resolve({ ok: false, message: 'Este endereço é de uma rede interna. Informe um endereço público do ERP, acessível pela internet.' });
			else resolve({ ok: false, message: `Não encontramos o servidor ${host} (DNS). Confira o endereço.` });
		});
	});
}
