import type { DbOrTx } from '../db/client';
import { composeCampaign } from '../campaigns/compose';
import { composeRegua } from '../regua';
import type { Channel } from './wire';

/** A message's content, composed when it is sent (campaign and régua messages: per debtor, per channel). */
export type Composed =
	| { text: string; subject?: string | null; html?: string | null; template?: { name: string; language: string; params: string[] } | null; unsubscribeUrl?: string }
	| { error: string };

type Row = { id: string; agency_id: string; creditor_id: string | null; debtor_id: string | null; channel: Channel; campaign_id: string | null; regua_step: string | null; regua_subject_id: string | null; to: string };

/**
 * Composes the messages of a claimed batch that were queued without text: campaign messages (and
 * régua ones) per debtor and channel, at the moment they go, so the values are today's and each
 * fallback channel gets its own wording. Any other message without text is an error.
 */
export async function compose(tx: DbOrTx, rows: Row[], now: Date): Promise<Map<string, Composed>> {
	const out = new Map<string, Composed>();
	const campaign = rows.filter((r) => r.campaign_id);
	if (campaign.length) for (const [id, c] of await composeCampaign(tx, campaign, now)) out.set(id, c);
	const regua = rows.filter((r) => !r.campaign_id && r.regua_step);
	if (regua.length) for (const [id, c] of await composeRegua(tx, regua, now)) out.set(id, c);
	for (const r of rows) if (!out.has(r.id)) out.set(r.id, { error: 'mensagem_sem_texto' });
	return out;
}
