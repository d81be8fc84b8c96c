import * as api from '$lib/server/api/http';
import * as apiWebhooks from '$lib/server/api/webhooks';

export const POST = apiWebhooks.setDisabled(false);
export const fallback = api.methodNotAllowed('POST');
