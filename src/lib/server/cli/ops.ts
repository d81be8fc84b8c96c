import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { config, resetConfig } from '../config';
import { closeDb, db, serverAnswers } from '../db/client';
import { agencies, creditors, debtors, type StaffRole } from '../db/schema';
import { runMigrations } from '../db/migrate';
import { startEmbedded } from '../db/embedded';
import * as tenancy from '../tenancy';
import * as policies from '../tenancy/policies';
import * as audit from '../audit';
import { createCreditor } from '../tenancy/creditors';
import { createLinkToken } from '../auth/links';
import { importCsv, type ImportReport } from '../import';
import { policySchema } from '../../schemas/policy';
import { documentError, formatDocument, normalizeDocument } from '../../format/document';
import { USAGE } from './main';
import * as staffAuth from '../staff';
import * as apiKeys from '../api/keys';
import * as campaigns from '../campaigns';
import * as regua from '../regua';
import * as psp from '../payments/psp';
import { stepLabel } from '../../schemas/regua';
import { formatBRL } from '../../format/money';
import * as registration from '../payments/registration';
import { importRetorno, type RetornoReport } from '../payments/retorno-import';
import { importStatement, type StatementReport } from '../payments/statement-import';
import { formatDateBR } from '../../format/dates';

/**
 * The operations commands of `acerto` (everything but `serve`). Exit codes: 0 done,
 * 1 refused (invalid data, unknown creditor…), 2 wrong usage. Messages are for operators, in pt-BR.
 */

class UsageError extends Error {}
/** A refusal already explained to the operator. */
class Refused extends Error {}

type Command = { options: ParseArgsConfig['options']; positionals: number; run: (a: Args) => Promise<number> };
type Args = { values: Record<string, string | boolean | undefined>; positionals: string[] };

const out = (line = '') => process.stdout.write(line + '\n');
const err = (line = '') => process.stderr.write(line + '\n');
const n = (v: number) => v.toLocaleString('pt-BR');

