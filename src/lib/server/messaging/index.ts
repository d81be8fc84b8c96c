import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { outbox } from '../db/schema';
import { config } from '../config';

export type Channel = 'sms' | 'whatsapp' | 'email';
/** `creditorId`: the creditor the message speaks for (its staff see it); null for the agency's own. */
export type OutgoingMessage = { agencyId: string; creditorId: string | null; channel: Channel; to: string; text: string };

/** A channel driver delivers one message; real SMS/WhatsApp/e-mail drivers come behind this same interface. */
export interface Driver {
	readonly name: string;
	deliver(msg: { channel: Channel; to: string; text: string }): Promise<{ ok: true } | { ok: false; error: string }>;
}

/** Development driver: one JSON line per message on stdout. */
export const consoleDriver: Driver = {
	name: 'console',
	async deliver({ channel, to, text }) {
		process.stdout.write(JSON.stringify({ type: 'message', channel, to, text }) + '\n');
		return { ok: true };
	}
};

export function driver(): Driver {
	switch (config().MESSAGING_DRIVER) {
		case 'console':
			return consoleDriver;
	}
}

/** Records the message in the outbox inside the caller's transaction; deliver it after commit. */
export async function enqueue(tx: DbOrTx, msg: OutgoingMessage): Promise<string> {
	const [row] = await tx.insert(outbox).values(msg).returning({ id: outbox.id });
	return row.id;
}

/**
 * Hands queued messages to the driver and records the outcome. Each message is claimed first
 * (pending → sending), so two processes delivering at once never send one twice.
 */
export async function deliver(db: DbOrTx, ids: string[], d: Driver = driver()): Promise<void> {
	if (ids.length === 0) return;
	const rows = await db
		.update(outbox)
		.set({ status: 'sending' })
		.where(and(inArray(outbox.id, ids), eq(outbox.status, 'pending')))
		.returning();
	for (const row of rows) await send(db, row, d);
}

/** Delivers every pending message, a batch at a time (the `deliver-messages` job). Returns how many. */
export async function deliverPending(db: DbOrTx, d: Driver = driver(), batch = 200): Promise<number> {
	let total = 0;
	for (;;) {
		const rows = await db.execute<typeof outbox.$inferSelect & { created_at: Date; sent_at: Date | null }>(sql`
			update outbox set status = 'sending'
			where id in (select id from outbox where status = 'pending' order by created_at limit ${batch} for update skip locked)
			returning id, channel, "to", text`);
		if (rows.length === 0) return total;
		for (const row of rows) await send(db, row, d);
		total += rows.length;
	}
}

async function send(db: DbOrTx, row: { id: string; channel: Channel; to: string; text: string }, d: Driver): Promise<void> {
	const result = await d.deliver(row);
	await db
		.update(outbox)
		.set(result.ok ? { status: 'sent', sentAt: new Date() } : { status: 'failed' })
		.where(eq(outbox.id, row.id));
}

/**
 * What an old phone or e-mail is told when a debtor's contact changes: that it changed, naming the
 * creditor, without amounts and without the new contact. `{credor}` stands for the creditor's name
 * (SQL writers fill it with `replace`).
 */
export const CONTACT_CHANGED = {
	sms: '{credor}: o telefone cadastrado para você no portal de negociação foi trocado por outro número. Se você não pediu esta troca, fale com {credor} pelos canais oficiais.',
	email: '{credor}: o e-mail cadastrado para você no portal de negociação foi trocado por outro endereço. Se você não pediu esta troca, fale com {credor} pelos canais oficiais.'
} as const;

export function contactChanged(channel: 'sms' | 'email', creditorName: string): string {
	return CONTACT_CHANGED[channel].replaceAll('{credor}', creditorName);
}
