ALTER TABLE "installments" ADD COLUMN "psp_kind" text;--> statement-breakpoint
CREATE TABLE "pix_recurrences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agreement_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"entry_installment_id" uuid NOT NULL,
	"entry_txid" text NOT NULL,
	"locrec_id" text,
	"id_rec" text,
	"status" text,
	"copia_e_cola" text,
	"politica_retentativa" text NOT NULL,
	"cancelled_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pix_recurrences_agreement_id_unique" UNIQUE("agreement_id"),
	CONSTRAINT "pix_recurrences_id_rec_unique" UNIQUE("id_rec")
);
--> statement-breakpoint
ALTER TABLE "pix_recurrences" ADD CONSTRAINT "pix_recurrences_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pix_recurrences" ADD CONSTRAINT "pix_recurrences_entry_installment_id_installments_id_fk" FOREIGN KEY ("entry_installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pix_recurrences_status" ON "pix_recurrences" USING btree ("status");--> statement-breakpoint
CREATE TABLE "pix_recurring_charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recurrence_id" uuid NOT NULL,
	"installment_id" uuid NOT NULL,
	"txid" text NOT NULL,
	"due_date" date NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text,
	"end_to_end_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pix_recurring_charges_txid_unique" UNIQUE("txid")
);
--> statement-breakpoint
ALTER TABLE "pix_recurring_charges" ADD CONSTRAINT "pix_recurring_charges_recurrence_id_pix_recurrences_id_fk" FOREIGN KEY ("recurrence_id") REFERENCES "public"."pix_recurrences"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pix_recurring_charges" ADD CONSTRAINT "pix_recurring_charges_installment_id_installments_id_fk" FOREIGN KEY ("installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pix_recurring_charges_once" ON "pix_recurring_charges" USING btree ("recurrence_id","installment_id");
