import * as api from '$lib/server/api/http';
import * as apiWebhooks from '$lib/server/api/webhooks';

export const DELETE = apiWebhooks.remove;
export const fallback = api.methodNotAllowed('DELETE');