const COMMANDS: Record<string, Command> = {
	migrate: { options: {}, positionals: 0, run: async () => (out('Banco de dados atualizado: migrações aplicadas.'), 0) },
	'creditor add': {
		options: {
			cnpj: { type: 'string' },
			name: { type: 'string' },
			slug: { type: 'string' },
			'display-name': { type: 'string' },
			address: { type: 'string' },
			color: { type: 'string' },
			host: { type: 'string' },
			'pix-key': { type: 'string' },
			'pix-name': { type: 'string' },
			'pix-city': { type: 'string' },
			bank: { type: 'string' },
			agency: { type: 'string' },
			account: { type: 'string' },
			wallet: { type: 'string' },
			'agency-cnpj': { type: 'string' },
			'agency-name': { type: 'string' }
		},
		positionals: 0,
		run: creditorAdd
	},
	'policy set': { options: {}, positionals: 2, run: policySet },
	import: {
		options: { creditor: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'skip-invalid': { type: 'boolean' }, 'update-shared': { type: 'boolean' } },
		positionals: 1,
		run: importFile
	},
	link: { options: { creditor: { type: 'string' }, document: { type: 'string' } }, positionals: 0, run: link },
	'staff add': {
		options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, creditor: { type: 'string' }, 'agency-cnpj': { type: 'string' } },
		positionals: 0,
		run: staffAdd
	},
	'apikey create': { options: { creditor: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' } }, positionals: 0, run: apikeyCreate },
	'campaign create': { options: { 'override-lint': { type: 'boolean' } }, positionals: 2, run: campaignCreate },
	'campaign estimate': { options: {}, positionals: 1, run: campaignEstimate },
	'campaign start': { options: {}, positionals: 1, run: (a) => campaignMove(a, 'start') },
	'campaign pause': { options: {}, positionals: 1, run: (a) => campaignMove(a, 'pause') },
	'campaign resume': { options: {}, positionals: 1, run: (a) => campaignMove(a, 'resume') },
	'campaign cancel': { options: {}, positionals: 1, run: (a) => campaignMove(a, 'cancel') },
	'campaign status': { options: {}, positionals: 1, run: campaignStatus },
	'campaign list': { options: { creditor: { type: 'string' } }, positionals: 0, run: campaignList },
	'regua set': { options: { 'override-lint': { type: 'boolean' } }, positionals: 2, run: reguaSet },
	'regua show': { options: {}, positionals: 1, run: reguaShow },
	'psp set': { options: { agency: { type: 'boolean' }, label: { type: 'string' } }, positionals: 2, run: pspSet },
	remessa: { options: { saida: { type: 'string' } }, positionals: 1, run: remessaGenerate },
	retorno: { options: { credor: { type: 'string' } }, positionals: 1, run: retornoImport },
	extrato: { options: { credor: { type: 'string' } }, positionals: 1, run: extratoImport }
};

const GROUPS = ['creditor', 'policy', 'staff', 'apikey', 'campaign', 'regua', 'psp'];

export async function runOps(command: string, args: string[]): Promise<number> {
	let name = command;
	let rest = args;
	if (GROUPS.includes(command) && args.length > 0 && !args[0].startsWith('-')) {
		name = `${command} ${args[0]}`;
		rest = args.slice(1);
	}
	const spec = COMMANDS[name];
	if (!spec) {
		err(GROUPS.includes(command) ? `Subcomando ausente ou desconhecido: ${[command, ...args.slice(0, 1)].join(' ')}` : `Comando desconhecido: ${command}`);
		process.stderr.write(USAGE);
		return 2;
	}
	let parsed: Args;
	try {
		parsed = parse(spec, rest);
	} catch (e) {
		if (!(e instanceof UsageError)) throw e;
		err(e.message);
		process.stderr.write(USAGE);
		return 2;
	}

	// The zod fallback messages (those our schemas do not word themselves) in Portuguese.
	z.config(z.locales.ptBR());
	let stop: (() => Promise<void>) | undefined;
	try {
		const database = await connect();
		stop = database.stop;
		process.env.DATABASE_URL = database.url;
		resetConfig();
		await runMigrations(database.url);
		return await spec.run(parsed);
	} catch (e) {
		if (e instanceof UsageError) {
			err(e.message);
			process.stderr.write(USAGE);
			return 2;
		}
		if (!(e instanceof Refused)) err(`Erro: ${e instanceof Error ? e.message : String(e)}`);
		return 1;
	} finally {
		await closeDb();
		if (stop) await stop();
	}
}

function parse(spec: Command, args: string[]): Args {
	let result;
	try {
		result = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
	} catch (e) {
		const code = (e as { code?: string }).code;
		const option = /'([^']+)'/.exec((e as Error).message)?.[1] ?? '';
		if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`Opção desconhecida: ${option}`);
		if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`A opção ${option.split(' ')[0]} precisa de um valor.`);
		throw new UsageError(`Argumentos inválidos: ${(e as Error).message}`);
	}
	if (result.positionals.length > spec.positionals) {
		throw new UsageError(`Argumento inesperado: ${result.positionals[spec.positionals]}`);
	}
	if (result.positionals.length < spec.positionals) throw new UsageError('Faltam argumentos.');
	return result as Args;
}

function required(a: Args, ...names: string[]): void {
	const missing = names.filter((k) => typeof a.values[k] !== 'string' || a.values[k] === '');
	if (missing.length > 0) throw new UsageError(`Faltam opções obrigatórias: ${missing.map((k) => `--${k}`).join(', ')}`);
}

/** DATABASE_URL, else the embedded server the portal runs (started here if it is not up). */
async function connect(): Promise<{ url: string; stop?: () => Promise<void> }> {
	if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
	const { EMBEDDED_PG_PORT: port, DATA_DIR } = config();
	const url = `postgres://postgres:acerto@127.0.0.1:${port}/postgres`;
	if (await serverAnswers(url)) return { url };
	err(`Iniciando o PostgreSQL embutido em ${path.resolve(DATA_DIR, 'pg')} (porta ${port})…`);
	const handle = await startEmbedded(DATA_DIR, port);
	return handle;
}

/** By slug, else by CNPJ; a CNPJ registered in two agencies must be named by slug. */
async function findCreditor(ref: string): Promise<tenancy.Creditor> {
	const bySlug = await db().query.creditors.findFirst({ where: eq(creditors.slug, ref) });
	if (bySlug) return bySlug;
	const byCnpj = await db().query.creditors.findMany({ where: eq(creditors.cnpj, normalizeDocument(ref)), limit: 2 });
	if (byCnpj.length > 1) {
		err(`O CNPJ ${ref} está cadastrado em mais de uma assessoria: informe o credor pelo identificador (slug).`);
		throw new Refused();
	}
	if (byCnpj.length === 0) {
		err(`Credor não encontrado: "${ref}". Informe o CNPJ ou o identificador (slug) de um credor cadastrado.`);
		throw new Refused();
	}
	return byCnpj[0];
}

