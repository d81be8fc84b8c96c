import fs from 'node:fs';

/** Debian's libfaketime (package faketime), preloaded into a process to move its clock. */
const LIBRARIES = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1'];

export function faketimeLibrary(): string {
	const found = LIBRARIES.find((p) => fs.existsSync(p));
	if (!found) throw new Error('libfaketime não encontrado: instale o pacote faketime (scripts/ensure-test-tools.sh o instala).');
	return found;
}

/**
 * Environment that starts a process's clock at `at` (UTC, "2026-12-07 13:00:00") and lets it run
 * from there. Preloaded into node itself (not through the `faketime` wrapper, which forks: a
 * signal to it would not reach node), so the process can be stopped and killed as it is.
 */
export function faketimeEnv(at: string): Record<string, string> {
	return { LD_PRELOAD: faketimeLibrary(), FAKETIME: `@${at}`, TZ: 'UTC' };
}
