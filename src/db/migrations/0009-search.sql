-- Search and duplicate detection at national scale (issue 4: fuzzy person search p95 <= 150 ms, duplicate
-- candidate lookup p95 <= 20 ms on ~1M entities). 0008 already has the trigram GIN indexes on person.search_name
-- and person_alias.search_name (for `%` with a similarity threshold), the family-name metaphone index and the
-- date of birth index. These add what the two queries need beyond that.

-- Nearest names first (`ORDER BY search_name <-> $name LIMIT n`) among live records: a K-nearest-neighbour scan
-- of a GiST trigram index reads a few pages for the top n, where a GIN `%` scan must recheck every row that
-- shares enough trigrams with a common name.
CREATE INDEX person_search_name_gist_idx ON person USING gist (search_name gist_trgm_ops)
  WHERE merged_into_id IS NULL;

-- "Sounds alike and born the same year": one index range scan (family-name metaphone, then date of birth).
CREATE INDEX person_family_metaphone_dob_idx
  ON person (partnership_id, dmetaphone(coalesce(family_name, '')), date_of_birth)
  WHERE merged_into_id IS NULL;

-- Live aliases only (removed ones are history, not names to match).
CREATE INDEX person_alias_live_trgm_idx ON person_alias USING gin (search_name gin_trgm_ops)
  WHERE removed_at IS NULL;
