import { requireCreditor } from '$lib/server/guards';
import { brandPalette } from '$lib/brand';

export const load = async ({ locals }) => {
	const creditor = requireCreditor(locals);
	return {
		creditor,
		palette: brandPalette(creditor.primaryColor),
		debtorName: locals.debtor ? locals.debtor.name.split(' ')[0] : null
	};
};