function portalUrl(slug: string): string {
	return `${config().baseUrl}/c/${slug}`;
}

const CREDITOR_FLAGS: Record<string, string> = {
	cnpj: 'cnpj',
	name: 'legalName',
	slug: 'slug',
	'display-name': 'displayName',
	address: 'address',
	color: 'primaryColor',
	host: 'host',
	'pix-key': 'pixKey',
	'pix-name': 'pixMerchantName',
	'pix-city': 'pixMerchantCity',
	bank: 'boletoBankCode',
	agency: 'boletoAgency',
	account: 'boletoAccount',
	wallet: 'boletoWallet',
	'agency-cnpj': 'agencyCnpj',
	'agency-name': 'agencyName'
};

async function creditorAdd(a: Args): Promise<number> {
	required(a, 'cnpj', 'name', 'slug');
	const input: Record<string, unknown> = {};
	for (const [flag, field] of Object.entries(CREDITOR_FLAGS)) {
		if (a.values[flag] !== undefined) input[field] = a.values[flag];
	}
	const flagOf = Object.fromEntries(Object.entries(CREDITOR_FLAGS).map(([flag, field]) => [field, flag]));
	const result = await db().transaction(async (tx) => createCreditor(tx, input, { actor: { type: 'cli' } }));
	if (!result.ok) {
		err('Credor não cadastrado:');
		for (const [field, messages] of Object.entries(result.errors)) {
			for (const m of messages ?? []) err(`  --${flagOf[field] ?? field}: ${m}`);
		}
		return 1;
	}
	const c = result.creditor;
	if (result.agencyCreated) out('Assessoria cadastrada.');
	out(`Credor "${c.displayName}" cadastrado: CNPJ ${formatDocument(c.cnpj)}, identificador ${c.slug}.`);
	out(`Política versão ${result.policyVersion}: a padrão, sem desconto. Revise com: acerto policy set ${c.slug} politica.json`);
	out(`Portal: ${portalUrl(c.slug)}`);
	return 0;
}

/** A JSON file's content; a missing file or bad JSON is explained and refused. */
function readJson(file: string): unknown {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		const code = (e as { code?: string }).code;
		err(code === 'ENOENT' ? `Arquivo não encontrado: ${file}` : `JSON inválido em ${file}: ${(e as Error).message}`);
		throw new Refused();
	}
}

async function policySet(a: Args): Promise<number> {
	const [ref, file] = a.positionals;
	const creditor = await findCreditor(ref);
	const body = readJson(file);
	const parsed = policySchema.safeParse(body);
	if (!parsed.success) {
		err(`Política recusada (${parsed.error.issues.length} ${parsed.error.issues.length === 1 ? 'problema' : 'problemas'}):`);
		for (const issue of parsed.error.issues) {
			err(`  - ${issue.path.length > 0 ? issue.path.join('.') : '(política)'}: ${issue.message}`);
		}
		return 1;
	}
	// The same publish as the admin editor: a new version, audited with before/after.
	const result = await db().transaction((tx) =>
		policies.publish(tx, { creditorId: creditor.id, policy: parsed.data, scope: { agencyId: creditor.agencyId, creditorId: null }, actor: { type: 'cli' } })
	);
	if (!result.ok) {
		err(`Política recusada: ${result.reason}.`);
		return 1;
	}
	const version = result.version;
	out(`Política versão ${version} publicada para o credor ${creditor.slug}.`);
	return 0;
}

async function importFile(a: Args): Promise<number> {
	const [file] = a.positionals;
	if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
		err(`Arquivo não encontrado: ${file}`);
		return 1;
	}
	const dryRun = a.values['dry-run'] === true;
	const skipInvalid = a.values['skip-invalid'] === true;
	// A progress line only on a terminal: redirected to a log it would be noise.
	const tty = process.stderr.isTTY;
	const report = await importCsv(db(), {
		stream: file,
		creditorRef: a.values.creditor as string | undefined,
		dryRun,
		skipInvalid,
		// The operator at the console speaks for the agency; only when asked, and audited.
		updateShared: a.values['update-shared'] === true,
		actor: { type: 'cli' },
		onProgress: tty
			? (p) => process.stderr.write(p.done ? '\r\x1b[K' : `\r${n(p.rows)} linhas…`)
			: undefined
	});
	printReport(path.basename(file), report);
	return report.ok ? 0 : 1;
}

