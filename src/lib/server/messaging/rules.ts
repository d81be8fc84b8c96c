/**
 * Contact rules: the one place that decides whether a collection message may go to a debtor now.
 * One-time codes and payment receipts are answers the debtor asked for and do not pass here.
 *
 * Pure: the clock (`now`) and the debtor's contact history come in; nothing is read or written.
 * Local hours are the debtor's, from their state; the calendar is `date-holidays` (country BR,
 * public holidays of the nation and of the debtor's state).
 */
import Holidays from 'date-holidays';
import { z } from 'zod';
import { UFS, type UF } from '../../format/contact';
import { addDays } from '../../format/dates';
import type { Channel } from './wire';
import { DECISION_REASON_LABELS } from '../../messaging/reasons';

/** `offer`: a campaign or collection message carrying an offer. `reminder`: the régua about an existing debt or installment. */
export type ContactKind = 'offer' | 'reminder';

/** Minutes after local midnight: [start, end), start included, end excluded (SP Saturday 13:59 yes, 14:00 no). */
export type Window = readonly [startMin: number, endMin: number];

export type ContactHours = {
	/** IANA zone of the debtor's state. */
	timeZone: string;
	/** Monday to Friday. */
	weekday: Window;
	/** `null`: no contact on Saturdays. */
	saturday: Window | null;
	/** A ceiling the law puts on contacts a day, whatever the agency configures. */
	perDayCap?: number;
	/** The rule applied, in pt-BR, for the admin area and the decision log. */
	law: string;
};

const h = (hours: number) => hours * 60;

// Where no state law is known: weekdays 9h–19h, no weekends (CDC arts. 42 and 71: collection must
// not interfere with the consumer's rest or leisure). No state below gets anything looser.
const SAFE_DEFAULT = {
	weekday: [h(9), h(19)],
	saturday: null,
	law: 'Padrão seguro: dias úteis das 9h às 19h, sem fins de semana nem feriados (CDC arts. 42 e 71).'
} as const satisfies Omit<ContactHours, 'timeZone'>;

// Sources checked (November 2026): the table of state laws at efic.com.br/?p=368 (SP, RJ, ES, AM,
// AL with their numbers); Procon Arapiraca on AL Lei 7.782/2016, which covers calls *and text
// messages* (7segundos.com.br, 2018-04-16); amnews.com.br on AM's later law; the text of MT Lei
// 11.792/2022 art. 4 in the Diário Oficial (iomat.mt.gov.br). Domingos e feriados: never, everywhere.
const STATE_HOURS: Partial<Record<UF, Omit<ContactHours, 'timeZone'>>> = {
	SP: {
		weekday: [h(8), h(20)],
		saturday: [h(8), h(14)],
		law: 'SP, Lei 15.426/2014: dias úteis das 8h às 20h, sábados das 8h às 14h.'
	},
	// RJ Lei 4.896/2006 art. 1-A (8h–18h) is about selling products by phone, not collection.
	RJ: { weekday: [h(9), h(19)], saturday: null, law: 'RJ, Lei 7.868/2018: dias úteis das 9h às 19h, sem sábados.' },
	ES: { weekday: [h(8), h(19)], saturday: null, law: 'ES, Lei 10.626/2017: dias úteis das 8h às 19h, sem sábados.' },
	AL: {
		weekday: [h(8), h(20)],
		saturday: [h(8), h(14)],
		law: 'AL, Lei 7.782/2016 (ligações e mensagens de texto): dias úteis das 8h às 20h, sábados das 8h às 14h.'
	},
	// AM: Lei 306/2016 ends contacts at 19h with no Saturdays; a later law (dep. Abdala Fraxe, whose
	// number we could not confirm) says 8h–18h and Saturdays 8h–14h. The stricter of both and of the
	// safe default: 9h–18h, no Saturdays.
	AM: {
		weekday: [h(9), h(18)],
		saturday: null,
		law: 'AM, Lei 306/2016 e lei posterior (8h–18h): aplicamos o mais restrito, dias úteis das 9h às 18h, sem sábados.'
	},
	// MT Lei 11.792/2022 art. 4: collection agencies may call, e-mail, SMS or WhatsApp the consumer
	// "duas vezes por dia, em horário comercial". Commercial hours are not defined: 9h–18h weekdays
	// is inside both the usual 8h–18h and the safe default.
	MT: {
		weekday: [h(9), h(18)],
		saturday: null,
		perDayCap: 2,
		law: 'MT, Lei 11.792/2022 art. 4: no máximo 2 contatos por dia, em horário comercial (dias úteis das 9h às 18h).'
	}
};

