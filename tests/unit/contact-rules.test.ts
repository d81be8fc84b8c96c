import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UFS } from '../../src/lib/format/contact';
import {
	DEFAULT_CAPS,
	REASON_LABELS,
	contactCapsSchema,
	decide,
	hoursFor,
	isHoliday,
	nextAllowed,
	validateCaps,
	windowAt,
	type ContactCaps,
	type DecideInput,
	type DecisionReason,
	type WaitReason
} from '../../src/lib/server/messaging/rules';
import type { Channel } from '../../src/lib/server/messaging/wire';

const at = (iso: string) => new Date(iso);

function input(overrides: Partial<DecideInput> & Pick<DecideInput, 'now' | 'uf'>): DecideInput {
	return {
		channel: 'sms',
		kind: 'reminder',
		inAgreement: false,
		optedOut: [],
		contactsBefore: [],
		caps: DEFAULT_CAPS,
		...overrides
	};
}

describe('hours by state', () => {
	it('gives each state its law and the safe default to the rest', () => {
		expect(hoursFor('SP')).toMatchObject({ timeZone: 'America/Sao_Paulo', weekday: [480, 1200], saturday: [480, 840] });
		expect(hoursFor('RJ')).toMatchObject({ weekday: [540, 1140], saturday: null });
		expect(hoursFor('ES')).toMatchObject({ weekday: [480, 1140], saturday: null });
		expect(hoursFor('AL')).toMatchObject({ timeZone: 'America/Maceio', weekday: [480, 1200], saturday: [480, 840] });
		expect(hoursFor('AM')).toMatchObject({ timeZone: 'America/Manaus', weekday: [540, 1080], saturday: null });
		expect(hoursFor('MT')).toMatchObject({ timeZone: 'America/Cuiaba', weekday: [540, 1080], saturday: null, perDayCap: 2 });
		for (const uf of ['MG', 'BA', 'PR', 'AC', 'DF', null, 'XX', '']) {
			expect(hoursFor(uf)).toMatchObject({ weekday: [540, 1140], saturday: null });
			expect(hoursFor(uf).perDayCap).toBeUndefined();
		}
		expect(hoursFor(null).timeZone).toBe('America/Sao_Paulo');
		expect(hoursFor('nonsense').timeZone).toBe('America/Sao_Paulo');
		expect(hoursFor(' sp ').saturday).toEqual([480, 840]);
	});

	it('names the law it applies, in Portuguese', () => {
		expect(hoursFor('SP').law).toContain('15.426/2014');
		expect(hoursFor('MT').law).toContain('11.792/2022');
		expect(hoursFor('GO').law).toContain('Padrão seguro');
	});

	it('puts every state in a real IANA zone on its own clock', () => {
		const zones: Record<string, number> = { AC: -5, AM: -4, MT: -4, MS: -4, RO: -4, RR: -4, PA: -3, BA: -3, SP: -3, RS: -3 };
		for (const [uf, offset] of Object.entries(zones)) {
			const hour = new Intl.DateTimeFormat('en-GB', { timeZone: hoursFor(uf).timeZone, hour: '2-digit', hourCycle: 'h23' }).format(
				at('2026-03-10T12:00:00Z')
			);
			expect(Number(hour), uf).toBe(12 + offset);
		}
	});
});

