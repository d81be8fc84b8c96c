-- The daily break job holds an agreement while money for one of its slips waits in the review
-- queue; it asks by installment, among the open items only.
CREATE INDEX IF NOT EXISTS "review_items_open_installment" ON "review_items" USING btree ("installment_id") WHERE "review_items"."status" = 'open';
