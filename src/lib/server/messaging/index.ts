import { eq, inArray } from 'drizzle-orm';
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

/** Hands queued messages to the driver and records the outcome. */
export async function deliver(db: DbOrTx, ids: string[], d: Driver = driver()): Promise<void> {
	if (ids.length === 0) return;
	const rows = await db.select().from(outbox).where(inArray(outbox.id, ids));
	for (const row of rows) {
		if (row.status !== 'pending') continue;
		const result = await d.deliver(row);
		await db
			.update(outbox)
			.set(result.ok ? { status: 'sent', sentAt: new Date() } : { status: 'failed' })
			.where(eq(outbox.id, row.id));
	}
}
