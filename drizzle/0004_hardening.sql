ALTER TABLE "debtors" ADD COLUMN "data_creditor_id" uuid;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "pix_key" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "pix_merchant_name" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "pix_merchant_city" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "boleto_bank_code" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "boleto_agency" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "boleto_account" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "boleto_wallet" text;--> statement-breakpoint
ALTER TABLE "otp_challenges" ADD COLUMN "document_key" text;--> statement-breakpoint
ALTER TABLE "otp_challenges" ADD COLUMN "code_challenge_id" uuid;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "creditor_id" uuid;--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "totp_last_step" bigint;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "update_shared" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "file_purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "debtors" ADD CONSTRAINT "debtors_data_creditor_id_creditors_id_fk" FOREIGN KEY ("data_creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "otp_challenges_document_created" ON "otp_challenges" USING btree ("document_key","created_at");--> statement-breakpoint
CREATE INDEX "otp_challenges_expires" ON "otp_challenges" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "debts" ADD CONSTRAINT "debts_principal_range" CHECK ("debts"."principal_cents" between 1 and 9999999999);--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_total_range" CHECK ("agreements"."total_cents" between 1 and 9999999999);--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_amount_range" CHECK ("installments"."amount_cents" between 1 and 9999999999);