const TIME_ZONES: Partial<Record<UF, string>> = {
	AC: 'America/Rio_Branco',
	AM: 'America/Manaus',
	MT: 'America/Cuiaba',
	MS: 'America/Campo_Grande',
	RO: 'America/Porto_Velho',
	RR: 'America/Boa_Vista',
	PA: 'America/Belem',
	AP: 'America/Belem',
	TO: 'America/Araguaina',
	MA: 'America/Fortaleza',
	PI: 'America/Fortaleza',
	CE: 'America/Fortaleza',
	RN: 'America/Fortaleza',
	PB: 'America/Fortaleza',
	// Fernando de Noronha (UTC−2) belongs to PE; its few residents get Recife's clock, an hour late, which is stricter.
	PE: 'America/Recife',
	AL: 'America/Maceio',
	SE: 'America/Maceio',
	BA: 'America/Bahia'
};
const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

/** A known UF in upper case, or null for a missing or unknown one (`' sp '` → `'SP'`, `'XX'` → null). */
export function normalizeUf(uf: string | null | undefined): UF | null {
	const s = (uf ?? '').trim().toUpperCase();
	return (UFS as readonly string[]).includes(s) ? (s as UF) : null;
}

/** The contact hours of a debtor in `uf`; an unknown or missing state gets the safe default in São Paulo's time. */
export function hoursFor(uf: string | null): ContactHours {
	const known = normalizeUf(uf);
	const timeZone = (known && TIME_ZONES[known]) || DEFAULT_TIME_ZONE;
	return { timeZone, ...((known && STATE_HOURS[known]) || SAFE_DEFAULT) };
}

// ------------------------------------------------------------------ local time

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
	let f = formatters.get(timeZone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-CA', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		formatters.set(timeZone, f);
	}
	return f;
}

type Local = { date: string; minute: number; weekday: number; wallMs: number };

/** Wall-clock of `at` in `timeZone`: ISO date, minute of the day, weekday (0 = Sunday). */
function local(timeZone: string, at: number): Local {
	const p: Record<string, string> = {};
	for (const part of formatter(timeZone).formatToParts(at)) p[part.type] = part.value;
	const y = Number(p.year);
	const mo = Number(p.month);
	const d = Number(p.day);
	const hh = Number(p.hour);
	const mm = Number(p.minute);
	const wallMs = Date.UTC(y, mo - 1, d, hh, mm, Number(p.second));
	return {
		date: `${p.year}-${p.month}-${p.day}`,
		minute: hh * 60 + mm,
		weekday: new Date(Date.UTC(y, mo - 1, d)).getUTCDay(),
		wallMs
	};
}

/** The instant at which the wall clock in `timeZone` reads `date` + `minute`. */
function instantOf(timeZone: string, date: string, minute: number): number {
	const wall = Date.parse(`${date}T00:00:00Z`) + minute * 60_000;
	// Two passes settle the offset even across a daylight-saving change (Brazil had them until 2019).
	let at = wall;
	for (let i = 0; i < 2; i++) at = wall - (local(timeZone, at).wallMs - Math.floor(at / 1000) * 1000);
	return at;
}

// ------------------------------------------------------------------ holidays

const calendars = new Map<string, Holidays>();
const holidayYears = new Map<string, Set<string>>();

