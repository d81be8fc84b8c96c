/** Installment arithmetic: pure, no clock, no I/O. */

/** Splits a total into `count` installments; the first absorbs the remainder so the sum is exact. */
export function splitInstallments(totalCents: number, count: number): number[] {
	if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`Número de parcelas inválido: ${count}`);
	if (!Number.isSafeInteger(totalCents)) throw new RangeError(`Total inválido: ${totalCents}`);
	const base = Math.floor(totalCents / count);
	return [totalCents - base * (count - 1), ...Array<number>(count - 1).fill(base)];
}

/**
 * The constant payment of the Price table (French amortisation) for a present value, a monthly
 * rate in basis points and `n` monthly periods. Returned unrounded: callers round the total once
 * so that rounding errors do not pile up per installment.
 */
export function pricePayment(pvCents: number, monthlyBp: number, n: number): number {
	if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Número de períodos inválido: ${n}`);
	const i = monthlyBp / 10_000;
	if (i === 0) return pvCents / n;
	return (pvCents * i) / (1 - Math.pow(1 + i, -n));
}

/**
 * The monthly rate that makes the payments, discounted over their actual days (in periods of
 * 30 days), equal the principal: the internal rate of return of the real cash flows, which is
 * what the CET is (Res. CMN 3.517/2007). Returned as a decimal (0.015 = 1,5 % a.m.).
 *
 * Newton's method from `guess` (the nominal rate makes a good one), kept inside a bracket that
 * it falls back to halving whenever a step would leave it, so it always converges: the present
 * value falls strictly as the rate rises.
 */
export function effectiveMonthlyRate(
	principalCents: number,
	payments: { cents: number; days: number }[],
	guess = 0
): number {
	if (!(principalCents > 0)) throw new RangeError(`Principal inválido: ${principalCents}`);
	if (!payments.some((p) => p.cents > 0 && p.days > 0)) {
		throw new RangeError('É preciso ao menos um pagamento positivo após a data-base.');
	}
	const cents = payments.map((p) => p.cents);
	const periods = payments.map((p) => p.days / 30);
	const tolerance = 1e-13 * principalCents;

	let lo = -1;
	let hi = Infinity;
	let r = guess > -1 ? guess : 0;
	for (let iteration = 0; iteration < 300; iteration++) {
		// f(r) = PV(r) − principal and its derivative, in one pass.
		let value = -principalCents;
		let slope = 0;
		for (let k = 0; k < cents.length; k++) {
			const discounted = cents[k] * Math.pow(1 + r, -periods[k]);
			value += discounted;
			slope -= (periods[k] * discounted) / (1 + r);
		}
		if (Math.abs(value) <= tolerance) return r;
		if (value > 0) lo = r;
		else hi = r;
		let next = slope < 0 ? r - value / slope : NaN;
		if (!(next > lo && next < hi)) next = hi === Infinity ? Math.max(2 * r, r + 1) : (lo + hi) / 2;
		if (Math.abs(next - r) <= 1e-15 * Math.max(1, Math.abs(r))) return next;
		r = next;
	}
	return r;
}

/** Compounds a monthly rate over 12 months: 0.015 → 0.1956… */
export function annualFromMonthly(monthly: number): number {
	return Math.pow(1 + monthly, 12) - 1;
}
