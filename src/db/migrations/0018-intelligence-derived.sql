-- What derives from intelligence, continued (issue 12): flags and descriptions of places and things based on an
-- entry, and an entry's new versions. As in 0015, a derived row carries its entry and is visible only where the
-- entry is (a restrictive policy asking the entry's own); the policy module decides again (decideDerived).

-- An entry is never edited once recorded (it is shared the moment it is: its subjects' MACE members may read it).
-- A new version supersedes it: the old is kept, readable to its handlers and author only, with `superseded_by`
-- naming its successor; what derived from it (links, flags, descriptions) moves onto the new version.
ALTER TABLE intelligence ADD COLUMN superseded_by uuid REFERENCES intelligence (id);
CREATE UNIQUE INDEX intelligence_superseded_by_idx ON intelligence (superseded_by) WHERE superseded_by IS NOT NULL;

CREATE FUNCTION intelligence_never_edited() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF (NEW.id, NEW.partnership_id, NEW.reported_on, NEW.reporting_agency_id, NEW.sanitised_text, NEW.full_text,
        NEW.source_reference, NEW.source_evaluation, NEW.intelligence_assessment, NEW.handling_code,
        NEW.restriction, NEW.recorded_by, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.partnership_id, OLD.reported_on, OLD.reporting_agency_id, OLD.sanitised_text, OLD.full_text,
        OLD.source_reference, OLD.source_evaluation, OLD.intelligence_assessment, OLD.handling_code,
        OLD.restriction, OLD.recorded_by, OLD.created_at, OLD.created_by) THEN
      RAISE EXCEPTION 'an intelligence entry is never edited: record a new version' USING ERRCODE = '55000';
    END IF;
    IF OLD.superseded_by IS NOT NULL AND NEW.superseded_by IS DISTINCT FROM OLD.superseded_by THEN
      RAISE EXCEPTION 'this version of the entry has already been superseded' USING ERRCODE = '40001';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER intelligence_never_edited BEFORE UPDATE ON intelligence
  FOR EACH ROW EXECUTE FUNCTION intelligence_never_edited();

-- A superseded version is its handlers' and its author's only (a MACE member sees the current version).
CREATE POLICY current_version ON intelligence AS RESTRICTIVE FOR SELECT
  USING (superseded_by IS NULL OR recorded_by = app_actor_id()
         OR EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = app_actor_id() AND ur.role = 'police-intelligence'));

-- A place's or thing's description written from an entry ("used by the suspect …"): kept apart from the record's
-- own description, so that row-level security can hide it (a column cannot be), and shown only where its entry is.
-- One a record; a new one from another entry replaces it.
CREATE TABLE intelligence_description (
  entity_kind text NOT NULL CHECK (entity_kind IN ('location', 'object')),
  entity_id uuid NOT NULL,
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  intelligence_id uuid NOT NULL REFERENCES intelligence (id),
  description text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 2000),
  -- Who wrote it and when (a replacement is a new writing: version moves on).
  written_by uuid REFERENCES app_user (id),
  written_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  is_demo boolean NOT NULL DEFAULT false,
  PRIMARY KEY (entity_kind, entity_id)
);
CREATE INDEX intelligence_description_entry_idx ON intelligence_description (intelligence_id);

