ALTER TABLE "debtors" ADD COLUMN "address_street" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "address_number" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "address_complement" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "address_district" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "address_cep" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "address_city" text;--> statement-breakpoint
CREATE TABLE "boleto_settings" (
	"creditor_id" uuid PRIMARY KEY NOT NULL,
	"convenio" text NOT NULL,
	"agency_digit" text DEFAULT '' NOT NULL,
	"account_digit" text DEFAULT '' NOT NULL,
	"wallet_variation" text,
	"species" text,
	"bank_name" text,
	"write_off_after_days" integer DEFAULT 30 NOT NULL,
	"next_file_sequence" integer DEFAULT 1 NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "boleto_settings_next_file_sequence_range" CHECK ("boleto_settings"."next_file_sequence" between 1 and 1000000)
);
--> statement-breakpoint
CREATE TABLE "remessa_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"creditor_id" uuid NOT NULL,
	"file_sequence" integer NOT NULL,
	"file_name" text NOT NULL,
	"content" text NOT NULL,
	"entries" integer NOT NULL,
	"write_offs" integer NOT NULL,
	"total_cents" bigint NOT NULL,
	"left_out" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"discarded_at" timestamp with time zone,
	"discarded_by" uuid
);
--> statement-breakpoint
CREATE TABLE "boleto_registrations" (
	"installment_id" uuid PRIMARY KEY NOT NULL,
	"creditor_id" uuid NOT NULL,
	"status" text NOT NULL,
	"title" jsonb,
	"entry_file_id" uuid,
	"write_off_file_id" uuid,
	"reasons" text[] DEFAULT '{}' NOT NULL,
	"confirmed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "boleto_registrations_status" CHECK ("boleto_registrations"."status" in ('sent', 'confirmed', 'rejected', 'write_off_requested', 'written_off'))
);
--> statement-breakpoint
ALTER TABLE "boleto_settings" ADD CONSTRAINT "boleto_settings_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remessa_files" ADD CONSTRAINT "remessa_files_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD CONSTRAINT "boleto_registrations_installment_id_installments_id_fk" FOREIGN KEY ("installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD CONSTRAINT "boleto_registrations_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD CONSTRAINT "boleto_registrations_entry_file_id_remessa_files_id_fk" FOREIGN KEY ("entry_file_id") REFERENCES "public"."remessa_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD CONSTRAINT "boleto_registrations_write_off_file_id_remessa_files_id_fk" FOREIGN KEY ("write_off_file_id") REFERENCES "public"."remessa_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "remessa_files_creditor_sequence" ON "remessa_files" USING btree ("creditor_id","file_sequence");--> statement-breakpoint
CREATE INDEX "remessa_files_creditor_created" ON "remessa_files" USING btree ("creditor_id","created_at");--> statement-breakpoint
CREATE INDEX "boleto_registrations_creditor_status" ON "boleto_registrations" USING btree ("creditor_id","status");--> statement-breakpoint
CREATE INDEX "boleto_registrations_entry_file" ON "boleto_registrations" USING btree ("entry_file_id");--> statement-breakpoint
CREATE INDEX "boleto_registrations_write_off_file" ON "boleto_registrations" USING btree ("write_off_file_id");
