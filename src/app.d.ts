import type { PublicCreditor } from '$lib/server/tenancy';
import type { Session, SessionDebtor } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Locals {
			/** The creditor whose portal this request is for (from /c/{slug} or the host name). */
			creditor: PublicCreditor | null;
			debtor: SessionDebtor | null;
			session: Session | null;
		}
		interface Error {
			message: string;
			errorId?: string;
		}
	}
}

export {};
