import { can } from '$lib/server/staff';

export const load = async ({ locals }) => {
	const s = locals.staffSession?.twoFactorVerified ? locals.staff : null;
	return {
		me: s ? { name: s.name || s.email, email: s.email, role: s.role, hasTotp: s.hasTotp } : null,
		nav: s
			? {
					audit: can(s, 'read_audit'),
					apiKeys: can(s, 'manage_api_keys'),
					webhooks: can(s, 'manage_webhooks'),
					remessas: can(s, 'act_on_agreements'),
					psp: can(s, 'manage_psp'),
					staff: can(s, 'manage_staff')
				}
			: null
	};
};
