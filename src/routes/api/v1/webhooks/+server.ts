import * as api from '$lib/server/api/http';
import * as apiWebhooks from '$lib/server/api/webhooks';

export const GET = apiWebhooks.list;
export const POST = apiWebhooks.create;
export const fallback = api.methodNotAllowed('GET', 'POST');
