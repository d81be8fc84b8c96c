import { requireCreditor } from '$lib/server/guards';
import * as tenancy from '$lib/server/tenancy';
import { brandPalette } from '$lib/brand';

export const load = async ({ locals }) => {
	// The logo itself stays out of the page: it is fetched (and cached) from its own address.
	const { logo, ...creditor } = requireCreditor(locals);
	return {
		creditor: { ...creditor, logoUrl: tenancy.logoUrl({ logo, slug: creditor.slug }) },
		palette: brandPalette(creditor.primaryColor),
		debtorName: locals.debtor ? locals.debtor.name.split(' ')[0] : null
	};
};
