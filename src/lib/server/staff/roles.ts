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
	| 'lgpd'
	/** Change the name and contacts of a debtor other creditors share (an agency's decision). */
	| 'update_shared_debtors'
	/** Correct a debtor's name and contacts in the back office. */
	| 'edit_debtor'
	/** Write, start, pause and cancel campaigns, and edit the régua. */
	| 'manage_campaigns'
	/** Publish a template the lint refuses (CDC art. 42): audited. */
	| 'override_template_lint'
	/** Enter the agency's WhatsApp, SMS and e-mail provider accounts. */
	| 'manage_messaging'
	/** Enter the agency's and its creditors' Pix PSP accounts (client certificates, secrets). */
	| 'manage_psp'
	/** Point a creditor's events at its ERP (webhook endpoints, secrets, replays). */
	| 'manage_webhooks';

const GRANTS: Record<StaffRole, readonly Permission[]> = {
	agency_admin: [
		'read',
		'act_on_agreements',
		'manage_creditor',
		'create_creditor',
		'publish_policy',
		'upload_portfolio',
		'manage_api_keys',
		'manage_staff',
		'read_audit',
		'lgpd',
		'update_shared_debtors',
		'edit_debtor',
		'manage_campaigns',
		'override_template_lint',
		'manage_messaging',
		'manage_psp',
		'manage_webhooks'
	],
	creditor_manager: ['read', 'act_on_agreements', 'manage_creditor', 'publish_policy', 'upload_portfolio', 'manage_api_keys', 'lgpd', 'edit_debtor', 'manage_campaigns', 'manage_webhooks'],
	operator: ['read', 'act_on_agreements', 'edit_debtor'],
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