describe('the window', () => {
	it('SP on Saturday: 13:59 goes, 14:00 waits until Monday 8h', () => {
		// 2026-03-07 is a Saturday; São Paulo is UTC−3.
		expect(decide(input({ uf: 'SP', now: at('2026-03-07T16:59:00Z') }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'SP', now: at('2026-03-07T16:59:59.999Z') }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'SP', now: at('2026-03-07T17:00:00Z') }))).toEqual({
			action: 'wait',
			reason: 'outside_hours',
			until: at('2026-03-09T11:00:00Z')
		});
		expect(decide(input({ uf: 'SP', now: at('2026-03-07T10:59:59Z') }))).toMatchObject({ until: at('2026-03-07T11:00:00Z') });
	});

	it('SP on weekdays: 8h to 20h', () => {
		expect(windowAt('SP', at('2026-03-10T10:59:00Z'))).toEqual({ open: false, reason: 'outside_hours' });
		expect(windowAt('SP', at('2026-03-10T11:00:00Z'))).toEqual({ open: true });
		expect(windowAt('SP', at('2026-03-10T22:59:59Z'))).toEqual({ open: true });
		expect(decide(input({ uf: 'SP', now: at('2026-03-10T23:00:00Z') }))).toEqual({
			action: 'wait',
			reason: 'outside_hours',
			until: at('2026-03-11T11:00:00Z')
		});
	});

	it('RJ never on Saturday: waits until Monday 9h', () => {
		expect(decide(input({ uf: 'RJ', now: at('2026-03-07T13:00:00Z') }))).toEqual({
			action: 'wait',
			reason: 'saturday',
			until: at('2026-03-09T12:00:00Z')
		});
		// Friday 19:00 in Rio is already too late.
		expect(decide(input({ uf: 'RJ', now: at('2026-03-06T22:00:00Z') }))).toMatchObject({ until: at('2026-03-09T12:00:00Z') });
		expect(decide(input({ uf: 'RJ', now: at('2026-03-06T21:59:00Z') }))).toEqual({ action: 'send' });
	});

	it("Acre's clock is UTC−5: 13:30 UTC is 8:30 there and 10:30 in São Paulo", () => {
		const now = at('2026-03-10T13:30:00Z');
		expect(decide(input({ uf: 'AC', now }))).toEqual({ action: 'wait', reason: 'outside_hours', until: at('2026-03-10T14:00:00Z') });
		expect(decide(input({ uf: 'MG', now }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'AC', now: at('2026-03-10T23:59:00Z') }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'AC', now: at('2026-03-11T00:00:00Z') }))).toMatchObject({ action: 'wait', until: at('2026-03-11T14:00:00Z') });
	});

	it('ES opens at 8h, AM and MT close at 18h in their own zones', () => {
		expect(windowAt('ES', at('2026-03-10T11:00:00Z'))).toEqual({ open: true });
		expect(windowAt('RJ', at('2026-03-10T11:00:00Z'))).toEqual({ open: false, reason: 'outside_hours' });
		// 18:00 in Manaus and Cuiabá (UTC−4) is 22:00 UTC.
		expect(windowAt('AM', at('2026-03-10T21:59:00Z'))).toEqual({ open: true });
		expect(windowAt('AM', at('2026-03-10T22:00:00Z'))).toEqual({ open: false, reason: 'outside_hours' });
		expect(windowAt('MT', at('2026-03-10T22:00:00Z'))).toEqual({ open: false, reason: 'outside_hours' });
	});

	it('AL allows Saturday mornings, by its own law', () => {
		expect(windowAt('AL', at('2026-03-07T13:00:00Z'))).toEqual({ open: true });
		expect(windowAt('BA', at('2026-03-07T13:00:00Z'))).toEqual({ open: false, reason: 'saturday' });
	});

	it('never on a Sunday', () => {
		expect(decide(input({ uf: 'SP', now: at('2026-03-08T15:00:00Z') }))).toEqual({
			action: 'wait',
			reason: 'sunday',
			until: at('2026-03-09T11:00:00Z')
		});
	});

	it('never on Tiradentes (2026-04-21, a Tuesday)', () => {
		expect(decide(input({ uf: 'SP', now: at('2026-04-21T13:00:00Z') }))).toEqual({
			action: 'wait',
			reason: 'holiday',
			until: at('2026-04-22T11:00:00Z')
		});
		expect(decide(input({ uf: null, now: at('2026-04-21T13:00:00Z') }))).toMatchObject({ reason: 'holiday' });
	});

	it('never on Christmas: SP waits for Saturday, RJ for Monday', () => {
		const christmas = at('2026-12-25T15:00:00Z');
		expect(decide(input({ uf: 'SP', now: christmas }))).toEqual({ action: 'wait', reason: 'holiday', until: at('2026-12-26T11:00:00Z') });
		expect(decide(input({ uf: 'RJ', now: christmas }))).toEqual({ action: 'wait', reason: 'holiday', until: at('2026-12-28T12:00:00Z') });
	});

	it('holds state holidays only in their state', () => {
		// 9 July: Revolução Constitucionalista, São Paulo only.
		expect(windowAt('SP', at('2026-07-09T15:00:00Z'))).toEqual({ open: false, reason: 'holiday' });
		expect(windowAt('RJ', at('2026-07-09T15:00:00Z'))).toEqual({ open: true });
		// Carnival Tuesday is a state holiday in Rio, a working day in São Paulo.
		expect(windowAt('RJ', at('2026-02-17T15:00:00Z'))).toEqual({ open: false, reason: 'holiday' });
		expect(windowAt('SP', at('2026-02-17T15:00:00Z'))).toEqual({ open: true });
		// Acre's anniversary, 15 June, in Acre's own time.
		expect(windowAt('AC', at('2026-06-15T15:00:00Z'))).toEqual({ open: false, reason: 'holiday' });
	});

	it('keeps national holidays the state data misses (Consciência Negra in SP)', () => {
		expect(windowAt('SP', at('2026-11-20T15:00:00Z'))).toEqual({ open: false, reason: 'holiday' });
	});

	it('chains Good Friday and the weekend', () => {
		// Thursday 2026-04-02 at 20:30 in SP; Friday is Sexta-Feira Santa.
		expect(nextAllowed('SP', at('2026-04-02T23:30:00Z'))).toEqual(at('2026-04-04T11:00:00Z'));
		expect(nextAllowed('RJ', at('2026-04-02T23:30:00Z'))).toEqual(at('2026-04-06T12:00:00Z'));
	});

	it('nextAllowed returns an allowed instant unchanged', () => {
		const now = at('2026-03-10T15:17:23.456Z');
		expect(nextAllowed('SP', now)).toBe(now);
	});
});

