ALTER TABLE "installments" ALTER COLUMN "pix_key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "pix_merchant_name" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "pix_merchant_city" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "boleto_bank_code" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "boleto_agency" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "boleto_account" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ALTER COLUMN "boleto_wallet" SET NOT NULL;