function calendar(uf: UF | null): Holidays {
	const key = uf ?? 'BR';
	let c = calendars.get(key);
	if (!c) {
		c = uf ? new Holidays('BR', uf, { types: ['public'] }) : new Holidays('BR', { types: ['public'] });
		calendars.set(key, c);
	}
	return c;
}

/**
 * Public holidays (ISO dates) of the nation and of `uf` in `year`. The union matters: the state
 * data can lag a new national holiday (SP's omits Consciência Negra, national since Lei 14.759/2023).
 * Every Brazilian public holiday in the data is one whole local day, so the date is enough.
 */
function holidays(uf: UF | null, year: number): Set<string> {
	const key = `${uf ?? 'BR'}:${year}`;
	let set = holidayYears.get(key);
	if (!set) {
		const own = (source: Holidays) =>
			source.getHolidays(year).flatMap((holiday) => (holiday.type === 'public' ? [holiday.date.slice(0, 10)] : []));
		set = uf ? new Set([...holidays(null, year), ...own(calendar(uf))]) : new Set(own(calendar(null)));
		holidayYears.set(key, set);
	}
	return set;
}

export function isHoliday(uf: string | null, isoDate: string): boolean {
	return holidays(normalizeUf(uf), Number(isoDate.slice(0, 4))).has(isoDate);
}

// ------------------------------------------------------------------ the window

export type WaitReason = 'sunday' | 'holiday' | 'saturday' | 'outside_hours';
export type SkipReason = 'opt_out' | 'in_agreement' | 'cap_day' | 'cap_week';
export type DecisionReason = WaitReason | SkipReason;

/** The day's window, or why the whole day is closed. */
function dayWindow(uf: UF | null, hours: ContactHours, date: string, weekday: number): Window | WaitReason {
	if (weekday === 0) return 'sunday';
	if (holidays(uf, Number(date.slice(0, 4))).has(date)) return 'holiday';
	if (weekday === 6) return hours.saturday ?? 'saturday';
	return hours.weekday;
}

/** Whether a collection message may reach a debtor in `uf` at `at`, and if not, why. */
export function windowAt(uf: string | null, at: Date): { open: true } | { open: false; reason: WaitReason } {
	const known = normalizeUf(uf);
	const hours = hoursFor(known);
	const l = local(hours.timeZone, at.getTime());
	const w = dayWindow(known, hours, l.date, l.weekday);
	if (typeof w === 'string') return { open: false, reason: w };
	return l.minute >= w[0] && l.minute < w[1] ? { open: true } : { open: false, reason: 'outside_hours' };
}

/** The first moment at or after `from` when a debtor in `uf` may be contacted. */
export function nextAllowed(uf: string | null, from: Date): Date {
	const known = normalizeUf(uf);
	const hours = hoursFor(known);
	const start = local(hours.timeZone, from.getTime());
	let date = start.date;
	let weekday = start.weekday;
	let minute = start.minute;
	// Sundays, holidays and closed Saturdays never run more than a few days in a row; 60 is a guard.
	for (let i = 0; i < 60; i++) {
		const w = dayWindow(known, hours, date, weekday);
		if (typeof w !== 'string') {
			if (minute < w[0]) return new Date(instantOf(hours.timeZone, date, w[0]));
			if (minute < w[1]) return from;
		}
		date = addDays(date, 1);
		weekday = (weekday + 1) % 7;
		minute = -1;
	}
	throw new Error(`Nenhum horário de contato permitido em 60 dias a partir de ${from.toISOString()} (UF ${uf}).`);
}

// ------------------------------------------------------------------ frequency caps

export type ContactCaps = { perDay: number; perWeek: number };

/** Acerto's default: 1 message a day and 3 a week per debtor, across creditors and channels. */
export const DEFAULT_CAPS: ContactCaps = { perDay: 1, perWeek: 3 };

export const MAX_CAPS: ContactCaps = { perDay: 3, perWeek: 10 };

