ALTER TABLE "imports" ADD COLUMN "warnings" jsonb;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "debtors_kept" integer;