-- People (the first case table), the relationships the access policy reads (involved agencies, current MACE
-- agendas), and break-glass grants. Every table here carries partnership_id under forced row-level security:
-- the runtime role sees only the rows of the partnership its transaction names (app.partnership_id), and
-- nothing at all without one.

CREATE FUNCTION app_partnership_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.partnership_id', true), '')::uuid $$;

CREATE TABLE person_kind (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO person_kind (code, label, sort_order) VALUES
  ('child', 'Child or young person', 1),
  ('adult-of-concern', 'Adult of concern', 2),
  ('parent-carer', 'Parent or carer', 3),
  ('associate', 'Associate', 4);
REVOKE INSERT, UPDATE, DELETE ON person_kind FROM openmace_runtime;

CREATE TABLE person (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL REFERENCES person_kind (code),
  given_name text NOT NULL CHECK (length(btrim(given_name)) BETWEEN 1 AND 100),
  family_name text CHECK (family_name IS NULL OR length(btrim(family_name)) BETWEEN 1 AND 100),
  date_of_birth date CHECK (date_of_birth IS NULL OR date_of_birth >= DATE '1900-01-01'),
  -- When the date of birth is unknown: an estimated age in years on a given date.
  estimated_age smallint CHECK (estimated_age IS NULL OR estimated_age BETWEEN 0 AND 120),
  estimated_age_on date,
  gender text CHECK (gender IS NULL OR length(gender) <= 40),
  -- NHS number: 10 digits with a modulus 11 check digit (checked by the application), unique among live records.
  nhs_number text CHECK (nhs_number IS NULL OR nhs_number ~ '^[0-9]{10}$'),
  allocated_worker_id uuid REFERENCES app_user (id),
  allocated_team_id uuid REFERENCES team (id),
  merged_into_id uuid REFERENCES person (id),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  CHECK (estimated_age IS NULL OR estimated_age_on IS NOT NULL),
  CHECK (merged_into_id IS NULL OR merged_into_id <> id)
);
CREATE INDEX person_partnership_idx ON person (partnership_id);
CREATE INDEX person_allocated_worker_idx ON person (allocated_worker_id) WHERE allocated_worker_id IS NOT NULL;
CREATE INDEX person_allocated_team_idx ON person (allocated_team_id) WHERE allocated_team_id IS NOT NULL;
CREATE UNIQUE INDEX person_nhs_number_live_idx ON person (partnership_id, nhs_number)
  WHERE nhs_number IS NOT NULL AND merged_into_id IS NULL;

-- Agencies that hold or supplied information on a person (a designated safeguarding lead sees their
-- organisation's children).
CREATE TABLE person_agency (
  person_id uuid NOT NULL REFERENCES person (id),
  agency_id uuid NOT NULL REFERENCES agency (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  since date NOT NULL DEFAULT CURRENT_DATE,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  PRIMARY KEY (person_id, agency_id)
);
CREATE INDEX person_agency_agency_idx ON person_agency (agency_id);

-- Meetings (triage, MACE, strategy) as far as the access policy needs them: who attends and which children
-- are on the agenda. A child on the agenda of a meeting that is not closed is on a current agenda.
CREATE TABLE meeting (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL CHECK (kind IN ('triage', 'mace', 'strategy')),
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  held_on date NOT NULL,
  status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'closed')),
  chair_id uuid REFERENCES app_user (id),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX meeting_partnership_idx ON meeting (partnership_id, held_on);

CREATE TABLE meeting_member (
  meeting_id uuid NOT NULL REFERENCES meeting (id),
  user_id uuid NOT NULL REFERENCES app_user (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_member_user_idx ON meeting_member (user_id);

CREATE TABLE agenda_item (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  meeting_id uuid NOT NULL REFERENCES meeting (id),
  person_id uuid NOT NULL REFERENCES person (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  UNIQUE (meeting_id, person_id)
);
CREATE INDEX agenda_item_person_idx ON agenda_item (person_id);

-- Break-glass: access to one record outside the user's relationships, for a reason, for a limited time.
-- Each grant is reviewed by the data protection officer (a second person, ASVS 2.3.5).
CREATE TABLE break_glass_grant (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  user_id uuid NOT NULL REFERENCES app_user (id),
  record_type text NOT NULL CHECK (record_type IN ('person')),
  record_id uuid NOT NULL,
  reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 10 AND 1000),
  granted_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  audit_event_id bigint,
  reviewed_at timestamptz,
  reviewed_by uuid REFERENCES app_user (id),
  review_outcome text CHECK (review_outcome IN ('justified', 'not-justified')),
  review_note text CHECK (review_note IS NULL OR length(review_note) <= 1000),
  version integer NOT NULL DEFAULT 1,
  CHECK (expires_at > granted_at),
  CHECK ((reviewed_at IS NULL) = (review_outcome IS NULL)),
  CHECK (reviewed_by IS NULL OR reviewed_by <> user_id)
);
CREATE INDEX break_glass_grant_record_idx ON break_glass_grant (record_type, record_id, user_id, expires_at);
CREATE INDEX break_glass_grant_review_idx ON break_glass_grant (partnership_id, granted_at) WHERE reviewed_at IS NULL;

-- A grant's reason and times never change; only the review may be added (once).
REVOKE UPDATE, DELETE ON break_glass_grant FROM openmace_runtime;
GRANT UPDATE (reviewed_at, reviewed_by, review_outcome, review_note, version) ON break_glass_grant TO openmace_runtime;
REVOKE DELETE ON person, person_agency, meeting FROM openmace_runtime;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['person', 'person_agency', 'meeting', 'meeting_member', 'agenda_item', 'break_glass_grant'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY partnership_isolation ON %I USING (partnership_id = app_partnership_id()) '
      'WITH CHECK (partnership_id = app_partnership_id())', t);
  END LOOP;
END
$$;
