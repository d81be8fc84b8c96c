import { db } from '$lib/server/db/client';
import * as tenancy from '$lib/server/tenancy';

export const load = async () => ({ portals: await tenancy.portalDirectory(db()) });
