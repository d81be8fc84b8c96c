import { error } from '@sveltejs/kit';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '$lib/server/db/client';
import { creditors } from '$lib/server/db/schema';
import { can, type Permission, type StaffPrincipal } from '$lib/server/staff';
import { requireStaff } from '$lib/server/guards';
import * as campaigns from '$lib/server/campaigns';
import * as tenancy from '$lib/server/tenancy';
import { reasonLabel } from '$lib/messaging/reasons';
import type { CampaignLimits } from '$lib/components/admin/campaign-form';

/** The signed-in person as the campaigns module's actor: their reach, and whether they may publish over the lint. */
export function actorOf(me: StaffPrincipal): campaigns.Actor {
	return { type: 'staff', id: me.id, agencyId: me.agencyId, creditorId: me.creditorId, canOverrideLint: can(me, 'override_template_lint') };
}

/** `requireStaff(permission)` and the campaign in this person's reach, or 404 (whether it exists elsewhere stays unsaid). */
export async function campaignInReach(db: DbOrTx, permission: Permission, id: string) {
	const me = requireStaff(permission);
	const actor = actorOf(me);
	const row = await campaigns.get(db, actor, id);
	if (!row) error(404, 'Campanha não encontrada.');
	return { me, actor, row };
}

export async function creditorName(db: DbOrTx, creditorId: string): Promise<string> {
	const [c] = await db.select({ name: creditors.displayName }).from(creditors).where(eq(creditors.id, creditorId));
	return c?.name ?? '';
}

/** The campaign's progress as the page and its JSON endpoint show it, every reason with its pt-BR label. */
export async function progressView(db: DbOrTx, row: campaigns.CampaignRow) {
	const p = await campaigns.progress(db, row.id);
	return {
		status: row.status,
		statusLabel: campaigns.STATUS_LABELS[row.status],
		progress: { ...p, byReason: p.byReason.map((r) => ({ ...r, label: reasonLabel(r.reason) })) },
		at: new Date().toISOString()
	};
}

export type ProgressView = Awaited<ReturnType<typeof progressView>>;

/** Each creditor's campaign limits (policy in force), for the offer fields. */
export async function limitsOf(db: DbOrTx, creditorIds: string[]): Promise<Record<string, { version: number; limits: CampaignLimits | null } | null>> {
	const out: Record<string, { version: number; limits: CampaignLimits | null } | null> = {};
	for (const id of creditorIds) {
		const p = await tenancy.currentPolicy(db, id);
		out[id] = p ? { version: p.version, limits: p.policy.campaignLimits ?? null } : null;
	}
	return out;
}