describe('who may not be reached', () => {
	const now = at('2026-03-10T15:00:00Z');

	it('honours an opt-out on that channel only, and at once', () => {
		expect(decide(input({ uf: 'SP', now, channel: 'sms', optedOut: ['sms'] }))).toEqual({ action: 'skip', reason: 'opt_out' });
		expect(decide(input({ uf: 'SP', now, channel: 'whatsapp', optedOut: ['sms'] }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'SP', now, channel: 'email', optedOut: new Set<Channel>(['email']) }))).toEqual({
			action: 'skip',
			reason: 'opt_out'
		});
		// Even on a Sunday, an opt-out is a skip, not a wait.
		expect(decide(input({ uf: 'SP', now: at('2026-03-08T15:00:00Z'), optedOut: ['sms'] }))).toEqual({ action: 'skip', reason: 'opt_out' });
	});

	it('sends no offer to a debtor in an agreement, but reminders go on', () => {
		expect(decide(input({ uf: 'SP', now, kind: 'offer', inAgreement: true }))).toEqual({ action: 'skip', reason: 'in_agreement' });
		expect(decide(input({ uf: 'SP', now, kind: 'reminder', inAgreement: true }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'SP', now, kind: 'offer', inAgreement: false }))).toEqual({ action: 'send' });
	});
});

describe('frequency caps', () => {
	const now = at('2026-03-11T15:00:00Z'); // Wednesday, 12:00 in SP, 11:00 in Cuiabá
	const caps3: ContactCaps = { perDay: 3, perWeek: 10 };

	it('skips the second message of the day under the default 1 a day', () => {
		expect(decide(input({ uf: 'SP', now, contactsBefore: [at('2026-03-11T12:00:00Z')] }))).toEqual({ action: 'skip', reason: 'cap_day' });
		expect(decide(input({ uf: 'SP', now, contactsBefore: [at('2026-03-10T20:00:00Z')] }))).toEqual({ action: 'send' });
	});

	it('holds Mato Grosso to 2 a day even when 3 are configured', () => {
		const one = [at('2026-03-11T13:00:00Z')];
		const two = [...one, at('2026-03-11T14:00:00Z')];
		expect(decide(input({ uf: 'MT', now, caps: caps3, contactsBefore: one }))).toEqual({ action: 'send' });
		expect(decide(input({ uf: 'MT', now, caps: caps3, contactsBefore: two }))).toEqual({ action: 'skip', reason: 'cap_day' });
		expect(decide(input({ uf: 'SP', now, caps: caps3, contactsBefore: two }))).toEqual({ action: 'send' });
	});

	it("counts days by the debtor's own calendar", () => {
		// 04:00 UTC on the 11th is 01:00 in São Paulo (today) but 23:00 of the 10th in Acre.
		const contactsBefore = [at('2026-03-11T04:00:00Z')];
		expect(decide(input({ uf: 'SP', now, contactsBefore }))).toEqual({ action: 'skip', reason: 'cap_day' });
		expect(decide(input({ uf: 'AC', now, contactsBefore }))).toEqual({ action: 'send' });
	});

	it('caps the week over today and the six days before', () => {
		const three = [at('2026-03-05T15:00:00Z'), at('2026-03-09T15:00:00Z'), at('2026-03-10T15:00:00Z')];
		expect(decide(input({ uf: 'SP', now, contactsBefore: three }))).toEqual({ action: 'skip', reason: 'cap_week' });
		// Seven days ago has left the week.
		const older = [at('2026-03-04T15:00:00Z'), ...three.slice(1)];
		expect(decide(input({ uf: 'SP', now, contactsBefore: older }))).toEqual({ action: 'send' });
	});

	it('checks the window before the caps: a full day waits for tomorrow rather than skipping', () => {
		const contactsBefore = [at('2026-03-11T12:00:00Z')];
		expect(decide(input({ uf: 'SP', now: at('2026-03-11T23:30:00Z'), contactsBefore }))).toMatchObject({ action: 'wait' });
	});
});

