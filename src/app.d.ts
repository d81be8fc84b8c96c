import type { PublicCreditor } from '$lib/server/tenancy';
import type { Session, SessionDebtor } from '$lib/server/auth/session';
import type { StaffPrincipal, StaffSession } from '$lib/server/staff';

declare global {
	namespace App {
		interface Locals {
			/** The creditor whose portal this request is for (from /c/{slug} or the host name). */
			creditor: PublicCreditor | null;
			debtor: SessionDebtor | null;
			session: Session | null;
			/** Staff of the admin area, once the password (and TOTP, when enabled) is verified. */
			staff: (StaffPrincipal & { hasTotp: boolean }) | null;
			staffSession: StaffSession | null;
		}
		interface Error {
			message: string;
			errorId?: string;
		}
	}
}

export {};