function printReport(file: string, r: ImportReport): void {
	const encoding = r.encoding === 'windows-1252' ? 'Latin-1 (windows-1252)' : r.encoding?.toUpperCase();
	const separator = r.separator === '\t' ? 'tabulação' : `"${r.separator}"`;
	if (r.encoding) out(`Arquivo ${file}: ${encoding}, separador ${separator}.`);
	out(`${n(r.rows)} ${r.rows === 1 ? 'linha' : 'linhas'}: ${n(r.valid)} ${r.valid === 1 ? 'válida' : 'válidas'}, ${n(r.invalid)} com erro.`);
	if (r.errors.length > 0) {
		err(`Erros${r.invalid > r.errors.length ? ` (os primeiros ${n(r.errors.length)})` : ''}:`);
		for (const e of r.errors) {
			const where = [e.line > 0 ? `linha ${n(e.line)}` : null, e.column ? `coluna ${e.column}` : null].filter(Boolean).join(', ');
			err(`  ${where ? `${where}: ` : ''}${e.message}`);
		}
	}
	if (!r.ok) {
		err(
			r.invalid > 0
				? 'Nada foi importado. Corrija as linhas acima, ou use --skip-invalid para importar só as válidas.'
				: 'Nada foi importado.'
		);
		return;
	}
	const verb = r.dryRun ? 'seriam' : 'foram';
	out(
		`Dívidas: ${n(r.inserted)} novas, ${n(r.updated)} atualizadas, ${n(r.skipped)} sem alteração` +
			` (iguais às já cadastradas, repetidas no arquivo ou já em acordo).`
	);
	out(`Devedores: ${n(r.debtors.inserted)} novos, ${n(r.debtors.updated)} atualizados.`);
	if (r.debtors.kept > 0) {
		err(
			`${n(r.debtors.kept)} ${r.debtors.kept === 1 ? 'devedor também deve' : 'devedores também devem'} a outro credor da assessoria: nome e contatos mantidos como estavam` +
				` (as dívidas foram gravadas; use --update-shared para alterá-los em nome da assessoria):`
		);
		for (const w of r.warnings) err(`  linha ${n(w.line)}: ${w.message}`);
	}
	if (r.debtors.sharedUpdated > 0) out(`${n(r.debtors.sharedUpdated)} ${r.debtors.sharedUpdated === 1 ? 'devedor compartilhado atualizado' : 'devedores compartilhados atualizados'} em nome da assessoria (--update-shared; registrado na auditoria).`);
	if (r.debtors.contactsChanged > 0) out(`${n(r.debtors.contactsChanged)} ${r.debtors.contactsChanged === 1 ? 'contato antigo avisado' : 'contatos antigos avisados'} da troca de telefone ou e-mail.`);
	if (r.invalid > 0) err(`${n(r.invalid)} ${r.invalid === 1 ? 'linha com erro ficou' : 'linhas com erro ficaram'} de fora (--skip-invalid).`);
	const seconds = r.durationMs / 1000;
	const rate = seconds > 0 ? Math.round(r.rows / seconds) : r.rows;
	out(`Tempo: ${seconds.toLocaleString('pt-BR', { maximumFractionDigits: 1 })} s (${n(rate)} linhas/s).`);
	if (r.dryRun) out(`Simulação (--dry-run): nada foi gravado; os números acima ${verb} o resultado da importação.`);
}

async function link(a: Args): Promise<number> {
	required(a, 'creditor', 'document');
	const creditor = await findCreditor(a.values.creditor as string);
	const raw = a.values.document as string;
	const problem = documentError(raw);
	if (problem) {
		err(problem);
		return 1;
	}
	const [debtor] = await db()
		.select({ id: debtors.id })
		.from(debtors)
		.where(and(eq(debtors.agencyId, creditor.agencyId), eq(debtors.document, normalizeDocument(raw))));
	if (!debtor) {
		err(`Nenhum devedor com este documento na assessoria do credor ${creditor.slug}.`);
		return 1;
	}
	const token = createLinkToken(creditor.id, debtor.id, config().LINK_TTL_DAYS);
	// A link is a way into a debtor's data: who made one is worth keeping.
	await audit.record(db(), {
		agencyId: creditor.agencyId,
		actorType: 'cli',
		action: 'link.create',
		entity: 'debtor',
		entityId: debtor.id,
		data: { creditorId: creditor.id, ttlDays: config().LINK_TTL_DAYS }
	});
	out(`${portalUrl(creditor.slug)}/l/${token}`);
	return 0;
}