const capField = (label: string, max: number) =>
	z
		.number({ error: `${label}: informe um número inteiro.` })
		.int(`${label}: informe um número inteiro.`)
		.min(1, `${label}: no mínimo 1.`)
		.max(max, `${label}: no máximo ${max}, para não configurar cobrança abusiva (CDC art. 42).`);

/** Caps an agency may configure. Mato Grosso's 2 a day applies on top, whatever is set here. */
export const contactCapsSchema = z
	.strictObject(
		{
			perDay: capField('Mensagens por dia', MAX_CAPS.perDay),
			perWeek: capField('Mensagens por semana', MAX_CAPS.perWeek)
		},
		{ error: (issue) => (issue.code === 'unrecognized_keys' ? `Campo desconhecido: ${issue.keys.join(', ')}.` : undefined) }
	)
	.refine((c) => c.perWeek >= c.perDay, {
		error: 'O limite por semana não pode ser menor que o limite por dia.',
		path: ['perWeek']
	});

export function validateCaps(input: unknown): { ok: true; caps: ContactCaps } | { ok: false; errors: string[] } {
	const parsed = contactCapsSchema.safeParse(input);
	return parsed.success ? { ok: true, caps: parsed.data } : { ok: false, errors: parsed.error.issues.map((i) => i.message) };
}

// ------------------------------------------------------------------ the decision

export type DecideInput = {
	now: Date;
	uf: string | null;
	channel: Channel;
	kind: ContactKind;
	/** The debtor has an active agreement with this creditor: offers stop, reminders go on. */
	inAgreement: boolean;
	/** Channels the debtor opted out of ("SAIR"): honoured at once. */
	optedOut: readonly Channel[] | ReadonlySet<Channel>;
	/** Instants of earlier counted contacts with this debtor, across the agency's creditors and channels. */
	contactsBefore: readonly Date[];
	caps: ContactCaps;
};

export type Decision =
	| { action: 'send' }
	| { action: 'wait'; until: Date; reason: WaitReason }
	| { action: 'skip'; reason: SkipReason };

/**
 * Permanent refusals first (opt-out, an offer to a debtor in an agreement), then the legal window
 * (outside it the message waits for the next allowed moment), then the caps (over them it is
 * skipped: the caller counts it; a régua may try again another day).
 *
 * Caps count contacts by the debtor's local calendar: the day is today, the week is today and the
 * six days before it (rolling, so 3 on a Friday and 3 on the Monday after cannot happen under a
 * weekly cap of 3). A contact recorded later today (clock skew) counts too.
 */
export function decide(input: DecideInput): Decision {
	const optedOut = input.optedOut instanceof Set ? input.optedOut : new Set(input.optedOut);
	if (optedOut.has(input.channel)) return { action: 'skip', reason: 'opt_out' };
	if (input.kind === 'offer' && input.inAgreement) return { action: 'skip', reason: 'in_agreement' };

	const window = windowAt(input.uf, input.now);
	if (!window.open) return { action: 'wait', until: nextAllowed(input.uf, input.now), reason: window.reason };

	const hours = hoursFor(input.uf);
	const today = local(hours.timeZone, input.now.getTime()).date;
	const weekStart = addDays(today, -6);
	let day = 0;
	let week = 0;
	for (const contact of input.contactsBefore) {
		const date = local(hours.timeZone, contact.getTime()).date;
		if (date > today || date < weekStart) continue;
		week++;
		if (date === today) day++;
	}
	const perDay = Math.min(input.caps.perDay, hours.perDayCap ?? Infinity);
	if (day + 1 > perDay) return { action: 'skip', reason: 'cap_day' };
	if (week + 1 > input.caps.perWeek) return { action: 'skip', reason: 'cap_week' };
	return { action: 'send' };
}

/** The reasons as the admin area shows them (one table for every reason: messaging/reasons.ts). */
export const REASON_LABELS: Record<DecisionReason, string> = DECISION_REASON_LABELS;
