CREATE TABLE "statement_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL REFERENCES "public"."agencies"("id"),
	"creditor_id" uuid REFERENCES "public"."creditors"("id"),
	"sha256" text NOT NULL,
	"file_name" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"format" text NOT NULL,
	"accounts" jsonb NOT NULL,
	"period_start" date,
	"period_end" date,
	"transaction_count" integer NOT NULL,
	"credit_count" integer NOT NULL,
	"debit_count" integer NOT NULL,
	"warnings" jsonb NOT NULL,
	"status" text DEFAULT 'importing' NOT NULL,
	"actor_type" text NOT NULL,
	"imported_by" uuid REFERENCES "public"."staff"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "statement_files_agency_sha256" ON "statement_files" USING btree ("agency_id","sha256");--> statement-breakpoint
CREATE INDEX "statement_files_agency_created" ON "statement_files" USING btree ("agency_id","created_at");--> statement-breakpoint
CREATE TABLE "statement_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_id" uuid NOT NULL REFERENCES "public"."statement_files"("id"),
	"seq" integer NOT NULL,
	"line" integer NOT NULL,
	"agency_id" uuid NOT NULL REFERENCES "public"."agencies"("id"),
	"bank_id" text NOT NULL,
	"account_id" text NOT NULL,
	"entry_key" text NOT NULL,
	"fit_id" text NOT NULL,
	"trn_type" text NOT NULL,
	"posted_on" date NOT NULL,
	"amount_cents" bigint NOT NULL,
	"name" text,
	"memo" text,
	"ref_num" text,
	"end_to_end_id" text,
	"outcome" text NOT NULL,
	"message" text,
	"repeats" uuid REFERENCES "public"."statement_lines"("id"),
	"installment_id" uuid REFERENCES "public"."installments"("id"),
	"payment_id" uuid REFERENCES "public"."payments"("id"),
	"review_item_id" uuid REFERENCES "public"."review_items"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "statement_lines_file_seq" ON "statement_lines" USING btree ("file_id","seq");--> statement-breakpoint
-- The first sighting of a bank entry holds its key: the same entry in an overlapping statement repeats it.
CREATE UNIQUE INDEX "statement_lines_entry" ON "statement_lines" USING btree ("agency_id","bank_id","account_id","entry_key") WHERE "statement_lines"."repeats" is null;--> statement-breakpoint
CREATE INDEX "statement_lines_installment" ON "statement_lines" USING btree ("installment_id");--> statement-breakpoint
-- A Pix end-to-end id is one payment whichever source tells it (webhook, statement, staff): looked up across sources.
CREATE INDEX "payments_external_id" ON "payments" USING btree ("external_id");--> statement-breakpoint
-- A Pix the PSP already queued for a person is found by its end-to-end id when a statement shows it.
CREATE INDEX "review_items_external_id" ON "review_items" USING btree ("external_id");
