-- What the oracle hashed is exactly the readings stored when it settled:
-- `vtn verify` reads only readings received up to this instant (Unix ms), so
-- a reading that arrives after the settlement cannot change the recomputed
-- figures. NULL (entries from before this column) means no cutoff.
ALTER TABLE oracle_entries ADD COLUMN settled_at BIGINT;
