-- Intelligence entries with 3x5x2 grading and handling conditions, and the provenance of what derives from them.
-- Who may see an entry is decided twice: by decideIntelligence in src/platform/access/policy.ts, and here by
-- row-level security on the entry, which every derived row (a link, a flag) repeats through its intelligence_id:
-- a derived row is visible only where its entry is. The policies' helper functions that read the conditions and
-- agendas are SECURITY DEFINER (the owner role, which bypasses row-level security as the migrations' owner
-- does), since those tables' own policies ask about the entry.

CREATE FUNCTION app_actor_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.actor_id', true), '')::uuid $$;

CREATE TABLE intelligence (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  reported_on date NOT NULL,
  reporting_agency_id uuid NOT NULL REFERENCES agency (id),
  -- Shareable at MACE (no source-identifying detail), and the full text for handlers only.
  sanitised_text text NOT NULL CHECK (length(btrim(sanitised_text)) BETWEEN 1 AND 5000),
  full_text text NOT NULL CHECK (length(btrim(full_text)) BETWEEN 1 AND 20000),
  -- The source's reference, kept apart: never shown outside handlers.
  source_reference text CHECK (source_reference IS NULL OR length(btrim(source_reference)) BETWEEN 1 AND 200),
  source_evaluation text NOT NULL CHECK (source_evaluation IN ('1', '2', '3')),
  intelligence_assessment text NOT NULL CHECK (intelligence_assessment IN ('A', 'B', 'C', 'D', 'E')),
  handling_code text NOT NULL CHECK (handling_code IN ('P', 'C')),
  -- Handling C: any further restriction, beside the agencies and agency types of intelligence_condition.
  restriction text CHECK (restriction IS NULL OR length(btrim(restriction)) BETWEEN 1 AND 2000),
  recorded_by uuid REFERENCES app_user (id),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX intelligence_partnership_idx ON intelligence (partnership_id, reported_on DESC);

-- Handling C conditions: an agency or an agency type that may receive the entry ('allow') or may not ('deny').
CREATE TABLE intelligence_condition (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  intelligence_id uuid NOT NULL REFERENCES intelligence (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  effect text NOT NULL CHECK (effect IN ('allow', 'deny')),
  agency_id uuid REFERENCES agency (id),
  agency_type text REFERENCES agency_type (code),
  CHECK ((agency_id IS NULL) <> (agency_type IS NULL))
);
CREATE INDEX intelligence_condition_entry_idx ON intelligence_condition (intelligence_id);

-- The people, locations and objects an entry concerns.
CREATE TABLE intelligence_subject (
  intelligence_id uuid NOT NULL REFERENCES intelligence (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  entity_kind text NOT NULL CHECK (entity_kind IN ('person', 'location', 'object')),
  entity_id uuid NOT NULL,
  PRIMARY KEY (intelligence_id, entity_kind, entity_id)
);
CREATE INDEX intelligence_subject_entity_idx ON intelligence_subject (entity_id);

CREATE FUNCTION intelligence_subject_check() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF NOT entity_exists(NEW.entity_kind, NEW.entity_id, NEW.partnership_id) THEN
      RAISE EXCEPTION 'intelligence subject does not exist in this partnership' USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER intelligence_subject_check BEFORE INSERT OR UPDATE ON intelligence_subject
  FOR EACH ROW EXECUTE FUNCTION intelligence_subject_check();

-- An entry is never edited once recorded (a correction is a new entry): only its demo mark and version move.
REVOKE UPDATE, DELETE ON intelligence_condition, intelligence_subject FROM openmace_runtime;
REVOKE DELETE ON intelligence FROM openmace_runtime;

-- Whether the handling conditions of an entry let an agency receive it: P always; C when no condition refuses
-- the agency (by id or type) and, if any condition allows, one allows it.
CREATE FUNCTION intelligence_agency_allowed(entry uuid, handling text, agency uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT handling = 'P' OR (
      NOT EXISTS (SELECT 1 FROM intelligence_condition c JOIN agency a ON a.id = agency
                   WHERE c.intelligence_id = entry AND c.effect = 'deny'
                     AND (c.agency_id = a.id OR c.agency_type = a.agency_type))
      AND (NOT EXISTS (SELECT 1 FROM intelligence_condition c WHERE c.intelligence_id = entry AND c.effect = 'allow')
           OR EXISTS (SELECT 1 FROM intelligence_condition c JOIN agency a ON a.id = agency
                       WHERE c.intelligence_id = entry AND c.effect = 'allow'
                         AND (c.agency_id = a.id OR c.agency_type = a.agency_type))))
  $$;

-- The transaction's actor is a member of a current MACE agenda with a child the entry concerns. It reads the
-- subjects and agendas as the function's owner: the subjects' own policy asks about the entry, whose policy asks
-- this (a policy may not read a table whose policy reads it back).
CREATE FUNCTION intelligence_on_actors_agenda(entry uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (SELECT 1 FROM intelligence_subject s
                     JOIN agenda_item ai ON ai.person_id = s.entity_id AND ai.partnership_id = s.partnership_id
                     JOIN meeting m ON m.id = ai.meeting_id AND m.status <> 'closed'
                     JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.user_id = app_actor_id()
                    WHERE s.intelligence_id = entry AND s.entity_kind = 'person'
                      AND s.partnership_id = app_partnership_id())
  $$;

-- Who may see an entry (decideIntelligence): its handlers (police intelligence) and its author in full; a member
-- of a current MACE agenda with a child the entry concerns, when the conditions allow their agency; nobody else.
CREATE FUNCTION intelligence_row_visible(entry uuid, handling text, author uuid) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$
    SELECT author = app_actor_id()
      OR EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = app_actor_id() AND ur.role = 'police-intelligence')
      OR (intelligence_agency_allowed(entry, handling, (SELECT u.agency_id FROM app_user u WHERE u.id = app_actor_id()))
          AND intelligence_on_actors_agenda(entry))
  $$;

ALTER TABLE intelligence ENABLE ROW LEVEL SECURITY;
ALTER TABLE intelligence FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON intelligence
  USING (partnership_id = app_partnership_id()) WITH CHECK (partnership_id = app_partnership_id());
CREATE POLICY handling ON intelligence AS RESTRICTIVE FOR SELECT
  USING (intelligence_row_visible(id, handling_code, recorded_by));

-- Conditions and subjects are seen only with their entry (so nobody learns that a child has intelligence).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['intelligence_condition', 'intelligence_subject'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY partnership_isolation ON %I USING (partnership_id = app_partnership_id()) '
      'WITH CHECK (partnership_id = app_partnership_id())', t);
    EXECUTE format(
      'CREATE POLICY handling ON %I AS RESTRICTIVE FOR SELECT '
      'USING (EXISTS (SELECT 1 FROM intelligence i WHERE i.id = intelligence_id))', t);
  END LOOP;
END
$$;

-- What derives from an entry carries it, and is visible only where the entry is (the entry's own policy decides:
-- the subquery runs under it).
ALTER TABLE link ADD COLUMN intelligence_id uuid REFERENCES intelligence (id);
ALTER TABLE flag ADD COLUMN intelligence_id uuid REFERENCES intelligence (id);
CREATE INDEX link_intelligence_idx ON link (intelligence_id) WHERE intelligence_id IS NOT NULL;
CREATE INDEX flag_intelligence_idx ON flag (intelligence_id) WHERE intelligence_id IS NOT NULL;

CREATE POLICY intelligence_handling ON link AS RESTRICTIVE FOR SELECT
  USING (intelligence_id IS NULL OR EXISTS (SELECT 1 FROM intelligence i WHERE i.id = link.intelligence_id));
CREATE POLICY intelligence_handling ON flag AS RESTRICTIVE FOR SELECT
  USING (intelligence_id IS NULL OR EXISTS (SELECT 1 FROM intelligence i WHERE i.id = flag.intelligence_id));

-- Graded links without an entry (recorded before entries existed, or loaded in bulk by the demo's scale seed)
-- become entries of their own, each with its link's id: handling P, the link's source as both texts, its agency
-- or its author's (or the partnership's first), about both ends; the link then derives from its entry. Separate
-- statements, so that each sees the rows the one before wrote (a link's new row must see its entry). Returns how
-- many links it converted.
CREATE FUNCTION intelligence_from_graded_links() RETURNS integer
  LANGUAGE sql
  AS $$
    INSERT INTO intelligence (id, partnership_id, reported_on, reporting_agency_id, sanitised_text, full_text,
                              source_evaluation, intelligence_assessment, handling_code, recorded_by, is_demo,
                              created_at, created_by, updated_at, updated_by)
    SELECT l.id, l.partnership_id, (l.created_at AT TIME ZONE 'Europe/London')::date,
           coalesce(l.source_agency_id, u.agency_id,
                    (SELECT a.id FROM agency a WHERE a.partnership_id = l.partnership_id
                      ORDER BY a.created_at, a.id LIMIT 1)),
           l.source, l.source, l.source_evaluation, l.intelligence_assessment, 'P', l.created_by, l.is_demo,
           l.created_at, l.created_by, l.created_at, l.created_by
      FROM link l LEFT JOIN app_user u ON u.id = l.created_by
     WHERE l.source_evaluation IS NOT NULL AND l.intelligence_assessment IS NOT NULL AND l.intelligence_id IS NULL;

    INSERT INTO intelligence_subject (intelligence_id, partnership_id, entity_kind, entity_id)
    SELECT l.id, l.partnership_id, l.from_kind, l.from_id FROM link l
     WHERE l.source_evaluation IS NOT NULL AND l.intelligence_assessment IS NOT NULL AND l.intelligence_id IS NULL
    UNION
    SELECT l.id, l.partnership_id, l.to_kind, l.to_id FROM link l
     WHERE l.source_evaluation IS NOT NULL AND l.intelligence_assessment IS NOT NULL AND l.intelligence_id IS NULL;

    WITH linked AS (
      UPDATE link SET intelligence_id = id
       WHERE source_evaluation IS NOT NULL AND intelligence_assessment IS NOT NULL AND intelligence_id IS NULL
      RETURNING 1
    )
    SELECT count(*)::integer FROM linked;
  $$;
SELECT intelligence_from_graded_links();
