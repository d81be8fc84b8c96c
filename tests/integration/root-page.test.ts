import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import postgres from 'postgres';
import { startApp, type App } from '../support/app-server';
import { generateCnpj } from '../../src/lib/format/document';

/**
 * The root page `/` of the built app, on a database of its own: whether it lists the portals
 * depends on how many agencies there are, which the shared test database cannot hold still.
 */

const name = `acerto_root_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
let admin: postgres.Sql;
let sql: postgres.Sql;
let app: App;

beforeAll(async () => {
	admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${name}`);
	const url = new URL(inject('adminDatabaseUrl'));
	url.pathname = `/${name}`;
	// `acerto serve` applies the migrations before it listens.
	app = await startApp(url.toString());
	sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
	await app?.stop();
	await sql?.end({ timeout: 5 });
	await admin?.unsafe(`drop database if exists ${name} with (force)`);
	await admin?.end({ timeout: 5 });
});

async function agency(): Promise<string> {
	const [a] = await sql`insert into agencies (name, cnpj) values (${`Assessoria ${Math.random()}`}, ${generateCnpj(Math.random)}) returning id`;
	return a.id;
}

async function creditor(agencyId: string, slug: string, displayName: string, legalName: string): Promise<void> {
	await sql`insert into creditors (agency_id, legal_name, cnpj, address, display_name, slug, pix_key, pix_merchant_name, pix_merchant_city)
		values (${agencyId}, ${legalName}, ${generateCnpj(Math.random)}, 'Rua Teste, 1, Centro, São Paulo/SP', ${displayName}, ${slug}, 'pix@example.com', 'Credor', 'Sao Paulo')`;
}

async function root(): Promise<{ status: number; html: string }> {
	const res = await fetch(`${app.base}/`, { redirect: 'manual' });
	return { status: res.status, html: await res.text() };
}

const NEUTRAL = 'use o link que você recebeu';

describe('the root page', () => {
	it('with no agency yet, shows only the neutral page', async () => {
		const { status, html } = await root();
		expect(status).toBe(200);
		expect(html).toContain(NEUTRAL);
	});

	it('with one agency, lists its portals, as that agency’s own site', async () => {
		const id = await agency();
		await creditor(id, 'lojas-aurora', 'Lojas Aurora', 'Aurora Comércio de Móveis Ltda.');
		await creditor(id, 'horizonte', 'Banco Horizonte', 'Horizonte Crédito S.A.');
		const { status, html } = await root();
		expect(status).toBe(200);
		expect(html).toContain('href="/c/lojas-aurora"');
		expect(html).toContain('Lojas Aurora');
		expect(html).toContain('Horizonte Crédito S.A.');
		expect(html).not.toContain(NEUTRAL);
	});

	it('with two agencies, names no creditor of either: the person uses the link the creditor sent', async () => {
		const other = await agency();
		await creditor(other, 'financeira-sigilo', 'Financeira Sigilo', 'Sigilo Financeira S.A.');
		const { status, html } = await root();
		expect(status).toBe(200);
		expect(html).toContain(NEUTRAL);
		for (const shown of ['Lojas Aurora', 'Aurora Comércio', 'lojas-aurora', 'Banco Horizonte', 'Horizonte Crédito', '/c/horizonte', 'Financeira Sigilo', 'Sigilo Financeira', 'financeira-sigilo']) {
			expect(html).not.toContain(shown);
		}
		// Each portal still answers at its own address.
		expect((await fetch(`${app.base}/c/financeira-sigilo`)).status).toBe(200);
	});
});
