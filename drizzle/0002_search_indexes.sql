-- Back-office search (issue 3 §5) on a million debtors, and the debtor page's timeline.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PG 13: the
-- embedded PostgreSQL 18 and Debian's PostgreSQL 15 both have it.
create extension if not exists pg_trgm;
--> statement-breakpoint
-- Accent- and case-insensitive form of a name, without the unaccent extension (whose
-- unaccent() is only STABLE and cannot be indexed): Portuguese accents folded by translate().
create or replace function acerto_fold(text) returns text
	language sql immutable strict parallel safe
	as $$ select lower(translate($1,
		'ÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑáàâãäéèêëíìîïóòôõöúùûüçñ',
		'AAAAAEEEEIIIIOOOOOUUUUCNaaaaaeeeeiiiiooooouuuucn')) $$;
--> statement-breakpoint
-- Name: any part of it ("silva", "conceicao"), with or without accents.
create index if not exists debtors_name_trgm on debtors using gin (acerto_fold(name) gin_trgm_ops);
--> statement-breakpoint
-- Contract id (the creditor's debt_id), exact or partial, across the agency's creditors.
create index if not exists debts_external_id_trgm on debts using gin (external_id gin_trgm_ops);
--> statement-breakpoint
-- The debtor page: every installment of an agreement, cancelled ones included (the only index
-- so far is partial, on live rows).
create index if not exists installments_agreement on installments (agreement_id);
--> statement-breakpoint
-- The debtor page and the LGPD export: messages sent to the debtor's phone or e-mail ...
create index if not exists outbox_agency_to on outbox (agency_id, "to");
--> statement-breakpoint
-- ... the debtor's own portal logins (actor) and what staff did about them (entity).
create index if not exists audit_log_debtor_actor on audit_log (actor_id, at) where actor_type = 'debtor';
--> statement-breakpoint
create index if not exists audit_log_entity on audit_log (entity_id, at) where entity_id is not null;
--> statement-breakpoint
-- Which portal (creditor) a debtor's login went through: the consumed one-time code.
create index if not exists otp_challenges_debtor on otp_challenges (debtor_id, consumed_at) where debtor_id is not null;
--> statement-breakpoint
-- Creditor-scoped staff: "does this debtor owe this creditor?" answered from the index alone
-- (search results and every scoped debtor lookup).
create index if not exists debts_debtor_creditor on debts (debtor_id, creditor_id);
