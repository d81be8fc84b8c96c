ALTER TABLE "agreement_debts" ADD COLUMN "credit_cents" bigint DEFAULT 0 NOT NULL;
