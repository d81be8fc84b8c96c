import * as openapi from '$lib/server/api/openapi';
import * as reference from '$lib/server/api/reference';

// Plain HTML: a reference needs no JavaScript, and the strict CSP stays untouched.
export const csr = false;

export const load = async ({ url }) => {
	const examples = Object.fromEntries(openapi.ENDPOINTS.map((e) => [e.operationId, e.example]));
	return { ref: reference.view(openapi.documentFor(url.origin), examples), webhooks: { about: openapi.WEBHOOK_SIGNATURE_DOC, example: openapi.WEBHOOK_VERIFY_EXAMPLE } };
};