describe('configurable caps', () => {
	it('accepts caps within the law', () => {
		expect(contactCapsSchema.parse({ perDay: 1, perWeek: 3 })).toEqual({ perDay: 1, perWeek: 3 });
		expect(validateCaps({ perDay: 3, perWeek: 10 })).toEqual({ ok: true, caps: { perDay: 3, perWeek: 10 } });
	});

	it('refuses caps outside it, in Portuguese', () => {
		const errors = (v: unknown) => {
			const r = validateCaps(v);
			return r.ok ? [] : r.errors;
		};
		expect(errors({ perDay: 4, perWeek: 10 })[0]).toMatch(/Mensagens por dia: no máximo 3/);
		expect(errors({ perDay: 0, perWeek: 3 })[0]).toMatch(/no mínimo 1/);
		expect(errors({ perDay: 1.5, perWeek: 3 })[0]).toMatch(/número inteiro/);
		expect(errors({ perDay: 1, perWeek: 11 })[0]).toMatch(/Mensagens por semana: no máximo 10/);
		expect(errors({ perDay: 3, perWeek: 2 })).toEqual(['O limite por semana não pode ser menor que o limite por dia.']);
		expect(errors({ perDay: 1, perWeek: 3, perMonth: 9 })[0]).toMatch(/Campo desconhecido: perMonth/);
		expect(errors({ perDay: '1', perWeek: 3 })[0]).toMatch(/número inteiro/);
	});
});

it('labels every reason in Portuguese', () => {
	const reasons: DecisionReason[] = ['opt_out', 'in_agreement', 'cap_day', 'cap_week', 'outside_hours', 'sunday', 'holiday', 'saturday'];
	expect(Object.keys(REASON_LABELS).sort()).toEqual([...reasons].sort());
	for (const r of reasons) expect(REASON_LABELS[r].length).toBeGreaterThan(5);
});

// ---------------------------------------------------------------- properties against an oracle
//
// The oracle shares no time arithmetic with the module: local time from fixed UTC offsets (Brazil
// has had no daylight saving since Decreto 9.772/2019), weekdays from UTC arithmetic, caps counted
// by plain day numbers. It takes the windows from hoursFor and asks isHoliday about the local date
// it computed itself: the table and the calendar are pinned by the examples above (computing every
// state's holidays twice would cost seconds).

const OFFSET_HOURS: Record<string, number> = { AC: -5, AM: -4, MT: -4, MS: -4, RO: -4, RR: -4 };
const MINUTE = 60_000;
const DAY = 86_400_000;

function oracleUf(uf: string | null): string | null {
	const s = (uf ?? '').trim().toUpperCase();
	return (UFS as readonly string[]).includes(s) ? s : null;
}

const offsetMs = (uf: string | null) => (OFFSET_HOURS[oracleUf(uf) ?? ''] ?? -3) * 3_600_000;

/** Days since the epoch on the debtor's wall clock. */
const localDay = (uf: string | null, t: number) => Math.floor((t + offsetMs(uf)) / DAY);

function oracleWindow(ufInput: string | null, t: number): 'open' | WaitReason {
	const uf = oracleUf(ufInput);
	const wall = new Date(t + offsetMs(uf));
	const weekday = wall.getUTCDay();
	if (weekday === 0) return 'sunday';
	if (isHoliday(uf, wall.toISOString().slice(0, 10))) return 'holiday';
	const hours = hoursFor(uf);
	const w = weekday === 6 ? hours.saturday : hours.weekday;
	if (!w) return 'saturday';
	const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
	return minute >= w[0] && minute < w[1] ? 'open' : 'outside_hours';
}

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2029, 0, 1);
const EDGES = [480, 540, 840, 1080, 1140, 1200].flatMap((m) => [m - 1, m]);

const ufArb = fc.oneof(
	{ weight: 6, arbitrary: fc.constantFrom<string | null>(...UFS) },
	fc.constantFrom<string | null>(null, '', 'XX', 'sp', ' mt ', 'São Paulo', 'ac'),
	fc.string({ maxLength: 4 })
);

