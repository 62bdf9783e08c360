-- People, places and things (POLE): the rest of a person's record, locations, objects, links between any two
-- entities, flags, and merges. Every case table is under forced row-level security by partnership (0006's
-- app_partnership_id()). Reference data is versioned here, never hard-coded in logic.

-- Reference data ---------------------------------------------------------------------------------------------

-- Ethnicity: the DfE codes used in the Children in Need census, grouped as the ONS 2021 categories.
CREATE TABLE ethnicity (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z]{4}$'),
  label text NOT NULL,
  group_label text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO ethnicity (code, label, group_label, sort_order) VALUES
  ('WBRI', 'White - British', 'White', 1),
  ('WIRI', 'White - Irish', 'White', 2),
  ('WIRT', 'Traveller of Irish heritage', 'White', 3),
  ('WROM', 'Gypsy/Roma', 'White', 4),
  ('WOTH', 'Any other White background', 'White', 5),
  ('MWBC', 'White and Black Caribbean', 'Mixed or Multiple', 6),
  ('MWBA', 'White and Black African', 'Mixed or Multiple', 7),
  ('MWAS', 'White and Asian', 'Mixed or Multiple', 8),
  ('MOTH', 'Any other mixed background', 'Mixed or Multiple', 9),
  ('AIND', 'Indian', 'Asian or Asian British', 10),
  ('APKN', 'Pakistani', 'Asian or Asian British', 11),
  ('ABAN', 'Bangladeshi', 'Asian or Asian British', 12),
  ('CHNE', 'Chinese', 'Asian or Asian British', 13),
  ('AOTH', 'Any other Asian background', 'Asian or Asian British', 14),
  ('BCRB', 'Black Caribbean', 'Black, Black British, Caribbean or African', 15),
  ('BAFR', 'Black African', 'Black, Black British, Caribbean or African', 16),
  ('BOTH', 'Any other Black background', 'Black, Black British, Caribbean or African', 17),
  ('OOTH', 'Any other ethnic group', 'Other ethnic group', 18),
  ('REFU', 'Refused', 'Not given', 19),
  ('NOBT', 'Information not yet obtained', 'Not given', 20);
REVOKE INSERT, UPDATE, DELETE ON ethnicity FROM openmace_runtime;

