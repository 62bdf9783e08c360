-- Street terms as partnership reference data (issue 12). The glossary of 0010 (`street_term`) stays as the
-- standard glossary every partnership starts from; each partnership's own copy (`partnership_street_term`) is what
-- screening finds in a concern's words, and what its administrator extends and changes: a term, its variants
-- (other spellings and phrases, lower case, matched on word boundaries like the term itself) and its meaning,
-- versioned, retired rather than deleted.

-- The standard glossary gains the common variants young people use (factual definitions).
UPDATE street_term SET patterns = patterns || '{going ot,gone ot,out there}'::text[] WHERE code = 'going-country';
UPDATE street_term SET patterns = patterns || '{trap houses,bandos}'::text[] WHERE code = 'trap-house';
INSERT INTO street_term (code, term, meaning, patterns, indicator_codes, sort_order) VALUES
  ('shotting', 'Shotting', 'Selling drugs, usually small amounts on the street or from a deal line; a "shotter" is the seller.',
   '{shotting,shotter,shotters}', '{drugs-involvement}', 15);

CREATE TABLE partnership_street_term (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]*$'),
  term text NOT NULL CHECK (length(btrim(term)) BETWEEN 1 AND 100),
  variants text[] NOT NULL DEFAULT '{}' CHECK (cardinality(variants) <= 30),
  meaning text NOT NULL CHECK (length(btrim(meaning)) BETWEEN 1 AND 1000),
  indicator_codes text[] NOT NULL DEFAULT '{}',
  sort_order integer NOT NULL,
  retired_at timestamptz,
  retired_by uuid REFERENCES app_user (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  UNIQUE (partnership_id, code),
  CHECK (retired_by IS NULL OR retired_at IS NOT NULL)
);
-- A term is named once among a partnership's current terms (the service also refuses a term or variant that
-- another current term has, with spaces and hyphens alike).
CREATE UNIQUE INDEX partnership_street_term_current_idx ON partnership_street_term (partnership_id, lower(term))
  WHERE retired_at IS NULL;

-- Existing partnerships: a copy of the standard glossary each (the term itself is no longer a variant).
INSERT INTO partnership_street_term (partnership_id, code, term, variants, meaning, indicator_codes, sort_order)
SELECT p.id, s.code, s.term, array(SELECT v FROM unnest(s.patterns) AS v WHERE v <> lower(s.term)), s.meaning,
       s.indicator_codes, s.sort_order
  FROM partnership p CROSS JOIN street_term s;

-- A new partnership starts with the standard glossary too, whoever makes it: the copy is written under the new
-- partnership's row-level security context, and the caller's context is put back.
CREATE FUNCTION partnership_street_terms_seed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    previous text := coalesce(current_setting('app.partnership_id', true), '');
  BEGIN
    PERFORM set_config('app.partnership_id', NEW.id::text, true);
    INSERT INTO partnership_street_term (partnership_id, code, term, variants, meaning, indicator_codes, sort_order)
    SELECT NEW.id, s.code, s.term, array(SELECT v FROM unnest(s.patterns) AS v WHERE v <> lower(s.term)),
           s.meaning, s.indicator_codes, s.sort_order
      FROM street_term s;
    PERFORM set_config('app.partnership_id', previous, true);
    RETURN NEW;
  END
  $$;
CREATE TRIGGER partnership_street_terms_seed AFTER INSERT ON partnership
  FOR EACH ROW EXECUTE FUNCTION partnership_street_terms_seed();

ALTER TABLE partnership_street_term ENABLE ROW LEVEL SECURITY;
ALTER TABLE partnership_street_term FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON partnership_street_term USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());

-- A term is retired, never deleted: concerns screened with it keep their meaning.
REVOKE DELETE ON partnership_street_term FROM openmace_runtime;
