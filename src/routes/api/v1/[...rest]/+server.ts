import * as api from '$lib/server/api/http';

export const fallback = api.notFound;