-- The record must exist in the partnership (the subjects' check: the same columns).
CREATE TRIGGER intelligence_description_check BEFORE INSERT OR UPDATE ON intelligence_description
  FOR EACH ROW EXECUTE FUNCTION intelligence_subject_check();

REVOKE DELETE ON intelligence_description FROM openmace_runtime;
ALTER TABLE intelligence_description ENABLE ROW LEVEL SECURITY;
ALTER TABLE intelligence_description FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON intelligence_description
  USING (partnership_id = app_partnership_id()) WITH CHECK (partnership_id = app_partnership_id());
CREATE POLICY intelligence_handling ON intelligence_description AS RESTRICTIVE FOR SELECT
  USING (EXISTS (SELECT 1 FROM intelligence i WHERE i.id = intelligence_description.intelligence_id));

-- Flags and descriptions recorded before they could carry an entry, that are police intelligence (written by a
-- holder of the police-intelligence role, or saying they come from intelligence), become entries of their own,
-- as 0015 did for graded links: handling P, graded 2/C (an untested source, known indirectly: nothing better is
-- known of them), the text as both the sanitised and full text, by the writer's agency, about the record. A flag's
-- entry takes the flag's id; a description's entry the record's id, and the description moves into
-- intelligence_description (the record's own description is emptied). Separate statements, so that each sees the
-- rows the one before wrote. Returns how many flags and descriptions it converted.
CREATE FUNCTION intelligence_from_police_records() RETURNS integer
  LANGUAGE plpgsql
  AS $$
  DECLARE
    converted integer;
  BEGIN
    CREATE TEMPORARY TABLE IF NOT EXISTS intelligence_derived_source (
      id uuid, partnership_id uuid, entity_kind text, entity_id uuid, body text, agency_id uuid, by_user uuid,
      at timestamptz, is_demo boolean, is_flag boolean
    ) ON COMMIT DROP;
    TRUNCATE intelligence_derived_source;

    INSERT INTO intelligence_derived_source
    SELECT f.id, f.partnership_id, f.subject_kind, f.subject_id, f.reason, u.agency_id, f.set_by, f.set_at,
           f.is_demo, true
      FROM flag f LEFT JOIN app_user u ON u.id = f.set_by
     WHERE f.intelligence_id IS NULL
       AND (f.reason ~* 'intelligence'
            OR EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = f.set_by AND ur.role = 'police-intelligence'));

    INSERT INTO intelligence_derived_source
    SELECT t.id, t.partnership_id, t.kind, t.id, t.description, u.agency_id, t.created_by, t.created_at,
           t.is_demo, false
      FROM (SELECT 'location' AS kind, id, partnership_id, description, created_by, created_at, is_demo FROM location
            UNION ALL
            SELECT 'object', id, partnership_id, description, created_by, created_at, is_demo FROM object) t
      LEFT JOIN app_user u ON u.id = t.created_by
     WHERE t.description IS NOT NULL AND length(btrim(t.description)) BETWEEN 1 AND 2000
       AND NOT EXISTS (SELECT 1 FROM intelligence_description d WHERE d.entity_kind = t.kind AND d.entity_id = t.id)
       AND (t.description ~* 'intelligence|suspect'
            OR EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = t.created_by AND ur.role = 'police-intelligence'));

    INSERT INTO intelligence (id, partnership_id, reported_on, reporting_agency_id, sanitised_text, full_text,
                              source_evaluation, intelligence_assessment, handling_code, recorded_by, is_demo,
                              created_at, created_by, updated_at, updated_by)
    SELECT s.id, s.partnership_id, (s.at AT TIME ZONE 'Europe/London')::date,
           coalesce(s.agency_id, (SELECT a.id FROM agency a WHERE a.partnership_id = s.partnership_id
                                   ORDER BY a.created_at, a.id LIMIT 1)),
           s.body, s.body, '2', 'C', 'P', s.by_user, s.is_demo, s.at, s.by_user, s.at, s.by_user
      FROM intelligence_derived_source s;

    INSERT INTO intelligence_subject (intelligence_id, partnership_id, entity_kind, entity_id)
    SELECT s.id, s.partnership_id, s.entity_kind, s.entity_id FROM intelligence_derived_source s;

    UPDATE flag f SET intelligence_id = s.id
      FROM intelligence_derived_source s WHERE s.is_flag AND f.id = s.id;

    INSERT INTO intelligence_description (entity_kind, entity_id, partnership_id, intelligence_id, description,
                                          written_by, written_at, is_demo)
    SELECT s.entity_kind, s.entity_id, s.partnership_id, s.id, s.body, s.by_user, s.at, s.is_demo
      FROM intelligence_derived_source s WHERE NOT s.is_flag;

    UPDATE location l SET description = NULL
      FROM intelligence_derived_source s WHERE NOT s.is_flag AND s.entity_kind = 'location' AND l.id = s.id;
    UPDATE object o SET description = NULL
      FROM intelligence_derived_source s WHERE NOT s.is_flag AND s.entity_kind = 'object' AND o.id = s.id;

    SELECT count(*)::integer INTO converted FROM intelligence_derived_source;
    RETURN converted;
  END
  $$;
SELECT intelligence_from_police_records();