/** `acerto staff add`: invites a person and prints the one-time link where they set a password. */
async function staffAdd(a: Args): Promise<number> {
	required(a, 'email', 'role');
	const role = a.values.role as StaffRole;
	if (!staffAuth.ROLES.includes(role)) {
		err(`Papel inválido: ${role}. Use ${staffAuth.ROLES.join(', ')}.`);
		return 1;
	}
	const creditor = a.values.creditor ? await findCreditor(a.values.creditor as string) : null;
	let agencyId = creditor?.agencyId;
	if (!agencyId) {
		const cnpj = a.values['agency-cnpj'] ? normalizeDocument(a.values['agency-cnpj'] as string) : null;
		const rows = await db().select({ id: agencies.id }).from(agencies).where(cnpj ? eq(agencies.cnpj, cnpj) : undefined).limit(2);
		if (rows.length !== 1) {
			err(cnpj ? 'Assessoria não encontrada.' : 'Há mais de uma assessoria (ou nenhuma): informe --agency-cnpj.');
			return 1;
		}
		agencyId = rows[0].id;
	}
	const result = await db().transaction((tx) =>
		staffAuth.invite(tx, { agencyId: agencyId!, email: a.values.email as string, name: a.values.name as string | undefined, role, creditorId: creditor?.id ?? null }, { type: 'cli' })
	);
	if (!result.ok) {
		err(result.message);
		return 1;
	}
	out(`Convite criado para ${a.values.email} (${staffAuth.ROLE_LABELS[role]}), válido por 7 dias. Envie este link à pessoa; ele só pode ser usado uma vez:`);
	out(`${config().baseUrl}/admin/convite/${result.token}`);
	return 0;
}

/** `acerto apikey create`: a key for a creditor's system; printed once, only its hash is kept. */
async function apikeyCreate(a: Args): Promise<number> {
	required(a, 'creditor', 'name', 'scope');
	const scope = a.values.scope as apiKeys.ApiScope;
	if (!apiKeys.SCOPES.includes(scope)) {
		err(`Permissão inválida: ${scope}. Use read (leitura) ou read_write (leitura e escrita).`);
		return 1;
	}
	const name = (a.values.name as string).trim();
	if (name.length < 2 || name.length > 100) {
		err('Dê à chave um nome de 2 a 100 caracteres (por exemplo "ERP produção").');
		return 1;
	}
	const creditor = await findCreditor(a.values.creditor as string);
	const made = await db().transaction((tx) => apiKeys.create(tx, { creditorId: creditor.id, name, scope }, { type: 'cli' }));
	out(`Chave de API "${name}" criada para o credor ${creditor.slug} (${apiKeys.SCOPE_LABELS[scope].toLowerCase()}). Guarde-a agora: ela não será mostrada de novo.`);
	out(made.key);
	return 0;
}

const CLI: campaigns.Actor = { type: 'cli' };

async function campaignCreate(a: Args): Promise<number> {
	const [ref, file] = a.positionals;
	const creditor = await findCreditor(ref);
	const result = await campaigns.save(db(), CLI, { creditorId: creditor.id, body: readJson(file), overrideLint: a.values['override-lint'] === true });
	for (const f of result.ok ? result.findings : (result.findings ?? [])) err(`  ${f.severity === 'error' ? 'erro' : 'aviso'}: ${f.message}${f.excerpt ? ` ("${f.excerpt}")` : ''}`);
	if (!result.ok) {
		err(`Campanha recusada: ${result.message}`);
		for (const [field, messages] of Object.entries(result.errors ?? {})) for (const m of messages) err(`  - ${field}: ${m}`);
		if (result.findings?.some((f) => f.severity === 'error')) err('Para publicar mesmo assim (fica registrado na auditoria): --override-lint');
		return 1;
	}
	out(`Campanha criada (rascunho): ${result.id}`);
	out(`Estimativa: acerto campaign estimate ${result.id} · Iniciar: acerto campaign start ${result.id}`);
	return 0;
}

async function campaignRow(id: string) {
	const row = await campaigns.get(db(), CLI, id);
	if (!row) {
		err(`Campanha não encontrada: ${id}`);
		throw new Refused();
	}
	return row;
}

