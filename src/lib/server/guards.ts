import { error, redirect } from '@sveltejs/kit';
import type { PublicCreditor } from './tenancy';
import type { SessionDebtor } from './auth/session';

type Locals = { creditor: PublicCreditor | null; debtor: SessionDebtor | null };

export function requireCreditor(locals: Locals): PublicCreditor {
	if (!locals.creditor) error(404, 'Portal não encontrado.');
	return locals.creditor;
}

/** Every portal page behind identification calls this in its own load and action. */
export function requireDebtor(locals: Locals): { debtor: SessionDebtor; creditor: PublicCreditor } {
	const creditor = requireCreditor(locals);
	if (!locals.debtor) redirect(303, `/c/${creditor.slug}?expirou=1`);
	return { debtor: locals.debtor, creditor };
}
