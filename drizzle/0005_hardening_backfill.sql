-- Installments issued before payment destinations were frozen keep the creditor's settings of today:
-- the best record there is of where their slips point.
UPDATE "installments" i SET
	"pix_key" = c."pix_key",
	"pix_merchant_name" = c."pix_merchant_name",
	"pix_merchant_city" = c."pix_merchant_city",
	"boleto_bank_code" = c."boleto_bank_code",
	"boleto_agency" = c."boleto_agency",
	"boleto_account" = c."boleto_account",
	"boleto_wallet" = c."boleto_wallet"
FROM "agreements" a JOIN "creditors" c ON c."id" = a."creditor_id"
WHERE a."id" = i."agreement_id" AND i."pix_key" IS NULL;
--> statement-breakpoint
-- Whose portfolio set each debtor's name and contacts: the creditor of their first debt.
UPDATE "debtors" d SET "data_creditor_id" = (
	SELECT t."creditor_id" FROM "debts" t WHERE t."debtor_id" = d."id" ORDER BY t."created_at", t."id" LIMIT 1
) WHERE d."data_creditor_id" IS NULL;
--> statement-breakpoint
-- Messages already sent: the creditor of the portal whose code it was, when the text names it.
UPDATE "outbox" o SET "creditor_id" = (
	SELECT c."id" FROM "creditors" c WHERE c."agency_id" = o."agency_id" AND position(c."display_name" in o."text") > 0
	ORDER BY length(c."display_name") DESC LIMIT 1
) WHERE o."creditor_id" IS NULL;
