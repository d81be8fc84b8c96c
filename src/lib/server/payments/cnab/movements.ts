/**
 * Movement (ocorrência) codes of return files, and what each one means for a boleto.
 *
 * Each layout says, for its own codes, which kind of event they are. Anything a layout does
 * not list, and anything that means "pending", "under analysis" or a reversal of a payment,
 * is `unknown`: the caller must send it to a person, never count it as paid
 * (domain.md: "an unknown or 'under review' code is never counted as paid").
 */

export type MovementKind =
	| 'entry_confirmed'
	| 'rejected'
	| 'paid'
	| 'written_off'
	| 'paid_after_write_off'
	/** The bank confirms an instruction we sent (a new nominal value, an abatimento): nothing to do. */
	| 'instruction_confirmed'
	| 'other'
	| 'unknown';

export interface Movement {
	code: string;
	kind: MovementKind;
	/** pt-BR description, the manual's own words. */
	label: string;
	/** Reason codes as the bank wrote them (`['A9', '15']`), without empty or `00` slots. */
	reasonCodes: string[];
	/** The same reasons with the manual's pt-BR text: `'15 – Características da Cobrança Incompatíveis'`. */
	reasons: string[];
}

export interface MovementTable {
	/** Every code the manual lists, with its pt-BR label. */
	labels: Readonly<Record<string, string>>;
	/** The kind of each code that is not `other`. Codes missing from `labels` are `unknown`. */
	kinds: Readonly<Record<string, MovementKind>>;
	/** The reason table that applies to a movement code, when the manual gives one. */
	reasonTable(code: string): Readonly<Record<string, string>> | undefined;
}

/** Interprets a movement code and its reason codes with a layout's table. */
export function interpret(table: MovementTable, code: string, reasonCodes: string[]): Movement {
	const label = table.labels[code];
	if (label === undefined) {
		return {
			code,
			kind: 'unknown',
			label: `Código de movimento desconhecido (${code || 'em branco'})`,
			reasonCodes,
			reasons: reasonCodes
		};
	}
	const reasonTable = table.reasonTable(code);
	return {
		code,
		kind: table.kinds[code] ?? 'other',
		label,
		reasonCodes,
		reasons: reasonCodes.map((r) => (reasonTable?.[r] ? `${r} – ${reasonTable[r]}` : r))
	};
}

/** True for the kinds that carry money received for the boleto. */
export function isPayment(kind: MovementKind): boolean {
	return kind === 'paid' || kind === 'paid_after_write_off';
}
