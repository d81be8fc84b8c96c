CREATE TABLE "return_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL REFERENCES "public"."agencies"("id"),
	"creditor_id" uuid REFERENCES "public"."creditors"("id"),
	"sha256" text NOT NULL,
	"file_name" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"format" text NOT NULL,
	"bank_code" text NOT NULL,
	"bank_name" text,
	"generated_on" date,
	"file_sequence" integer,
	"company" jsonb NOT NULL,
	"record_count" integer NOT NULL,
	"warnings" jsonb NOT NULL,
	"status" text DEFAULT 'importing' NOT NULL,
	"actor_type" text NOT NULL,
	"imported_by" uuid REFERENCES "public"."staff"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "return_files_agency_sha256" ON "return_files" USING btree ("agency_id","sha256");--> statement-breakpoint
CREATE INDEX "return_files_agency_created" ON "return_files" USING btree ("agency_id","created_at");--> statement-breakpoint
CREATE TABLE "return_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_id" uuid NOT NULL REFERENCES "public"."return_files"("id"),
	"line" integer NOT NULL,
	"nosso_numero" text NOT NULL,
	"movement_code" text NOT NULL,
	"movement_kind" text NOT NULL,
	"movement_label" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"paid_cents" bigint NOT NULL,
	"face_value_cents" bigint NOT NULL,
	"occurred_on" date,
	"credited_on" date,
	"installment_id" uuid REFERENCES "public"."installments"("id"),
	"payment_id" uuid REFERENCES "public"."payments"("id"),
	"outcome" text NOT NULL,
	"message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "return_records_file_line" ON "return_records" USING btree ("file_id","line");--> statement-breakpoint
CREATE INDEX "return_records_installment" ON "return_records" USING btree ("installment_id");--> statement-breakpoint
-- boleto_registrations (0015) also keeps the bank's last movement from a return file.
ALTER TABLE "boleto_registrations" ADD COLUMN "movement_code" text;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD COLUMN "movement_label" text;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD COLUMN "occurred_on" date;--> statement-breakpoint
ALTER TABLE "boleto_registrations" ADD COLUMN "record_id" uuid REFERENCES "public"."return_records"("id");--> statement-breakpoint
CREATE TABLE "review_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL REFERENCES "public"."agencies"("id"),
	"creditor_id" uuid REFERENCES "public"."creditors"("id"),
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"paid_on" date,
	"reference" text,
	"payer_document" text,
	"payer_name" text,
	"method" text,
	"external_id" text,
	"installment_id" uuid REFERENCES "public"."installments"("id"),
	"details" jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolved_by" uuid REFERENCES "public"."staff"("id"),
	"resolved_at" timestamp with time zone,
	"resolution_note" text,
	"payment_id" uuid REFERENCES "public"."payments"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "review_items_source_ref" ON "review_items" USING btree ("source","source_ref");--> statement-breakpoint
CREATE INDEX "review_items_open" ON "review_items" USING btree ("agency_id","created_at") WHERE "review_items"."status" = 'open';--> statement-breakpoint
-- Return files name installments by nosso número without its padding: match on the same form.
CREATE INDEX "installments_nosso_numero_key" ON "installments" USING btree (ltrim("nosso_numero", '0'));
