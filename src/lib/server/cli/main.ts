import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const USAGE = `uso: acerto <comando> [opções]

Comandos:
  serve                                   inicia o portal (PostgreSQL embutido se não houver DATABASE_URL)
  migrate                                 aplica as migrações pendentes
  creditor add --cnpj … --name … --slug … --address … [--display-name …] [--color #rrggbb]
               [--host …] [--pix-key …] [--pix-name …] [--pix-city …]
               [--bank 237] [--agency …] [--account …] [--wallet …] [--agency-cnpj …]
  policy set <cnpj-ou-slug> <politica.json>
  import <arquivo.csv> [--creditor <cnpj-ou-slug>] [--dry-run] [--skip-invalid] [--update-shared]
  link --creditor <cnpj-ou-slug> --document <cpf-ou-cnpj>
  staff add --email … --role agency_admin|creditor_manager|operator|viewer [--name …] [--creditor <cnpj-ou-slug>] [--agency-cnpj …]
  apikey create --creditor <cnpj-ou-slug> --name … --scope read|read_write
  campaign create <cnpj-ou-slug> <campanha.json> [--override-lint]
  campaign estimate|start|pause|resume|cancel|status <id>
  campaign list [--creditor <cnpj-ou-slug>]
  regua set <cnpj-ou-slug> <regua.json>
  regua show <cnpj-ou-slug>
  psp set <cnpj-ou-slug> <conta.json> [--agency] [--label …]   conta Pix (API Pix v2) do credor ou da assessoria
  remessa <credor-slug> [--saida arquivo.REM]   gera a próxima remessa CNAB 240 de registro de boletos
  retorno <arquivo> [--credor <cnpj-ou-slug>]   importa um arquivo de retorno do banco (CNAB 240/400)
  extrato <arquivo.ofx> [--credor <cnpj-ou-slug>]   importa um extrato bancário OFX (Pix do QR Code fixo)
`;

export async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	switch (command) {
		case 'serve':
			return serve(root, { build: !rest.includes('--no-build') });
		case undefined:
		case 'help':
		case '--help':
		case '-h':
			process.stdout.write(USAGE);
			return command ? 0 : 2;
		default: {
			const { runOps } = await import('./ops');
			return runOps(command, rest);
		}
	}
}
