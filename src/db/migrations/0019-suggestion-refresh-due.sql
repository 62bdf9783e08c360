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

-- The full rebuild (issue 12: ≤ 120 s over the national seed) finds people alike set-based, a batch of people at
-- a time, from the name keys the runtime role may not read (0009). The pairs that can score at least the threshold
-- (suggestion-scoring.ts) are those whose names are alike and who share a date of birth, or where one's name or
-- other name is the other's (or nearly: an other name at trigram similarity 0.7 and over). Looser bars here than
-- the scoring's (0.4 for names): the scoring decides. Ids only, as person_name_matches answers; the scoring reads
-- the people themselves through row-level security. Each pair once, the lesser id first.
CREATE INDEX person_name_key_exact_idx ON person_name_key (partnership_id, search_name) WHERE live;

CREATE FUNCTION suggestion_person_pairs(ids uuid[])
  RETURNS TABLE (a_id uuid, b_id uuid)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    PERFORM set_config('pg_trgm.similarity_threshold', '0.7', true);
    RETURN QUERY
      WITH found AS (
        SELECT x.id AS x_id, y.id AS y_id
          FROM person x
          JOIN person y ON y.partnership_id = x.partnership_id AND y.date_of_birth = x.date_of_birth
                       AND y.id > x.id AND y.merged_into_id IS NULL
         WHERE x.id = ANY(ids) AND x.partnership_id = app_partnership_id() AND x.merged_into_id IS NULL
           AND (similarity(x.search_name, y.search_name) >= 0.4
                OR EXISTS (SELECT 1 FROM person_alias a WHERE a.person_id IN (x.id, y.id) AND a.removed_at IS NULL))
        UNION ALL
        SELECT kx.person_id, ky.person_id
          FROM person_name_key kx
          JOIN person_name_key ky ON ky.partnership_id = kx.partnership_id AND ky.search_name = kx.search_name
                                 AND ky.live AND ky.person_id > kx.person_id
         WHERE kx.person_id = ANY(ids) AND kx.live AND kx.partnership_id = app_partnership_id()
        UNION ALL
        SELECT kx.person_id, ky.person_id
          FROM person_name_key kx
          JOIN person_name_key ky ON ky.partnership_id = kx.partnership_id AND ky.search_name % kx.search_name
                                 AND ky.live AND ky.person_id <> kx.person_id
         WHERE kx.person_id = ANY(ids) AND kx.source = 'alias' AND kx.live
           AND kx.partnership_id = app_partnership_id()
      )
      SELECT DISTINCT least(x_id, y_id), greatest(x_id, y_id) FROM found;
  END
  $$;
REVOKE ALL ON FUNCTION suggestion_person_pairs(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION suggestion_person_pairs(uuid[]) TO openmace_runtime;
