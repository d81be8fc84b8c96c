-- A remessa may ask the bank for a title's new nominal value (47) after a partial payment; kept per
-- file (from, to) so a discarded file puts the registered amount back.
ALTER TABLE "remessa_files" ADD COLUMN "amount_changes" jsonb DEFAULT '[]'::jsonb NOT NULL;
