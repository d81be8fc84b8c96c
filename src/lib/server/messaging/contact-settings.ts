import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agencies } from '../db/schema';
import * as audit from '../audit';
import { UFS, type UF } from '../../format/contact';
import { contactCapsSchema, hoursFor, type ContactCaps, type Window } from './rules';

/**
 * The agency's contact settings in the admin area: its frequency caps (within the law, checked by
 * `contactCapsSchema`) and, read-only, the contact hours the rules apply in each state.
 */

export async function caps(db: DbOrTx, agencyId: string): Promise<ContactCaps> {
	const [row] = await db.select({ perDay: agencies.contactPerDay, perWeek: agencies.contactPerWeek }).from(agencies).where(eq(agencies.id, agencyId));
	if (!row) throw new Error(`Assessoria ${agencyId} não encontrada.`);
	return row;
}

export type CapsErrors = Partial<Record<'perDay' | 'perWeek' | 'form', string[]>>;

/** A form's number: blank or not a whole number is left for the schema to refuse in pt-BR. */
function whole(v: unknown): number | undefined {
	const s = typeof v === 'string' ? v.trim() : '';
	return /^-?\d{1,6}$/.test(s) ? Number(s) : s === '' ? undefined : Number.NaN;
}

/** Sets the agency's caps, audited with before and after; nothing changes on bad input. */
export async function setCaps(
	db: DbOrTx,
	agencyId: string,
	input: { perDay: unknown; perWeek: unknown },
	actor: { id: string; ip?: string | null }
): Promise<{ ok: true; caps: ContactCaps } | { ok: false; errors: CapsErrors }> {
	const parsed = contactCapsSchema.safeParse({ perDay: whole(input.perDay), perWeek: whole(input.perWeek) });
	if (!parsed.success) {
		const errors: CapsErrors = {};
		for (const i of parsed.error.issues) {
			const field = i.path[0] === 'perDay' || i.path[0] === 'perWeek' ? i.path[0] : 'form';
			(errors[field] ??= []).push(i.message);
		}
		return { ok: false, errors };
	}
	return db.transaction(async (tx) => {
		const before = await caps(tx, agencyId);
		const after = parsed.data;
		if (before.perDay === after.perDay && before.perWeek === after.perWeek) return { ok: true as const, caps: after };
		await tx.update(agencies).set({ contactPerDay: after.perDay, contactPerWeek: after.perWeek }).where(eq(agencies.id, agencyId));
		await audit.record(tx, {
			agencyId,
			actorType: 'staff',
			actorId: actor.id,
			action: 'agency.contact_caps',
			entity: 'agency',
			entityId: agencyId,
			ip: actor.ip ?? null,
			data: { before, after }
		});
		return { ok: true as const, caps: after };
	});
}

/** 480 → "8h", 810 → "13h30". */
function clock(minute: number): string {
	const h = Math.floor(minute / 60);
	const m = minute % 60;
	return m === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}`;
}

/** A window [start, end) as people read it: "8h às 20h" (the end is the first minute not allowed). */
function span(w: Window): string {
	return `${clock(w[0])} às ${clock(w[1])}`;
}

function utcOffset(timeZone: string, at = new Date()): string {
	const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
	return name.replace('GMT', 'UTC').replace('-', '−') || 'UTC';
}

/** `law` is null where no state law is known and the safe default applies (`SAFE_DEFAULT_LAW`). */
export type StateHours = { uf: UF; timeZone: string; utcOffset: string; weekday: string; saturday: string | null; perDayCap: number | null; law: string | null };

/** The rule for a debtor whose state has no known law (or who has no state). */
export const SAFE_DEFAULT_LAW = hoursFor(null).law;

/** The hours the contact rules apply in each state (rules.ts `hoursFor`), as the admin area shows them. */
export function hoursTable(at = new Date()): StateHours[] {
	return UFS.map((uf) => {
		const h = hoursFor(uf);
		return {
			uf,
			timeZone: h.timeZone,
			utcOffset: utcOffset(h.timeZone, at),
			weekday: span(h.weekday),
			saturday: h.saturday ? span(h.saturday) : null,
			perDayCap: h.perDayCap ?? null,
			law: h.law === SAFE_DEFAULT_LAW ? null : h.law
		};
	});
}