// An instant in 2026–2028, often right at a window's edge on the debtor's clock.
const instantArb = (ufFor: string | null) =>
	fc.oneof(
		fc.integer({ min: FROM, max: TO - 1 }),
		fc
			.record({
				day: fc.integer({ min: 0, max: Math.floor((TO - FROM) / DAY) - 1 }),
				minute: fc.constantFrom(...EDGES),
				ms: fc.integer({ min: 0, max: MINUTE - 1 })
			})
			.map(({ day, minute, ms }) => FROM + day * DAY + minute * MINUTE + ms - offsetMs(ufFor))
	);

const channelArb = fc.constantFrom<Channel>('sms', 'whatsapp', 'email');

const caseArb = ufArb.chain((uf) =>
	fc.record({
		uf: fc.constant(uf),
		now: instantArb(uf),
		channel: channelArb,
		kind: fc.constantFrom<'offer' | 'reminder'>('offer', 'reminder'),
		inAgreement: fc.boolean(),
		optedOut: fc.uniqueArray(channelArb, { maxLength: 3 }),
		history: fc.array(fc.integer({ min: -10 * 1440, max: 120 }), { maxLength: 8 }),
		caps: fc.integer({ min: 1, max: 3 }).chain((perDay) =>
			fc.record({ perDay: fc.constant(perDay), perWeek: fc.integer({ min: perDay, max: 10 }) })
		)
	})
);

describe('properties', () => {
	it('sends only inside the legal window and the caps; waits exactly until the next allowed moment', () => {
		fc.assert(
			fc.property(caseArb, (c) => {
				const contactsBefore = c.history.map((m) => new Date(c.now + m * MINUTE));
				const decision = decide({ ...c, now: new Date(c.now), contactsBefore });
				const window = oracleWindow(c.uf, c.now);

				if (c.optedOut.includes(c.channel)) {
					expect(decision).toEqual({ action: 'skip', reason: 'opt_out' });
					return;
				}
				if (c.kind === 'offer' && c.inAgreement) {
					expect(decision).toEqual({ action: 'skip', reason: 'in_agreement' });
					return;
				}

				if (window !== 'open') {
					expect(decision).toMatchObject({ action: 'wait', reason: window });
					if (decision.action !== 'wait') return;
					const until = decision.until.getTime();
					expect(until).toBeGreaterThan(c.now);
					expect(oracleWindow(c.uf, until)).toBe('open');
					// Nothing allowed in between. Every window lasts 6 hours or more (SP's Saturday is the
					// shortest), so a sample each hour would land in any window skipped.
					for (let t = c.now; t < until; t += 60 * MINUTE) expect(oracleWindow(c.uf, t)).not.toBe('open');
					expect(oracleWindow(c.uf, until - 1)).not.toBe('open');
					const later = decide({ ...c, now: decision.until, contactsBefore });
					expect(['send', 'cap_day', 'cap_week']).toContain(later.action === 'skip' ? later.reason : later.action);
					return;
				}

				const today = localDay(c.uf, c.now);
				const days = contactsBefore.map((d) => localDay(c.uf, d.getTime()));
				const day = days.filter((d) => d === today).length;
				const week = days.filter((d) => d <= today && d > today - 7).length;
				const perDay = oracleUf(c.uf) === 'MT' ? Math.min(2, c.caps.perDay) : c.caps.perDay;
				if (day + 1 > perDay) expect(decision).toEqual({ action: 'skip', reason: 'cap_day' });
				else if (week + 1 > c.caps.perWeek) expect(decision).toEqual({ action: 'skip', reason: 'cap_week' });
				else expect(decision).toEqual({ action: 'send' });
			}),
			{ numRuns: 2000 }
		);
	}, 30_000);

	it('nextAllowed is allowed, not before `from`, and nothing allowed lies between', () => {
		fc.assert(
			fc.property(
				ufArb.chain((uf) => fc.tuple(fc.constant(uf), instantArb(uf))),
				([uf, from]) => {
					const next = nextAllowed(uf, new Date(from)).getTime();
					expect(next).toBeGreaterThanOrEqual(from);
					expect(oracleWindow(uf, next)).toBe('open');
					expect(windowAt(uf, new Date(next))).toEqual({ open: true });
					if (next > from) expect(oracleWindow(uf, next - 1)).not.toBe('open');
				}
			),
			{ numRuns: 1000 }
		);
	}, 30_000);
});
