import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as uploads from '$lib/server/uploads';

export const load = async () => {
	const me = requireStaff('read');
	const [creditors, history] = await Promise.all([creditorsInReach(db(), me), uploads.list(db(), me)]);
	return {
		canUpload: can(me, 'upload_portfolio'),
		pieceBytes: uploads.PIECE_BYTES,
		maxBytes: uploads.MAX_FILE_BYTES,
		creditors: creditors.map((c) => ({ id: c.id, displayName: c.displayName })),
		history: history.map((h) => ({ ...h, statusLabel: uploads.STATUS_LABELS[h.status], createdAt: h.createdAt.toISOString(), finishedAt: h.finishedAt?.toISOString() ?? null }))
	};
};
