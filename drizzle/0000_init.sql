CREATE SEQUENCE "public"."nosso_numero_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000 CACHE 1;--> statement-breakpoint
CREATE TABLE "agencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"cnpj" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agencies_cnpj_unique" UNIQUE("cnpj")
);
--> statement-breakpoint
CREATE TABLE "creditors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"legal_name" text NOT NULL,
	"cnpj" text NOT NULL,
	"address" text NOT NULL,
	"display_name" text NOT NULL,
	"logo" text,
	"primary_color" text DEFAULT '#1d4ed8' NOT NULL,
	"slug" text NOT NULL,
	"host" text,
	"pix_key" text NOT NULL,
	"pix_merchant_name" text NOT NULL,
	"pix_merchant_city" text NOT NULL,
	"boleto_bank_code" text DEFAULT '237' NOT NULL,
	"boleto_agency" text DEFAULT '0001' NOT NULL,
	"boleto_account" text DEFAULT '0000001' NOT NULL,
	"boleto_wallet" text DEFAULT '09' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "creditors_slug_unique" UNIQUE("slug"),
	CONSTRAINT "creditors_host_unique" UNIQUE("host")
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"creditor_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debtors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"document" text NOT NULL,
	"name" text NOT NULL,
	"phone" text,
	"email" text,
	"state" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"creditor_id" uuid NOT NULL,
	"debtor_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"description" text NOT NULL,
	"due_date" date NOT NULL,
	"principal_cents" bigint NOT NULL,
	"late_fee_bp" integer,
	"interest_monthly_bp" integer,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreement_debts" (
	"agreement_id" uuid NOT NULL,
	"debt_id" uuid NOT NULL,
	"original_cents" bigint NOT NULL,
	"late_fee_cents" bigint NOT NULL,
	"interest_cents" bigint NOT NULL,
	"updated_cents" bigint NOT NULL,
	CONSTRAINT "agreement_debts_agreement_id_debt_id_pk" PRIMARY KEY("agreement_id","debt_id")
);
--> statement-breakpoint
CREATE TABLE "agreements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"creditor_id" uuid NOT NULL,
	"debtor_id" uuid NOT NULL,
	"policy_version" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"kind" text NOT NULL,
	"updated_total_cents" bigint NOT NULL,
	"discount_cents" bigint NOT NULL,
	"interest_cents" bigint DEFAULT 0 NOT NULL,
	"total_cents" bigint NOT NULL,
	"installment_count" integer NOT NULL,
	"interest_monthly_bp" integer DEFAULT 0 NOT NULL,
	"cet_monthly_ppm" integer,
	"break_tolerance_days" integer NOT NULL,
	"terms" jsonb NOT NULL,
	"accepted_ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agreements_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "installments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agreement_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"due_date" date NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"txid" text NOT NULL,
	"nosso_numero" text NOT NULL,
	"paid_at" timestamp with time zone,
	"paid_cents" bigint,
	CONSTRAINT "installments_txid_unique" UNIQUE("txid")
);
--> statement-breakpoint
CREATE TABLE "debtor_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"debtor_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "otp_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"creditor_id" uuid NOT NULL,
	"debtor_id" uuid,
	"code_hash" text NOT NULL,
	"channel" text NOT NULL,
	"destination_masked" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rate_limits_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"agency_id" uuid,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"entity" text,
	"entity_id" text,
	"ip" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"to" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "creditors" ADD CONSTRAINT "creditors_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debtors" ADD CONSTRAINT "debtors_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debts" ADD CONSTRAINT "debts_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debts" ADD CONSTRAINT "debts_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_debts" ADD CONSTRAINT "agreement_debts_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_debts" ADD CONSTRAINT "agreement_debts_debt_id_debts_id_fk" FOREIGN KEY ("debt_id") REFERENCES "public"."debts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debtor_sessions" ADD CONSTRAINT "debtor_sessions_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debtor_sessions" ADD CONSTRAINT "debtor_sessions_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "otp_challenges" ADD CONSTRAINT "otp_challenges_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "otp_challenges" ADD CONSTRAINT "otp_challenges_creditor_id_creditors_id_fk" FOREIGN KEY ("creditor_id") REFERENCES "public"."creditors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "otp_challenges" ADD CONSTRAINT "otp_challenges_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "creditors_agency_cnpj" ON "creditors" USING btree ("agency_id","cnpj");--> statement-breakpoint
CREATE INDEX "creditors_agency" ON "creditors" USING btree ("agency_id");--> statement-breakpoint
CREATE UNIQUE INDEX "policies_creditor_version" ON "policies" USING btree ("creditor_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "debtors_agency_document" ON "debtors" USING btree ("agency_id","document");--> statement-breakpoint
CREATE UNIQUE INDEX "debts_creditor_external" ON "debts" USING btree ("creditor_id","external_id");--> statement-breakpoint
CREATE INDEX "debts_debtor_status" ON "debts" USING btree ("debtor_id","status");--> statement-breakpoint
CREATE INDEX "agreement_debts_debt" ON "agreement_debts" USING btree ("debt_id");--> statement-breakpoint
CREATE INDEX "agreements_debtor" ON "agreements" USING btree ("debtor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "installments_agreement_seq" ON "installments" USING btree ("agreement_id","seq");--> statement-breakpoint
CREATE INDEX "debtor_sessions_debtor" ON "debtor_sessions" USING btree ("debtor_id");--> statement-breakpoint
CREATE INDEX "audit_log_agency_at" ON "audit_log" USING btree ("agency_id","at");--> statement-breakpoint
CREATE INDEX "outbox_agency_created" ON "outbox" USING btree ("agency_id","created_at");