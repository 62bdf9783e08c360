-- A record's flags are listed with their history (removed flags too, after the current ones), so the partial
-- index of 0008 (current flags only) could not serve that query: every child's record page scanned the whole
-- flag table (bench people, national seed: 0.5 ms of database CPU per page, growing with the table). One index on
-- the subject serves both the record's list and the queries for current flags.
DROP INDEX flag_subject_idx;
CREATE INDEX flag_subject_idx ON flag (subject_id, subject_kind);
