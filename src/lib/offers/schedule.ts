/**
 * A payment schedule in the compact form the offers page ships to the browser: the due dates once
 * for every plan of a set (they share the first due date and the monthly steps), and each plan's
 * amounts as runs of equal values. A plan of 24 payments is then a few numbers instead of 24
 * objects, and the page's data shrinks from ~30 KB to a few. The amounts are the server's,
 * untouched: expanding a schedule only repeats them.
 */
export type Payment = { seq: number; dueDate: string; amountCents: number };

/** `[amountCents, times]` pairs, in payment order. */
export type Runs = [amountCents: number, times: number][];

export function toRuns(amounts: readonly number[]): Runs {
	const runs: Runs = [];
	for (const a of amounts) {
		const last = runs[runs.length - 1];
		if (last && last[0] === a) last[1]++;
		else runs.push([a, 1]);
	}
	return runs;
}

export function paymentCount(runs: Runs): number {
	let n = 0;
	for (const [, times] of runs) n += times;
	return n;
}

/** The schedule back: payment k falls on `dueDates[k]`. Throws when there are fewer dates than payments. */
export function expandRuns(runs: Runs, dueDates: readonly string[]): Payment[] {
	const out: Payment[] = [];
	for (const [amountCents, times] of runs) {
		for (let i = 0; i < times; i++) {
			const dueDate = dueDates[out.length];
			if (dueDate === undefined) throw new RangeError('expandRuns: faltam datas de vencimento.');
			out.push({ seq: out.length + 1, dueDate, amountCents });
		}
	}
	return out;
}

/**
 * Compacts schedules that share their due dates: returns the longest schedule's dates and each
 * schedule's runs. Throws if two schedules disagree on the date of a payment (they never should:
 * every plan of an offer set counts its months from the same first due date).
 */
export function compactSchedules(schedules: readonly (readonly Payment[])[]): { dueDates: string[]; runs: Runs[] } {
	const dueDates: string[] = [];
	for (const s of schedules) {
		s.forEach((p, k) => {
			if (k === dueDates.length) dueDates.push(p.dueDate);
			else if (dueDates[k] !== p.dueDate) throw new Error(`compactSchedules: a parcela ${k + 1} vence em ${p.dueDate} e em ${dueDates[k]}.`);
		});
	}
	return { dueDates, runs: schedules.map((s) => toRuns(s.map((p) => p.amountCents))) };
}
