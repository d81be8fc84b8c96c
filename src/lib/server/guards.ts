import { error, redirect } from '@sveltejs/kit';
import type { PublicCreditor } from './tenancy';
import type { SessionDebtor } from './auth/session';
import { can, reaches, type Permission, type StaffPrincipal } from './staff/roles';

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

type StaffLocals = { staff: StaffPrincipal | null; staffSession: { twoFactorVerified: boolean } | null };

/**
 * Every admin load, action and endpoint calls this (layouts alone protect nothing):
 * signed in, second factor done when enabled, and the permission the action needs.
 */
export function requireStaff(locals: StaffLocals, permission: Permission = 'read', path = '/admin'): StaffPrincipal {
	if (!locals.staff || !locals.staffSession) redirect(303, `/admin/entrar?voltar=${encodeURIComponent(path)}`);
	if (!locals.staffSession.twoFactorVerified) redirect(303, '/admin/entrar/codigo');
	if (!can(locals.staff, permission)) error(403, 'Você não tem permissão para esta ação.');
	return locals.staff;
}

/** The creditor must be in reach of this person (same agency, and their creditor if scoped); otherwise 404, revealing nothing. */
export function requireCreditorAccess<T extends { id: string; agencyId: string }>(who: StaffPrincipal, creditor: T | null | undefined): T {
	if (!creditor || !reaches(who, creditor)) error(404, 'Credor não encontrado.');
	return creditor;
}
