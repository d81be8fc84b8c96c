-- Pix that no installment could take now wait in the one review queue staff already work
-- (/admin/pagamentos/pendencias), with the return file's records and OFX lines.
INSERT INTO "review_items" ("agency_id", "creditor_id", "source", "source_ref", "reason", "message", "amount_cents", "paid_on", "reference", "payer_document", "payer_name", "method", "external_id", "details", "status", "resolved_at", "resolution_note", "created_at")
SELECT coalesce(pa."agency_id", (SELECT "id" FROM "agencies" ORDER BY "created_at", "id" LIMIT 1)),
	pa."creditor_id",
	'pix',
	r."end_to_end_id",
	r."reason",
	'O PSP confirmou este Pix, mas ele não pôde ser lançado em nenhuma parcela. Associe-o à parcela certa ou descarte-o com o motivo.',
	r."amount_cents",
	(r."paid_at" AT TIME ZONE 'America/Sao_Paulo')::date,
	coalesce(r."txid", r."end_to_end_id"),
	NULL,
	NULL,
	'pix',
	r."end_to_end_id",
	jsonb_build_object('accountId', r."account_id", 'reasonLabel', 'Pix sem parcela correspondente', 'pix', r."pix"),
	CASE WHEN r."resolved_at" IS NULL THEN 'open' ELSE 'discarded' END,
	r."resolved_at",
	CASE WHEN r."resolved_at" IS NULL THEN NULL ELSE 'Resolvido antes da fila única de pendências' END,
	r."created_at"
FROM "pix_review" r
LEFT JOIN "psp_accounts" pa ON pa."id"::text = r."account_id"
WHERE EXISTS (SELECT 1 FROM "agencies")
ON CONFLICT ("source", "source_ref") DO NOTHING;
--> statement-breakpoint
DROP TABLE "pix_review";
