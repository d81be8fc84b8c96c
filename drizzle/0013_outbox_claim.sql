-- The sender claims in the queue's order (next_attempt_at, id) and resumes after the last row it took.
DROP INDEX IF EXISTS "outbox_due";--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("next_attempt_at","id") WHERE "outbox"."status" = 'queued';
