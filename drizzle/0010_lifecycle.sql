ALTER TABLE "agreements" ADD COLUMN "break_tolerance_business_days" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "agreements" ADD COLUMN "payoff_rebate_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agreements" ADD COLUMN "broken_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "kind" text DEFAULT 'regular' NOT NULL;--> statement-breakpoint
CREATE TABLE "debt_credits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"creditor_id" uuid NOT NULL,
	"debtor_id" uuid NOT NULL,
	"debt_id" uuid NOT NULL,
	"agreement_id" uuid,
	"payment_id" uuid,
	"amount_cents" bigint NOT NULL,
	"reason" text NOT NULL,
	"note" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "debt_credits_amount_nonzero" CHECK ("debt_credits"."amount_cents" <> 0)
);
--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_debt_id_debts_id_fk" FOREIGN KEY ("debt_id") REFERENCES "public"."debts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_credits" ADD CONSTRAINT "debt_credits_created_by_staff_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "debt_credits_debt" ON "debt_credits" USING btree ("debt_id");--> statement-breakpoint
CREATE INDEX "debt_credits_agreement" ON "debt_credits" USING btree ("agreement_id");--> statement-breakpoint
CREATE INDEX "debt_credits_debtor" ON "debt_credits" USING btree ("debtor_id");--> statement-breakpoint
CREATE INDEX "agreements_active_status" ON "agreements" USING btree ("status") WHERE "agreements"."status" = 'active';
