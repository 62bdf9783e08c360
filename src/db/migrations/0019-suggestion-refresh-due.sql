-- Suggested links, continued (issue 12, i12s): a record whose suggestions could not be worked out again after it
-- was saved (refreshFor failed once the save had committed) is kept here, to be retried by the background job and,
-- failing that, by the next full rebuild. The user's save never fails for it. Under forced row-level security by
-- partnership, as every case table.
CREATE TABLE suggestion_refresh_due (
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL CHECK (kind IN ('person', 'location', 'object')),
  record_id uuid NOT NULL,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  -- The failure's message (never record content: the error's own words, cut short).
  error text NOT NULL CHECK (length(error) <= 500),
  PRIMARY KEY (partnership_id, kind, record_id)
);
CREATE INDEX suggestion_refresh_due_oldest_idx ON suggestion_refresh_due (last_failed_at);

ALTER TABLE suggestion_refresh_due ENABLE ROW LEVEL SECURITY;
ALTER TABLE suggestion_refresh_due FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON suggestion_refresh_due USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());

-- The full rebuild (issue 12: ≤ 120 s over the national seed) finds people alike set-based, in one statement over
-- the partnership (hash joins, not a lookup a person), from the name keys the runtime role may not read (0009).
-- The pairs that can score at least the threshold (suggestion-scoring.ts) are those whose names are alike and who
-- share a date of birth, or where one's name or other name is the other's (or nearly: an other name at trigram
-- similarity 0.7 and over) and one date of birth is not known. Blocked here as: the same date of birth and the
-- same given or family name; an other name, or the name of a person whose date of birth is not known, the same as
-- another's name or other name; an other name alike to another's name or other name. The scoring decides. Ids
-- only, as person_name_matches answers; the scoring reads the people themselves through row-level security. Each
-- pair once, the lesser id first.
CREATE INDEX person_name_key_exact_idx ON person_name_key (partnership_id, search_name) WHERE live;

CREATE FUNCTION suggestion_person_pairs()
  RETURNS TABLE (a_id uuid, b_id uuid)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    PERFORM set_config('pg_trgm.similarity_threshold', '0.7', true);
    RETURN QUERY
      WITH live AS (
        SELECT id, date_of_birth, lower(given_name) AS given, lower(family_name) AS family FROM person
         WHERE partnership_id = app_partnership_id() AND merged_into_id IS NULL
      ),
      keys AS (
        SELECT k.person_id, k.source, k.search_name FROM person_name_key k
         WHERE k.live AND k.partnership_id = app_partnership_id()
      ),
      -- The few keys that may match without a shared date of birth: other names, and people born when not known.
      loose AS (
        SELECT k.* FROM keys k WHERE k.source = 'alias'
        UNION ALL
        SELECT k.* FROM keys k JOIN live p ON p.id = k.person_id WHERE p.date_of_birth IS NULL AND k.source = 'name'
      ),
      found AS (
        SELECT x.id AS x_id, y.id AS y_id FROM live x
          JOIN live y ON y.date_of_birth = x.date_of_birth AND y.family = x.family AND y.id > x.id
        UNION ALL
        SELECT x.id, y.id FROM live x
          JOIN live y ON y.date_of_birth = x.date_of_birth AND y.given = x.given AND y.id > x.id
        UNION ALL
        SELECT l.person_id, k.person_id FROM loose l
          JOIN person_name_key k ON k.partnership_id = app_partnership_id() AND k.live
                                AND k.search_name = l.search_name AND k.person_id <> l.person_id
        UNION ALL
        SELECT l.person_id, k.person_id FROM loose l
          JOIN person_name_key k ON k.partnership_id = app_partnership_id() AND k.live
                                AND k.search_name % l.search_name AND k.person_id <> l.person_id
         WHERE l.source = 'alias'
      )
      SELECT DISTINCT least(x_id, y_id), greatest(x_id, y_id) FROM found;
  END
  $$;
REVOKE ALL ON FUNCTION suggestion_person_pairs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION suggestion_person_pairs() TO openmace_runtime;

-- An object's compacted value as a column (0017 indexed the expression, but under row-level security an
-- expression on a non-leakproof function is never an index condition: refreshFor of a thing read every object of
-- the partnership, ≈ 1 s at national scale). A plain column's equality is.
ALTER TABLE object ADD COLUMN compact_value text
  GENERATED ALWAYS AS (upper(regexp_replace(value, '[^0-9A-Za-z]', '', 'g'))) STORED;
CREATE INDEX object_compact_value_column_idx ON object (partnership_id, compact_value);
