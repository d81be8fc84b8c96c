ALTER TABLE "installments" ADD COLUMN "psp_account" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "psp_txid" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "psp_location" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "psp_status" text;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "psp_amount_cents" bigint;--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_psp_txid_unique" UNIQUE("psp_txid");--> statement-breakpoint
CREATE TABLE "psp_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"creditor_id" uuid,
	"sealed" text NOT NULL,
	"label" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "psp_accounts" ADD CONSTRAINT "psp_accounts_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psp_accounts" ADD CONSTRAINT "psp_accounts_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psp_accounts" ADD CONSTRAINT "psp_accounts_created_by_staff_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "psp_accounts_agency" ON "psp_accounts" USING btree ("agency_id") WHERE creditor_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX "psp_accounts_creditor" ON "psp_accounts" USING btree ("creditor_id") WHERE creditor_id is not null;--> statement-breakpoint
CREATE TABLE "psp_webhooks" (
	"account_id" text NOT NULL,
	"chave" text NOT NULL,
	"url_hash" text NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "psp_webhooks_account_id_chave_pk" PRIMARY KEY("account_id","chave")
);
--> statement-breakpoint
CREATE TABLE "psp_sweeps" (
	"account_id" text PRIMARY KEY NOT NULL,
	"swept_until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pix_review" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"end_to_end_id" text NOT NULL,
	"txid" text,
	"amount_cents" bigint NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"pix" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "pix_review_end_to_end" ON "pix_review" USING btree ("end_to_end_id");