async function campaignEstimate(a: Args): Promise<number> {
	const row = await campaignRow(a.positionals[0]);
	const e = await campaigns.estimate(db(), row);
	out(`${row.name}: ${n(e.count.debtors)} devedores no segmento.`);
	for (const ch of row.body.channels) out(`  ${campaigns.CHANNEL_LABELS[ch]}: ${n(e.count.byChannel[ch])} no primeiro canal; ~${n(e.messages[ch])} mensagens; custo estimado ${formatBRL(e.costCents[ch])}`);
	out(`Retidas pelas regras de contato agora: ${n(e.count.held.optedOut)} descadastradas, ${n(e.count.held.inAgreement)} em acordo, ${n(e.count.held.capReached)} no limite de contatos de hoje.`);
	out(`Custo estimado total: ${formatBRL(e.costCents.total)}${e.smsSegments ? ` (SMS com ${e.smsSegments} ${e.smsSegments === 1 ? 'segmento' : 'segmentos'})` : ''}.`);
	if (e.channelsWithoutAccount.length) out(`Atenção: sem conta configurada para ${e.channelsWithoutAccount.map((c) => campaigns.CHANNEL_LABELS[c]).join(', ')}.`);
	for (const f of e.findings) out(`  ${f.severity === 'error' ? 'erro' : 'aviso'}: ${f.message}`);
	for (const p of e.previews) out(`\n— Prévia para ${p.debtor} (${campaigns.CHANNEL_LABELS[p.channel]}, ${p.contact})${p.subject ? `\nAssunto: ${p.subject}` : ''}\n${p.text}`);
	return 0;
}

async function campaignMove(a: Args, action: 'start' | 'pause' | 'resume' | 'cancel'): Promise<number> {
	const id = a.positionals[0];
	const result: { ok: true; targets?: number } | { ok: false; message: string } =
		action === 'start' ? await campaigns.start(db(), CLI, id) : await campaigns.move(db(), CLI, id, action);
	if (!result.ok) {
		err(result.message);
		return 1;
	}
	const done = { start: 'iniciada', pause: 'pausada', resume: 'retomada', cancel: 'cancelada' }[action];
	out(`Campanha ${done}.${result.targets !== undefined ? ` ${n(result.targets)} mensagens na fila.` : ''}`);
	return 0;
}

async function campaignStatus(a: Args): Promise<number> {
	const row = await campaignRow(a.positionals[0]);
	const p = await campaigns.progress(db(), row.id);
	out(`${row.name} — ${campaigns.STATUS_LABELS[row.status]}`);
	out(`Devedores: ${n(p.targets)} · na fila: ${n(p.queued)} · aguardando horário: ${n(p.held)} · enviadas: ${n(p.sent)} · entregues: ${n(p.delivered)} · lidas: ${n(p.read)} · cliques: ${n(p.clicked)}`);
	out(`Retidas pelas regras: ${n(p.skipped)} · falhas: ${n(p.failed)} · sem confirmação: ${n(p.unknown)}`);
	for (const r of p.byReason) out(`  ${r.reason}: ${n(r.n)}`);
	return 0;
}

async function campaignList(a: Args): Promise<number> {
	const creditor = typeof a.values.creditor === 'string' ? await findCreditor(a.values.creditor) : null;
	const reaches = creditor
		? [{ agencyId: creditor.agencyId, creditorId: creditor.id }]
		: (await db().select({ id: agencies.id }).from(agencies)).map((ag) => ({ agencyId: ag.id, creditorId: null }));
	const rows = (await Promise.all(reaches.map((r) => campaigns.list(db(), r)))).flat();
	if (rows.length === 0) out('Nenhuma campanha.');
	for (const r of rows) out(`${r.id}  ${campaigns.STATUS_LABELS[r.status].padEnd(13)} ${r.creditor} — ${r.name}`);
	return 0;
}

async function reguaSet(a: Args): Promise<number> {
	const [ref, file] = a.positionals;
	const creditor = await findCreditor(ref);
	const result = await regua.set(db(), { creditorId: creditor.id, agencyId: creditor.agencyId, body: readJson(file), actor: { type: 'cli' }, overrideLint: a.values['override-lint'] === true });
	for (const f of result.ok ? result.findings : (result.findings ?? [])) err(`  ${f.severity === 'error' ? 'erro' : 'aviso'}: ${f.message}`);
	if (!result.ok) {
		err(`Régua recusada: ${result.message}`);
		for (const [field, messages] of Object.entries(result.errors ?? {})) for (const m of messages) err(`  - ${field}: ${m}`);
		return 1;
	}
	out(`Régua versão ${result.version} definida para o credor ${creditor.slug}.`);
	return 0;
}

