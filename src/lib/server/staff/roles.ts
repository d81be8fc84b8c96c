import type { StaffRole } from '../db/schema';

export type Permission =
	| 'read'
	| 'act_on_agreements'
	| 'manage_creditor'
	| 'create_creditor'
	| 'publish_policy'
	| 'upload_portfolio'
	| 'manage_api_keys'
	| 'manage_staff'
	| 'read_audit'
	| 'lgpd';

const GRANTS: Record<StaffRole, readonly Permission[]> = {
	agency_admin: ['read', 'act_on_agreements', 'manage_creditor', 'create_creditor', 'publish_policy', 'upload_portfolio', 'manage_api_keys', 'manage_staff', 'read_audit', 'lgpd'],
	creditor_manager: ['read', 'act_on_agreements', 'manage_creditor', 'publish_policy', 'upload_portfolio', 'manage_api_keys', 'lgpd'],
	operator: ['read', 'act_on_agreements'],
	viewer: ['read']
};

export const ROLES: readonly StaffRole[] = ['agency_admin', 'creditor_manager', 'operator', 'viewer'];

export const ROLE_LABELS: Record<StaffRole, string> = {
	agency_admin: 'Administrador da assessoria',
	creditor_manager: 'Gestor do credor',
	operator: 'Operador',
	viewer: 'Consulta'
};

export type StaffPrincipal = { id: string; agencyId: string; role: StaffRole; creditorId: string | null; email: string; name: string };

export function can(who: Pick<StaffPrincipal, 'role'>, permission: Permission): boolean {
	return GRANTS[who.role].includes(permission);
}

/** Whether this person may see or act on this creditor at all (same agency, and their creditor if scoped). */
export function reaches(who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>, creditor: { id: string; agencyId: string }): boolean {
	return creditor.agencyId === who.agencyId && (who.creditorId === null || who.creditorId === creditor.id);
}