-- Statutory plan status (DOMAIN.md).
CREATE TABLE statutory_status_type (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO statutory_status_type (code, label, sort_order) VALUES
  ('none', 'None', 1),
  ('early-help', 'Early help', 2),
  ('child-in-need', 'Child in need (including disabled children)', 3),
  ('child-protection', 'Child protection', 4),
  ('looked-after', 'Looked after', 5),
  ('care-leaver', 'Care leaver', 6),
  ('young-offender', 'Young offender', 7),
  ('older-young-person', 'Older young person', 8),
  ('uasc', 'Unaccompanied asylum-seeking child', 9);
REVOKE INSERT, UPDATE, DELETE ON statutory_status_type FROM openmace_runtime;

-- Link types: what joins two entities. from_kinds/to_kinds say which entity kinds each end may be
-- (person, location, object); inverse_label reads the link from the other end.
CREATE TABLE link_type (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  inverse_label text NOT NULL,
  from_kinds text[] NOT NULL,
  to_kinds text[] NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO link_type (code, label, inverse_label, from_kinds, to_kinds, sort_order) VALUES
  ('associate-of', 'associate of', 'associate of', '{person}', '{person}', 1),
  ('sibling-of', 'sibling of', 'sibling of', '{person}', '{person}', 2),
  ('parent-carer-of', 'parent or carer of', 'child of', '{person}', '{person}', 3),
  ('exploited-by', 'exploited by', 'exploits', '{person}', '{person}', 4),
  ('in-peer-group-with', 'in a peer group with', 'in a peer group with', '{person}', '{person}', 5),
  ('lives-at', 'lives at', 'home of', '{person}', '{location}', 10),
  ('frequents', 'frequents', 'frequented by', '{person}', '{location}', 11),
  ('found-at', 'found at', 'where was found', '{person}', '{location}', 12),
  ('attends', 'attends', 'attended by', '{person}', '{location}', 13),
  ('uses-phone', 'uses phone', 'phone used by', '{person}', '{object}', 20),
  ('seen-in-vehicle', 'seen in vehicle', 'vehicle seen with', '{person}', '{object}', 21),
  ('uses-handle', 'uses online handle', 'online handle of', '{person}', '{object}', 22),
  ('owns', 'owns or keeps', 'owned or kept by', '{person}', '{object}', 23),
  ('object-at', 'seen at', 'place of', '{object}', '{location}', 30),
  ('phone-contacted', 'in contact with', 'in contact with', '{object}', '{object}', 31);
REVOKE INSERT, UPDATE, DELETE ON link_type FROM openmace_runtime;

-- Flag types: set on the policy's definitions (not only on a criminal offence).
CREATE TABLE flag_type (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  applies_to text[] NOT NULL,
  definition text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO flag_type (code, label, applies_to, definition, sort_order) VALUES
  ('cce', 'Child criminal exploitation', '{person}',
   'A person or group takes advantage of an imbalance of power to coerce, control, manipulate or deceive a child into criminal activity, in exchange for something the child needs or wants, or for the financial or other advantage of the perpetrator, or through violence or the threat of it. It can happen even when the activity appears consensual, and does not always involve physical contact.', 1),
  ('cse', 'Child sexual exploitation', '{person}',
   'A person or group takes advantage of an imbalance of power to coerce, manipulate or deceive a child into sexual activity, in exchange for something the child needs or wants, or for the financial advantage or increased status of the perpetrator. The child may have been exploited even if the activity appears consensual; it can happen online.', 2),
  ('county-lines', 'County lines', '{person,location}',
   'Gangs and organised networks involved in exporting illegal drugs into other areas, using dedicated phone lines ("deal lines"), exploiting children and vulnerable adults to move and store drugs and money, often with coercion, intimidation, violence and weapons.', 3),
  ('missing', 'Missing', '{person}',
   'Whereabouts cannot be established, until located and their well-being confirmed; repeated missing episodes are a key indicator of exploitation.', 4),
  ('trafficked', 'Trafficked', '{person}',
   'Recruited, moved, harboured or received for the purpose of exploitation; a child cannot consent to being trafficked. Consider a National Referral Mechanism referral.', 5),
  ('cuckooed', 'Cuckooed address', '{location}',
   'A home taken over by people involved in drug dealing or other criminality, usually a vulnerable person''s, used as a base.', 6),
  ('risk-to-children', 'Risk to children', '{person}',
   'An adult whose behaviour towards children is of concern to the partnership.', 7),
  ('harmful-location', 'Location of concern', '{location}',
   'A place where children are at risk of harm or exploitation (contextual safeguarding).', 8);
REVOKE INSERT, UPDATE, DELETE ON flag_type FROM openmace_runtime;

-- A person's record, continued --------------------------------------------------------------------------------

ALTER TABLE person
  ADD COLUMN ethnicity text REFERENCES ethnicity (code),
  ADD COLUMN language text CHECK (language IS NULL OR length(btrim(language)) BETWEEN 1 AND 80),
  ADD COLUMN disability text CHECK (disability IS NULL OR length(disability) <= 500),
  -- School unique pupil number: a check letter then 12 characters (validated by the application).
  ADD COLUMN upn text CHECK (upn IS NULL OR upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'),
  ADD COLUMN la_child_id text CHECK (la_child_id IS NULL OR length(btrim(la_child_id)) BETWEEN 1 AND 50),
  ADD COLUMN police_id text CHECK (police_id IS NULL OR length(btrim(police_id)) BETWEEN 1 AND 50),
  -- The school: an education agency of the partnership.
  ADD COLUMN school_agency_id uuid REFERENCES agency (id),
  -- For fuzzy search and duplicate detection: lower-case full name (trigram-indexed).
  ADD COLUMN search_name text GENERATED ALWAYS AS (lower(given_name || ' ' || coalesce(family_name, ''))) STORED;

-- An identifier is on one live record at most (merged records keep theirs, for un-merging).
CREATE UNIQUE INDEX person_upn_live_idx ON person (partnership_id, upn)
  WHERE upn IS NOT NULL AND merged_into_id IS NULL;
CREATE UNIQUE INDEX person_la_child_id_live_idx ON person (partnership_id, la_child_id)
  WHERE la_child_id IS NOT NULL AND merged_into_id IS NULL;
CREATE UNIQUE INDEX person_police_id_live_idx ON person (partnership_id, police_id)
  WHERE police_id IS NOT NULL AND merged_into_id IS NULL;
CREATE INDEX person_search_name_trgm_idx ON person USING gin (search_name gin_trgm_ops);
CREATE INDEX person_family_metaphone_idx ON person (partnership_id, dmetaphone(coalesce(family_name, '')));
CREATE INDEX person_date_of_birth_idx ON person (partnership_id, date_of_birth);
CREATE INDEX person_merged_into_idx ON person (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- Aliases, street names and previous names.
CREATE TABLE person_alias (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  kind text NOT NULL CHECK (kind IN ('alias', 'street-name', 'previous-name')),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  search_name text GENERATED ALWAYS AS (lower(name)) STORED,
  removed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE INDEX person_alias_person_idx ON person_alias (person_id);
CREATE INDEX person_alias_trgm_idx ON person_alias USING gin (search_name gin_trgm_ops);

-- Statutory status over time (a child can move from child in need to child protection to looked after).
CREATE TABLE person_statutory_status (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  status text NOT NULL REFERENCES statutory_status_type (code),
  from_date date NOT NULL,
  to_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX person_statutory_status_person_idx ON person_statutory_status (person_id, from_date);

-- Locations and objects --------------------------------------------------------------------------------------

CREATE TABLE location (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL CHECK (kind IN ('address', 'premises', 'public-place')),
  -- Premises or place name ("Station Road car park"); optional for a home address.
  name text CHECK (name IS NULL OR length(btrim(name)) BETWEEN 1 AND 200),
  address_line_1 text CHECK (address_line_1 IS NULL OR length(btrim(address_line_1)) BETWEEN 1 AND 200),
  address_line_2 text CHECK (address_line_2 IS NULL OR length(address_line_2) <= 200),
  town text CHECK (town IS NULL OR length(btrim(town)) BETWEEN 1 AND 100),
  -- UK postcode, upper case with one space ("NS1 4AB"); validated by the application.
  postcode text CHECK (postcode IS NULL OR postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
  latitude numeric(9, 6) CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
  longitude numeric(9, 6) CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
  description text CHECK (description IS NULL OR length(description) <= 2000),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  CHECK (name IS NOT NULL OR address_line_1 IS NOT NULL),
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX location_partnership_idx ON location (partnership_id);
CREATE INDEX location_postcode_idx ON location (partnership_id, postcode);
CREATE INDEX location_name_trgm_idx ON location USING gin (lower(coalesce(name, '') || ' ' || coalesce(address_line_1, '')) gin_trgm_ops);

-- Phones (E.164), vehicles (registration, upper case without spaces), online handles (per platform), other.
CREATE TABLE object (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL CHECK (kind IN ('phone', 'vehicle', 'online-handle', 'other')),
  value text NOT NULL CHECK (length(btrim(value)) BETWEEN 1 AND 200),
  platform text CHECK (platform IS NULL OR length(btrim(platform)) BETWEEN 1 AND 60),
  description text CHECK (description IS NULL OR length(description) <= 2000),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  CHECK (kind <> 'phone' OR value ~ '^\+[1-9][0-9]{6,14}$'),
  CHECK (kind <> 'vehicle' OR value ~ '^[A-Z0-9]{1,8}$'),
  CHECK (kind <> 'online-handle' OR platform IS NOT NULL)
);
CREATE UNIQUE INDEX object_value_idx ON object (partnership_id, kind, coalesce(lower(platform), ''), value);

-- Links between any two entities -----------------------------------------------------------------------------

CREATE TABLE link (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  link_type text NOT NULL REFERENCES link_type (code),
  from_kind text NOT NULL CHECK (from_kind IN ('person', 'location', 'object')),
  from_id uuid NOT NULL,
  to_kind text NOT NULL CHECK (to_kind IN ('person', 'location', 'object')),
  to_id uuid NOT NULL,
  from_date date,
  to_date date,
  -- Provenance: what record or report this came from, and which agency supplied it.
  source text NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 300),
  source_agency_id uuid REFERENCES agency (id),
  -- 3x5x2 where the link comes from intelligence: source evaluation (1-3) and intelligence assessment (A-E).
  source_evaluation text CHECK (source_evaluation IN ('1', '2', '3')),
  intelligence_assessment text CHECK (intelligence_assessment IN ('A', 'B', 'C', 'D', 'E')),
  confidence text NOT NULL CHECK (confidence IN ('confirmed', 'suspected')),
  -- Ending a link keeps it: ended_at marks it no longer current, with who and why.
  ended_at timestamptz,
  ended_by uuid,
  end_reason text CHECK (end_reason IS NULL OR length(end_reason) <= 500),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  CHECK (to_date IS NULL OR from_date IS NULL OR to_date >= from_date),
  CHECK (from_kind <> to_kind OR from_id <> to_id),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
CREATE INDEX link_from_idx ON link (from_id) INCLUDE (to_id, to_kind, link_type);
CREATE INDEX link_to_idx ON link (to_id) INCLUDE (from_id, from_kind, link_type);
CREATE INDEX link_partnership_idx ON link (partnership_id);

-- Flags on persons and locations ------------------------------------------------------------------------------

CREATE TABLE flag (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  flag_type text NOT NULL REFERENCES flag_type (code),
  subject_kind text NOT NULL CHECK (subject_kind IN ('person', 'location')),
  subject_id uuid NOT NULL,
  reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
  set_by uuid NOT NULL REFERENCES app_user (id),
  set_by_team_id uuid REFERENCES team (id),
  set_at timestamptz NOT NULL DEFAULT now(),
  review_date date NOT NULL,
  removed_at timestamptz,
  removed_by uuid REFERENCES app_user (id),
  removed_reason text CHECK (removed_reason IS NULL OR length(removed_reason) <= 2000),
  is_demo boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE INDEX flag_subject_idx ON flag (subject_id) WHERE removed_at IS NULL;
CREATE INDEX flag_review_idx ON flag (partnership_id, review_date) WHERE removed_at IS NULL;
CREATE INDEX flag_set_by_idx ON flag (set_by) WHERE removed_at IS NULL;

-- Merges: an audited merge keeps both records and their histories, and can be reversed ---------------------------

CREATE TABLE person_merge (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  survivor_id uuid NOT NULL REFERENCES person (id),
  merged_id uuid NOT NULL REFERENCES person (id),
  reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
  -- What moved from the merged record to the survivor (ids by table), so that un-merging moves exactly that back.
  moved jsonb NOT NULL DEFAULT '{}',
  merged_at timestamptz NOT NULL DEFAULT now(),
  merged_by uuid NOT NULL REFERENCES app_user (id),
  unmerged_at timestamptz,
  unmerged_by uuid REFERENCES app_user (id),
  unmerge_reason text CHECK (unmerge_reason IS NULL OR length(unmerge_reason) <= 1000),
  version integer NOT NULL DEFAULT 1,
  CHECK (survivor_id <> merged_id),
  CHECK ((unmerged_at IS NULL) = (unmerged_by IS NULL))
);
CREATE INDEX person_merge_survivor_idx ON person_merge (survivor_id);
CREATE INDEX person_merge_merged_idx ON person_merge (merged_id);

-- Referential integrity for the polymorphic ends of links and flags: each end names a row of the right kind in
-- the same partnership (checked as the writing role, so row-level security applies to the check too).
CREATE FUNCTION entity_exists(kind text, entity_id uuid, partnership uuid) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE kind
      WHEN 'person' THEN EXISTS (SELECT 1 FROM person WHERE id = entity_id AND partnership_id = partnership)
      WHEN 'location' THEN EXISTS (SELECT 1 FROM location WHERE id = entity_id AND partnership_id = partnership)
      WHEN 'object' THEN EXISTS (SELECT 1 FROM object WHERE id = entity_id AND partnership_id = partnership)
      ELSE false
    END
  $$;

CREATE FUNCTION link_check_ends() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    t link_type%ROWTYPE;
  BEGIN
    SELECT * INTO t FROM link_type WHERE code = NEW.link_type;
    IF NOT (NEW.from_kind = ANY (t.from_kinds) AND NEW.to_kind = ANY (t.to_kinds)) THEN
      RAISE EXCEPTION 'link type % does not join a % to a %', NEW.link_type, NEW.from_kind, NEW.to_kind
        USING ERRCODE = '23514';
    END IF;
    IF NOT entity_exists(NEW.from_kind, NEW.from_id, NEW.partnership_id)
       OR NOT entity_exists(NEW.to_kind, NEW.to_id, NEW.partnership_id) THEN
      RAISE EXCEPTION 'link end does not exist in this partnership' USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER link_check_ends BEFORE INSERT OR UPDATE OF from_kind, from_id, to_kind, to_id, link_type ON link
  FOR EACH ROW EXECUTE FUNCTION link_check_ends();

CREATE FUNCTION flag_check_subject() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    t flag_type%ROWTYPE;
  BEGIN
    SELECT * INTO t FROM flag_type WHERE code = NEW.flag_type;
    IF NOT (NEW.subject_kind = ANY (t.applies_to)) THEN
      RAISE EXCEPTION 'flag type % does not apply to a %', NEW.flag_type, NEW.subject_kind USING ERRCODE = '23514';
    END IF;
    IF NOT entity_exists(NEW.subject_kind, NEW.subject_id, NEW.partnership_id) THEN
      RAISE EXCEPTION 'flag subject does not exist in this partnership' USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER flag_check_subject BEFORE INSERT OR UPDATE OF subject_kind, subject_id, flag_type ON flag
  FOR EACH ROW EXECUTE FUNCTION flag_check_subject();

-- Nothing here is deleted by the runtime role: links end, flags are removed with a reason, merges are reversed.
REVOKE DELETE ON location, object, link, flag, person_merge, person_statutory_status, person_alias
  FROM openmace_runtime;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['person_alias', 'person_statutory_status', 'location', 'object', 'link', 'flag',
                           'person_merge'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY partnership_isolation ON %I USING (partnership_id = app_partnership_id()) '
      'WITH CHECK (partnership_id = app_partnership_id())', t);
  END LOOP;
END
$$;