async function reguaShow(a: Args): Promise<number> {
	const creditor = await findCreditor(a.positionals[0]);
	const found = await regua.get(db(), creditor.id);
	if (!found) {
		out(`O credor ${creditor.slug} não tem régua.`);
		return 0;
	}
	out(`Régua de ${creditor.displayName}, versão ${found.version}:`);
	for (const s of found.regua.steps) out(`  ${s.key.padEnd(22)} ${stepLabel(s).padEnd(34)} ${s.channels.join(' → ')}`);
	return 0;
}

/** A Pix PSP account for a creditor (or, with --agency, for its whole agency), from a JSON file. */
async function pspSet(a: Args): Promise<number> {
	const [ref, file] = a.positionals;
	const creditor = await findCreditor(ref);
	const forAgency = a.values.agency === true;
	const label = typeof a.values.label === 'string' ? a.values.label : 'PSP';
	const result = await db().transaction((tx) =>
		psp.accounts.save(tx, { agencyId: creditor.agencyId, creditorId: forAgency ? null : creditor.id, label, credentials: readJson(file) as psp.accounts.SaveInput['credentials'], actor: { type: 'cli' } })
	);
	if (!result.ok) {
		err(result.message);
		return 1;
	}
	// The webhook is registered with the PSP by the first charge on each key (its URL holds the secret: not printed).
	out(`Conta do PSP ${forAgency ? 'da assessoria' : `do credor ${creditor.slug}`} gravada (${result.id}).`);
	return 0;
}

/** `acerto remessa <credor> [--saida arquivo]`: the creditor's next remessa, written to a file. */
async function remessaGenerate(a: Args): Promise<number> {
	const c = await findCreditor(a.positionals[0]);
	const who = { agencyId: c.agencyId, creditorId: c.id, id: null, actorType: 'cli' as const };
	const r = await db().transaction((tx) => registration.generate(tx, who, c.id));
	if (!r.ok) {
		err(r.message);
		return 1;
	}
	for (const l of r.leftOut) err(`Fora da remessa: acordo ${l.agreementCode}, parcela ${l.seq} (${l.debtorName}): ${l.message}`);
	if (!r.file) {
		out('Nenhum título novo para registrar ou baixar: nenhuma remessa gerada.');
		return 0;
	}
	const file = await registration.fileContent(db(), who, r.file.id);
	const target = path.resolve(typeof a.values.saida === 'string' && a.values.saida !== '' ? a.values.saida : r.file.fileName);
	fs.writeFileSync(target, file!.content, { encoding: 'latin1' });
	out(`Remessa ${r.file.fileSequence} gravada em ${target}: ${n(r.file.entries)} entrada(s), ${n(r.file.writeOffs)} baixa(s), ${n(r.file.amountChanges)} alteração(ões) de valor, ${formatBRL(r.file.totalCents)}.`);
	return 0;
}

/**
 * A bank file's path and whose it is, for `acerto retorno` and `acerto extrato`: `--credor`, or the
 * deployment's only agency. Null (after saying why) when either is missing.
 */
async function bankFileArgs(a: Args): Promise<{ file: string; agencyId: string; creditorId: string | null } | null> {
	const [file] = a.positionals;
	if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
		err(`Arquivo não encontrado: ${file}`);
		return null;
	}
	if (typeof a.values.credor === 'string' && a.values.credor !== '') {
		const creditor = await findCreditor(a.values.credor);
		return { file, agencyId: creditor.agencyId, creditorId: creditor.id };
	}
	const all = await db().select({ id: agencies.id }).from(agencies).limit(2);
	if (all.length !== 1) {
		err(all.length === 0 ? 'Nenhuma assessoria cadastrada.' : 'Há mais de uma assessoria: informe o credor com --credor <cnpj-ou-slug>.');
		return null;
	}
	return { file, agencyId: all[0].id, creditorId: null };
}

