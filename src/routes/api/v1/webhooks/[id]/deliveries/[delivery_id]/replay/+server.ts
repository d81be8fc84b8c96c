import * as api from '$lib/server/api/http';
import * as apiWebhooks from '$lib/server/api/webhooks';

export const POST = apiWebhooks.replay;
export const fallback = api.methodNotAllowed('POST');
