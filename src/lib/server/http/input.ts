/**
 * Input no page or endpoint can use, refused at the door with a 4xx and a pt-BR message before any
 * of it reaches a query: control characters (NUL above all, which PostgreSQL refuses in text) in
 * the path, the query or a form's fields, and a form body that cannot be read as one.
 */

// C0 controls and DEL; tab, line feed and carriage return are fine inside a form's text fields.
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export type Refusal = { status: 400 | 413 | 415; message: string };

/** A path parameter or query value with a control character in it (`%00`, `%0D%0A`…). */
export function badAddress(params: Partial<Record<string, string>>, query: URLSearchParams): Refusal | null {
	for (const value of Object.values(params)) {
		if (value !== undefined && CONTROL.test(value)) return { status: 400, message: 'Endereço inválido: há caracteres de controle no caminho.' };
	}
	for (const [name, value] of query) {
		if (CONTROL.test(name) || CONTROL.test(value)) return { status: 400, message: `Parâmetro de consulta inválido${CONTROL.test(name) ? '' : ` (${name.slice(0, 40)})`}: há caracteres de controle no valor.` };
	}
	return null;
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

/** Content types SvelteKit treats as a form post (and so checks for same origin) but may not parse. */
export function isFormPost(request: Request): boolean {
	if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
	const type = request.headers.get('content-type')?.split(';', 1)[0].trim().toLowerCase() ?? '';
	return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data' || type === 'text/plain';
}

/**
 * Where providers post without an Origin header: their webhooks (Twilio posts forms) and the
 * e-mail one-click unsubscribe (RFC 8058: a mail provider posts `List-Unsubscribe=One-Click`).
 * Each checks its own signature or token instead.
 */
const CROSS_SITE_ALLOWED = /^\/(webhooks|u)\//;

/**
 * SvelteKit's own same-origin check for form posts (turned off in svelte.config.js so that the
 * paths above can be reached), kept for every other path: a cross-site form post is refused.
 */
export function crossSiteForm(request: Request, url: URL): boolean {
	if (!isFormPost(request) || CROSS_SITE_ALLOWED.test(url.pathname)) return false;
	return request.headers.get('origin') !== url.origin;
}

/**
 * Reads a form post the way an action will (from a copy: the action reads the original) and says
 * what is wrong with it: a type no form is sent as, a body that does not parse, one over the size
 * limit, or a field with a control character.
 */
export async function badForm(request: Request): Promise<Refusal | null> {
	const type = request.headers.get('content-type') ?? '';
	if (!FORM_TYPES.test(type)) {
		return { status: 415, message: 'Formulário em formato não aceito: envie-o como application/x-www-form-urlencoded ou multipart/form-data.' };
	}
	let form: FormData;
	try {
		form = await request.clone().formData();
	} catch (e) {
		if ((e as { status?: number })?.status === 413) return { status: 413, message: 'O formulário enviado é grande demais.' };
		return { status: 400, message: 'Não foi possível ler o formulário enviado. Recarregue a página e tente de novo.' };
	}
	for (const [name, value] of form) {
		if (CONTROL.test(name) || (typeof value === 'string' && CONTROL_IN_TEXT.test(value))) {
			return { status: 400, message: 'O formulário contém caracteres inválidos (caracteres de controle). Corrija o texto e envie de novo.' };
		}
	}
	return null;
}

// `/admin`, then nothing or a path, query or fragment of visible ASCII without a backslash.
const ADMIN_PATH = /^\/admin(?:[/?#][\x21-\x5b\x5d-\x7e]*)?$/;

/**
 * Where the admin sign-in goes back to (`?voltar=`): only a path of this site under `/admin`,
 * never another site (`//host`, `/\host`), never a header split by CR/LF, never a character a
 * Location header cannot carry; anything else goes to `/admin`.
 */
export function adminReturnPath(to: string | null): string {
	return to !== null && ADMIN_PATH.test(to) && !to.startsWith('//') ? to : '/admin';
}