/** `acerto retorno <arquivo> [--credor slug]`: a bank return file into the payment lifecycle. */
async function retornoImport(a: Args): Promise<number> {
	const args = await bankFileArgs(a);
	if (!args) return 1;
	const { file, agencyId, creditorId } = args;
	const tty = process.stderr.isTTY;
	const result = await importRetorno(db(), {
		agencyId,
		creditorId,
		content: fs.readFileSync(file),
		fileName: path.basename(file),
		actor: { type: 'cli' },
		onProgress: tty ? (p) => process.stderr.write(p.done === p.total ? '\r\x1b[K' : `\r${n(p.done)} de ${n(p.total)} registros…`) : undefined
	});
	if (!result.ok) {
		err(`Arquivo recusado: ${result.message}`);
		return 1;
	}
	if (result.duplicate) out(`Este arquivo já foi importado em ${result.report.createdAt.toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo' })}: nada mudou.`);
	else if (result.resumed) out('Importação retomada de onde parou.');
	printRetorno(result.report);
	return 0;
}

function printRetorno(r: RetornoReport): void {
	out(`${r.fileName}: ${r.format === 'cnab240' ? 'CNAB 240' : 'CNAB 400'}, banco ${r.bankCode}${r.bankName ? ` (${r.bankName})` : ''}, ${n(r.records)} registros.`);
	const c = r.counts;
	out(`  Pagamentos lançados: ${n(c.paid)} (${formatBRL(r.paidCents)})`);
	if (c.duplicate) out(`  Pagamentos já lançados antes: ${n(c.duplicate)}`);
	out(`  Entradas confirmadas: ${n(c.registered)}; rejeitadas: ${n(c.rejected)}; baixas: ${n(c.written_off)}`);
	if (c.ignored) out(`  Instruções confirmadas pelo banco: ${n(c.ignored)}`);
	out(`  Para conferência: ${n(c.review)}${r.reviewCents ? ` (${formatBRL(r.reviewCents)})` : ''}`);
	for (const x of r.review.slice(0, 20)) out(`    linha ${x.line}: ${x.message}`);
	if (r.review.length > 20) out(`    … e mais ${n(c.review - 20)}: veja em /admin/pagamentos/pendencias`);
	for (const x of r.rejected.slice(0, 20)) out(`  Rejeitado, linha ${x.line}, nosso número ${x.nossoNumero}: ${x.reasons.join('; ') || 'sem motivo informado'}`);
	for (const w of r.warnings) out(`  Aviso: ${w}`);
}

/** `acerto extrato <arquivo> [--credor slug]`: a bank statement (OFX) into the payment lifecycle. */
async function extratoImport(a: Args): Promise<number> {
	const args = await bankFileArgs(a);
	if (!args) return 1;
	const { file, agencyId, creditorId } = args;
	const result = await importStatement(db(), { agencyId, creditorId, content: fs.readFileSync(file), fileName: path.basename(file), actor: { type: 'cli' } });
	if (!result.ok) {
		err(`Extrato recusado: ${result.message}`);
		return 1;
	}
	if (result.duplicate) out(`Este extrato já foi importado em ${result.report.createdAt.toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo' })}: nada mudou.`);
	else if (result.resumed) out('Importação retomada de onde parou.');
	printExtrato(result.report);
	return 0;
}

function printExtrato(r: StatementReport): void {
	const period = r.periodStart && r.periodEnd ? `, ${formatDateBR(r.periodStart)} a ${formatDateBR(r.periodEnd)}` : '';
	out(`${r.fileName}: ${r.accounts.map((x) => `banco ${x.bankId}, conta ${x.accountId}`).join('; ')}${period}.`);
	out(`  Lançamentos lidos: ${n(r.transactions)}; créditos: ${n(r.credits)}; débitos ignorados: ${n(r.debits)}`);
	out(`  Pagamentos lançados: ${n(r.counts.recorded)} (${formatBRL(r.recordedCents)})`);
	out(`  Propostos pelo valor: ${n(r.counts.proposed)}; sem correspondência: ${n(r.counts.unmatched)}${r.reviewCents ? ` (${formatBRL(r.reviewCents)} nas pendências)` : ''}`);
	if (r.counts.known) out(`  Já conhecidos: ${n(r.counts.known)}`);
	const pending = r.lines.filter((x) => x.outcome === 'proposed' || x.outcome === 'unmatched');
	for (const x of pending.slice(0, 20)) out(`    linha ${x.line}: ${x.message}`);
	if (pending.length > 20) out(`    … e mais ${n(pending.length - 20)}: veja em /admin/pagamentos/pendencias`);
	for (const w of r.warnings) out(`  Aviso: ${w}`);
}
