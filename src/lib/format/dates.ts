/**
 * Calendar dates as ISO strings (`YYYY-MM-DD`). Legal dates are those of America/Sao_Paulo;
 * once a date is known, the arithmetic is plain calendar math done in UTC so no time zone or
 * daylight-saving rule can shift a day.
 */

const DAY_MS = 86_400_000;

const saoPauloDate = new Intl.DateTimeFormat('en-CA', {
	timeZone: 'America/Sao_Paulo',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit'
});

function saoPauloDay(at: Date): string {
	const parts = Object.fromEntries(saoPauloDate.formatToParts(at).map((p) => [p.type, p.value]));
	return `${parts.year}-${parts.month}-${parts.day}`;
}

// Every portal page asks for today: worked out once a minute (days change on whole minutes in every
// time zone), not once a request.
let thisMinute = { minute: NaN, day: '' };

/** The calendar date in São Paulo at the instant `now`. The only function here that reads a clock. */
export function todayInSaoPaulo(now?: Date): string {
	const minute = Math.floor((now ? now.getTime() : Date.now()) / 60_000);
	if (minute === thisMinute.minute) return thisMinute.day;
	const day = saoPauloDay(now ?? new Date(minute * 60_000));
	thisMinute = { minute, day };
	return day;
}

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
	return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function isRealDate(year: number, month: number, day: number): boolean {
	return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function toIso(year: number, month: number, day: number): string {
	return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** True for a real calendar date written `YYYY-MM-DD` (so `2026-02-30` is false). */
export function isIsoDate(value: string): boolean {
	return partsOrNull(value) !== null;
}

/** The digits of `s` from `from` to `to` as a number, or -1 if any is not a digit. */
function digits(s: string, from: number, to: number): number {
	let n = 0;
	for (let i = from; i < to; i++) {
		const c = s.charCodeAt(i) - 48;
		if (c < 0 || c > 9) return -1;
		n = n * 10 + c;
	}
	return n;
}

// Read by hand rather than with a regular expression: the offer engine reads thousands of dates a page.
function partsOrNull(iso: string): [number, number, number] | null {
	if (typeof iso !== 'string' || iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return null;
	const y = digits(iso, 0, 4);
	const m = digits(iso, 5, 7);
	const d = digits(iso, 8, 10);
	return y >= 0 && isRealDate(y, m, d) ? [y, m, d] : null;
}

function parts(iso: string): [number, number, number] {
	const p = partsOrNull(iso);
	if (!p) throw new RangeError(`Data ISO inválida: ${iso}`);
	return p;
}

function utcMs(iso: string): number {
	const [y, m, d] = parts(iso);
	const date = new Date(0);
	// setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
	date.setUTCFullYear(y, m - 1, d);
	return date.getTime();
}

function fromUtcMs(ms: number): string {
	const date = new Date(ms);
	return toIso(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

export function addDays(iso: string, n: number): string {
	return fromUtcMs(utcMs(iso) + n * DAY_MS);
}

/** Same day `n` months later, clamped to the month's end: 2026-01-31 + 1 month = 2026-02-28. */
export function addMonths(iso: string, n: number): string {
	const [y, m, d] = parts(iso);
	const index = y * 12 + (m - 1) + n;
	const year = Math.floor(index / 12);
	const month = index - year * 12 + 1;
	return toIso(year, month, Math.min(d, daysInMonth(year, month)));
}

/** Whole days from `fromIso` to `toIso`; negative when `toIso` comes first. */
export function daysBetween(fromIso: string, toIso: string): number {
	return Math.round((utcMs(toIso) - utcMs(fromIso)) / DAY_MS);
}

/** `2017-01-05` → `05/01/2017`. */
export function formatDateBR(iso: string): string {
	const [y, m, d] = parts(iso);
	return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${String(y).padStart(4, '0')}`;
}

/**
 * A date typed by a person: `DD/MM/AAAA`, `D/M/AAAA` or `AAAA-MM-DD` → ISO, or `null` for an
 * impossible date (31/02) or a year outside 1900–2199, which is almost always a typo.
 */
export function parseDateInput(input: string): string | null {
	const s = input.trim();
	let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
	const [year, month, day] = m
		? [Number(m[3]), Number(m[2]), Number(m[1])]
		: (m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))
			? [Number(m[1]), Number(m[2]), Number(m[3])]
			: [NaN, NaN, NaN];
	if (!(year >= 1900 && year <= 2199) || !isRealDate(year, month, day)) return null;
	return toIso(year, month, day);
}

const TIME_BR = new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', hour: '2-digit', minute: '2-digit' });

/** An instant as São Paulo's wall-clock time, `15:00`. */
export function formatTimeBR(at: Date): string {
	return TIME_BR.format(at);
}

/** An instant as São Paulo's date and wall-clock time, `07/12/2026 às 15:00`. */
export function formatDateTimeBR(at: Date): string {
	return `${formatDateBR(todayInSaoPaulo(at))} às ${formatTimeBR(at)}`;
}
