import * as api from '$lib/server/api/http';
import * as apiDebts from '$lib/server/api/debts';

export const POST = apiDebts.closeRoute('written_off');

export const fallback = api.methodNotAllowed('POST');
