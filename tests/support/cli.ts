import { spawn } from 'node:child_process';

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs the `acerto` command as an operator would, in its own process, on the given environment. */
export function runAcerto(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['bin/acerto.js', ...args], { cwd: process.cwd(), env: { ...process.env, NODE_ENV: 'test', ...env } });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}
