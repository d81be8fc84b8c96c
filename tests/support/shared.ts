import fs from 'node:fs';
import path from 'node:path';

/**
 * The team's shared references the tests read (real bank return files, the Central Bank's Pix API):
 * `../shared` beside the project, as the house keeps them, or `ACERTO_SHARED_DIR`. They are never
 * copied into the project; a clone elsewhere says so at once instead of failing on a missing file.
 */
export function sharedPath(...parts: string[]): string {
	const root = path.resolve(process.env.ACERTO_SHARED_DIR ?? path.join(process.cwd(), '../shared'));
	if (!fs.existsSync(path.join(root, 'fixtures', 'cnab'))) {
		throw new Error(
			`Os testes leem as referências compartilhadas (fixtures/cnab, specs) de ${root}, que não existe aqui: ` +
				'clone o projeto ao lado da pasta shared/ ou aponte ACERTO_SHARED_DIR para ela.'
		);
	}
	return path.join(root, ...parts);
}
