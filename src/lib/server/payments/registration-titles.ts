/**
 * From our rows to the remessa's titles: which installment becomes which title, with which fees,
 * and why one cannot be registered yet. Pure: `today` comes in.
 */
import { formatDateBR } from '../../format/dates';
import { percentToBp } from '../../schemas/policy';
import { bankSettingsSchema, MAX_INTEREST_MONTHLY_BP, MAX_LATE_FEE_BP, parseRemessaInput, type BankSettings, type Movement, type Title } from './cnab/remessa';
import { bankLayout } from './cnab/banks';

/** A debtor's postal address as stored; UF is the debtor's `state`. */
export type DebtorAddress = {
	street: string | null;
	number: string | null;
	complement: string | null;
	district: string | null;
	cep: string | null;
	city: string | null;
	state: string | null;
};

const ADDRESS_LABELS: [keyof DebtorAddress, string][] = [
	['street', 'logradouro'],
	['number', 'número'],
	['district', 'bairro'],
	['cep', 'CEP'],
	['city', 'cidade'],
	['state', 'UF']
];

/** What the bank needs of the payer's address that this debtor lacks (pt-BR labels), empty when complete. */
export function missingAddress(a: DebtorAddress): string[] {
	return ADDRESS_LABELS.filter(([k]) => !a[k]?.trim()).map(([, label]) => label);
}

/**
 * The fine and default interest printed on the slip: the agreement's policy, within the caps
 * (CDC art. 52 §1: fine ≤ 2 %; default interest ≤ 1 % a month). A missing policy charges none.
 */
export function feesFromPolicy(body: unknown): { lateFeeBp: number; interestMonthlyBp: number } {
	const p = (body ?? {}) as { lateFeePercent?: unknown; interestMonthlyPercent?: unknown };
	const bp = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? percentToBp(v) : 0);
	return {
		lateFeeBp: Math.min(bp(p.lateFeePercent), MAX_LATE_FEE_BP),
		interestMonthlyBp: Math.min(bp(p.interestMonthlyPercent), MAX_INTEREST_MONTHLY_BP)
	};
}

/** An installment waiting for its entry, with what the title needs. */
export type EntryCandidate = {
	installmentId: string;
	agreementCode: string;
	seq: number;
	dueDate: string;
	amountCents: number;
	txid: string;
	nossoNumero: string;
	destination: { bankCode: string; agency: string; account: string; wallet: string };
	policy: unknown;
	debtor: { document: string; name: string; anonymized: boolean; address: DebtorAddress };
};

export type TitleOrProblem = { ok: true; title: Title } | { ok: false; message: string };

/** The title an installment is entered as, or in pt-BR why it cannot be yet. */
export function entryTitle(c: EntryCandidate, today: string): TitleOrProblem {
	if (c.debtor.anonymized) return { ok: false, message: 'Dados do devedor anonimizados (LGPD): o boleto não pode ser registrado.' };
	const missing = missingAddress(c.debtor.address);
	if (missing.length > 0) {
		return { ok: false, message: `Devedor sem endereço completo (falta ${missing.join(', ')}): cadastre o endereço para registrar o boleto.` };
	}
	if (c.dueDate < today) {
		return { ok: false, message: `Vencimento em ${formatDateBR(c.dueDate)} já passou: altere o vencimento para registrar um novo boleto.` };
	}
	const a = c.debtor.address;
	const street = [`${a.street!.trim()}, ${a.number!.trim()}`, a.complement?.trim()].filter(Boolean).join(' ');
	return {
		ok: true,
		title: {
			nossoNumero: c.nossoNumero,
			documentNumber: `${c.agreementCode}/${c.seq}`.slice(0, 15),
			reference: c.txid,
			destination: c.destination,
			issueDate: today,
			dueDate: c.dueDate,
			amountCents: c.amountCents,
			...feesFromPolicy(c.policy),
			discount: null,
			payer: {
				document: c.debtor.document,
				name: c.debtor.name,
				address: { street, district: a.district!.trim(), cep: a.cep!, city: a.city!.trim(), state: a.state! }
			}
		}
	};
}

/** Whether one title passes every check of the file it would go in; the first problem otherwise. */
export function checkTitle(settings: BankSettings, movement: Movement, title: Title, generatedAt: { date: string; time: string }): TitleOrProblem {
	const parsed = parseRemessaInput({ settings, fileSequence: 1, generatedAt, movements: [{ movement, title }] });
	if (parsed.ok) return { ok: true, title };
	const titleIssue = parsed.issues.find((i) => i.path.startsWith('movements.'));
	if (!titleIssue) return { ok: false, message: parsed.message };
	return { ok: false, message: titleIssue.path.endsWith('.destination') ? 'Parcela emitida para outra conta de cobrança: reemita as parcelas com os dados atuais do credor.' : titleIssue.message };
}

/** Problems with the bank settings alone (no title looked at), each with its field: no file can be made. */
export function settingsProblems(settings: BankSettings): { path: string; message: string }[] {
	const parsed = bankSettingsSchema.safeParse(settings);
	if (!parsed.success) return parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
	const layout = bankLayout(parsed.data.bankCode);
	const problems = layout.checkSettings(parsed.data).map((message) => ({ path: '', message }));
	if (!layout.bankName && !parsed.data.bankName) problems.push({ path: 'bankName', message: 'Informe o nome do banco.' });
	return problems;
}
