-- Policies published before the amount cap (R$ 99.999.999,99 = 9999999999 cents) could hold a
-- larger minInstallmentCents; the schema now refuses one, and a stored policy must still parse.
-- Lowering such a minimum to the cap offers exactly what it offered before: no plan, since a plan
-- has at least two payments and its total fits one slip.
UPDATE "policies" p
SET "body" = jsonb_set(p."body", '{bands}', (
	SELECT jsonb_agg(
		CASE WHEN jsonb_typeof(b->'minInstallmentCents') = 'number' AND (b->>'minInstallmentCents')::numeric > 9999999999
			THEN jsonb_set(b, '{minInstallmentCents}', '9999999999'::jsonb)
			ELSE b END
		ORDER BY i)
	FROM jsonb_array_elements(p."body"->'bands') WITH ORDINALITY AS t(b, i)
))
WHERE jsonb_typeof(p."body"->'bands') = 'array'
	AND EXISTS (
		SELECT 1 FROM jsonb_array_elements(p."body"->'bands') b
		WHERE jsonb_typeof(b->'minInstallmentCents') = 'number' AND (b->>'minInstallmentCents')::numeric > 9999999999
	);
