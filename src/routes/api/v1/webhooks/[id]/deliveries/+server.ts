import * as api from '$lib/server/api/http';
import * as apiWebhooks from '$lib/server/api/webhooks';

export const GET = apiWebhooks.deliveries;
export const fallback = api.methodNotAllowed('GET');
