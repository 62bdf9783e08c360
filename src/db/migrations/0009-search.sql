-- Search and duplicate detection at national scale (issue 4: fuzzy person search p95 <= 150 ms, duplicate
-- candidate lookup p95 <= 20 ms on ~1M entities).
--
-- Why a separate name key: under row-level security PostgreSQL evaluates a query's own conditions after the
-- policy's, and may use one as an index condition only when its operator is leakproof. pg_trgm's `%` is not (and
-- only a superuser can mark it so), so `person.search_name % $name` run as the runtime role never uses 0008's
-- trigram index: it scans every person of the partnership (435 ms on the county seed, seconds nationally). The
-- names (and live aliases) are therefore kept in person_name_key, which the runtime role cannot read at all; it
-- asks person_name_matches(), a SECURITY DEFINER function that answers only ids and scores of the transaction's
-- own partnership (app_partnership_id(), as the policies do). The application then reads the people themselves
-- through row-level security and the access policy as usual.

CREATE TABLE person_name_key (
  -- The person's id (their name) or the alias's id.
  id uuid PRIMARY KEY,
  partnership_id uuid NOT NULL,
  person_id uuid NOT NULL,
  source text NOT NULL CHECK (source IN ('name', 'alias')),
  search_name text NOT NULL,
  -- A live person's name, or a live alias (not removed); merged records and removed aliases are not matched.
  live boolean NOT NULL
);
CREATE INDEX person_name_key_trgm_idx ON person_name_key USING gin (search_name gin_trgm_ops) WHERE live;
CREATE INDEX person_name_key_person_idx ON person_name_key (person_id);
REVOKE ALL ON person_name_key FROM openmace_runtime;

INSERT INTO person_name_key (id, partnership_id, person_id, source, search_name, live)
  SELECT id, partnership_id, id, 'name', search_name, merged_into_id IS NULL FROM person;
INSERT INTO person_name_key (id, partnership_id, person_id, source, search_name, live)
  SELECT id, partnership_id, person_id, 'alias', search_name, removed_at IS NULL FROM person_alias;

CREATE FUNCTION person_name_key_from_person() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    INSERT INTO person_name_key (id, partnership_id, person_id, source, search_name, live)
      VALUES (NEW.id, NEW.partnership_id, NEW.id, 'name', NEW.search_name, NEW.merged_into_id IS NULL)
      ON CONFLICT (id) DO UPDATE SET search_name = EXCLUDED.search_name, live = EXCLUDED.live;
    RETURN NULL;
  END
  $$;
CREATE TRIGGER person_name_key AFTER INSERT OR UPDATE OF given_name, family_name, merged_into_id ON person
  FOR EACH ROW EXECUTE FUNCTION person_name_key_from_person();

CREATE FUNCTION person_name_key_from_alias() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    INSERT INTO person_name_key (id, partnership_id, person_id, source, search_name, live)
      VALUES (NEW.id, NEW.partnership_id, NEW.person_id, 'alias', NEW.search_name, NEW.removed_at IS NULL)
      ON CONFLICT (id) DO UPDATE
        SET person_id = EXCLUDED.person_id, search_name = EXCLUDED.search_name, live = EXCLUDED.live;
    RETURN NULL;
  END
  $$;
CREATE TRIGGER person_name_key AFTER INSERT OR UPDATE OF name, person_id, removed_at ON person_alias
  FOR EACH ROW EXECUTE FUNCTION person_name_key_from_alias();

-- People of the transaction's partnership whose name or a live alias is at least `threshold` alike (pg_trgm
-- similarity) to `query`, best first, at most `max_rows`; a person may appear once per matching name. The
-- threshold is given to `%` (pg_trgm.similarity_threshold, for this transaction) so that the GIN index itself
-- drops the rows below it, rather than rechecking them.
CREATE FUNCTION person_name_matches(query text, threshold real, max_rows integer)
  RETURNS TABLE (person_id uuid, score real, source text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  BEGIN
    PERFORM set_config('pg_trgm.similarity_threshold', greatest(least(threshold, 1), 0.1)::text, true);
    RETURN QUERY
      SELECT k.person_id, similarity(k.search_name, query), k.source
        FROM person_name_key k
       WHERE k.live
         AND k.partnership_id = app_partnership_id()
         AND k.search_name % query
       ORDER BY 2 DESC, 1
       LIMIT least(greatest(max_rows, 0), 5000);
  END
  $$;
REVOKE ALL ON FUNCTION person_name_matches(text, real, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION person_name_matches(text, real, integer) TO openmace_runtime;

-- Phones and vehicles by value (0008's unique index has the platform expression in the middle, and an
-- expression with lower() cannot be an index condition under row-level security either).
CREATE INDEX object_kind_value_idx ON object (partnership_id, kind, value);
