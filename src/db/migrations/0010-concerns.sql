-- Concern, screening and referral (issue 5): a practitioner's concern about a child with the structured screening
-- against the CSE/CCE vulnerabilities and risk indicators guide, the referral to children's services and its
-- decision, and notifications to other local authorities. Reference data is versioned data (DOMAIN.md), never
-- hard-coded in logic; every case table is under forced row-level security by partnership (0006).

-- Reference data ---------------------------------------------------------------------------------------------

-- The risk scale (DOMAIN.md "Risk levels"), in order. min_score: the screening total from which the tool suggests
-- the level; NULL for a level only professional judgement gives (severe).
CREATE TABLE risk_level (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  sort_order integer NOT NULL UNIQUE,
  min_score integer CHECK (min_score IS NULL OR min_score >= 0)
);
INSERT INTO risk_level (code, label, sort_order, min_score) VALUES
  ('none', 'No significant risk', 1, 0),
  ('low', 'Low (emerging)', 2, 6),
  ('medium', 'Medium (moderate)', 3, 11),
  ('high', 'High (significant)', 4, 16),
  ('severe', 'Severe', 5, NULL);
REVOKE INSERT, UPDATE, DELETE ON risk_level FROM openmace_runtime;

-- The screening guide, versioned: a concern keeps the version it was screened with. Scoring follows the shape of
-- Barnardo's SERAF (DOMAIN.md): a vulnerability counts `vulnerability_points`; a moderate indicator counts
-- `moderate_points` when current or within 6 months; a significant indicator counts `significant_recent_points`
-- when current or within 6 months and `significant_older_points` when 6 to 12 months ago. Older items count 0
-- but stay on record.
CREATE TABLE screening_guide (
  id integer PRIMARY KEY,
  title text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  effective_from date NOT NULL,
  is_current boolean NOT NULL DEFAULT false,
  vulnerability_points integer NOT NULL,
  moderate_points integer NOT NULL,
  significant_recent_points integer NOT NULL,
  significant_older_points integer NOT NULL,
  -- Children this young, or with a learning disability, showing any risk indicator are never suggested below
  -- this level (DOMAIN.md: never rated no or low).
  young_child_age integer NOT NULL,
  young_child_floor text NOT NULL REFERENCES risk_level (code),
  UNIQUE (version)
);
CREATE UNIQUE INDEX screening_guide_one_current_idx ON screening_guide (is_current) WHERE is_current;

CREATE TABLE screening_item (
  guide_id integer NOT NULL REFERENCES screening_guide (id),
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]*$'),
  kind text NOT NULL CHECK (kind IN ('vulnerability', 'moderate', 'significant')),
  label text NOT NULL,
  hint text,
  sort_order integer NOT NULL,
  PRIMARY KEY (guide_id, code)
);

INSERT INTO screening_guide (id, title, version, effective_from, is_current, vulnerability_points, moderate_points,
                             significant_recent_points, significant_older_points, young_child_age, young_child_floor)
VALUES (1, 'CSE and CCE vulnerabilities and risk indicators guide', 1, '2026-01-01', true, 1, 1, 5, 1, 13, 'medium');

INSERT INTO screening_item (guide_id, code, kind, label, hint, sort_order) VALUES
  -- Vulnerabilities (the policy's list of factors that heighten a child's vulnerability).
  (1, 'prior-abuse', 'vulnerability', 'Prior experience of neglect, physical or sexual abuse', NULL, 1),
  (1, 'unsafe-home', 'vulnerability', 'Lack of a safe or stable home environment',
   'Now or in the past: domestic abuse, parental substance misuse, mental health issues or criminality', 2),
  (1, 'social-isolation', 'vulnerability', 'Social isolation or social difficulties', NULL, 3),
  (1, 'economic-vulnerability', 'vulnerability', 'Economic vulnerability', NULL, 4),
  (1, 'insecure-accommodation', 'vulnerability', 'Homelessness or insecure accommodation status', NULL, 5),
  (1, 'gang-connections', 'vulnerability', 'Connections with other people involved in gangs', NULL, 6),
  (1, 'disability', 'vulnerability', 'A physical or learning disability', NULL, 7),
  (1, 'mental-health-substances', 'vulnerability', 'Mental health or substance misuse issues', NULL, 8),
  (1, 'in-care', 'vulnerability', 'Being in care', 'Particularly residential care, or with interrupted care histories', 9),
  -- Risk indicators: moderate.
  (1, 'unexplained-money', 'moderate', 'Unexplained money, clothes or mobile phones', NULL, 20),
  (1, 'excessive-calls', 'moderate', 'Excessive receipt of texts or phone calls, or several handsets', NULL, 21),
  (1, 'leaving-without-explanation', 'moderate', 'Leaving home or care without explanation', NULL, 22),
  (1, 'parental-concerns', 'moderate', 'Parental concerns', NULL, 23),
  (1, 'school-decline', 'moderate', 'Significant decline in school results or performance', NULL, 24),
  (1, 'peer-isolation', 'moderate', 'Gang association or isolation from peers or social networks', NULL, 25),
  (1, 'emotional-wellbeing', 'moderate', 'Self-harm or significant changes in emotional well-being', NULL, 26),
  -- Risk indicators: significant.
  (1, 'missing-out-of-area', 'significant', 'Persistently going missing from school or home, or found out of area', NULL, 40),
  (1, 'controlling-relationships', 'significant', 'Relationships with controlling or older individuals or groups', NULL, 41),
  (1, 'assault-injuries', 'significant', 'Suspicion of physical assault or unexplained injuries', NULL, 42),
  (1, 'carrying-weapons', 'significant', 'Carrying weapons', NULL, 43),
  (1, 'drugs-involvement', 'significant', 'Found with drugs or money to deliver, or involved in drug supply', NULL, 44),
  (1, 'sexual-activity-exchange', 'significant', 'Sexual activity in exchange for something the child needs or wants',
   'Gifts, money, drugs, alcohol, accommodation, status or affection', 45);
REVOKE INSERT, UPDATE, DELETE ON screening_guide, screening_item FROM openmace_runtime;

-- Street terms (the policy's "Common terms"): found in a concern's words, shown with their meaning and the
-- indicators they may point to. `patterns` are lower-case words or phrases matched on word boundaries.
CREATE TABLE street_term (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]*$'),
  term text NOT NULL,
  meaning text NOT NULL,
  patterns text[] NOT NULL CHECK (cardinality(patterns) >= 1),
  indicator_codes text[] NOT NULL DEFAULT '{}',
  sort_order integer NOT NULL
);
INSERT INTO street_term (code, term, meaning, patterns, indicator_codes, sort_order) VALUES
  ('cuckooing', 'Cuckooing', 'Taking over a local address through coercion, force or threat, often by supplying the occupier with drugs or money; the occupier is usually vulnerable.',
   '{cuckooing,cuckooed,cuckoo}', '{drugs-involvement,controlling-relationships}', 1),
  ('debt-bondage', 'Debt bondage', 'A gang forcing someone in debt to let them take over their home, or to deal drugs for them, to repay the debt.',
   '{debt bondage,in debt to,owes them}', '{controlling-relationships,drugs-involvement}', 2),
  ('drug-taxing', 'Drug taxing', 'Theft of drugs or money from rival groups.', '{taxing,taxed,drug taxing}',
   '{assault-injuries,drugs-involvement}', 3),
  ('elders', 'Elders', 'People higher up the chain of command, who usually direct the young people.', '{elders,olders}',
   '{controlling-relationships}', 4),
  ('enforcers', 'Enforcers', 'People hired to carry out violent attacks or act as protectors.', '{enforcer,enforcers}',
   '{assault-injuries,carrying-weapons}', 5),
  ('g-pack', 'G pack', '100 rocks of crack cocaine.', '{g pack,g-pack,gpack}', '{drugs-involvement}', 6),
  ('graft', 'Graft', 'Being out dealing or committing crime to fund themselves; a drug deal may be called a graft.',
   '{graft,grafting}', '{drugs-involvement}', 7),
  ('hitters', 'Hitters', 'Young people trained to use and conceal weapons, paid per hit on a target.', '{hitter,hitters}',
   '{carrying-weapons,assault-injuries}', 8),
  ('line', 'Line', 'A mobile phone number given to local drug users to order drugs.', '{deal line,the line,line phone,running a line}',
   '{excessive-calls,drugs-involvement}', 9),
  ('plugging', 'Plugging', 'Drugs hidden inside the body.', '{plugging,plugged,plug}', '{drugs-involvement,assault-injuries}', 10),
  ('suicide-mission', 'Suicide mission', 'A risky job (of violence or arrest) that earns standing with those the child works for.',
   '{suicide mission}', '{drugs-involvement,carrying-weapons}', 11),
  ('tool', 'Tool', 'A weapon or item used for protection; "tooled up" means carrying one.', '{tooled up,tool,tooled}',
   '{carrying-weapons}', 12),
  ('going-country', 'Going country', 'Travelling to another area to sell drugs for a county line.', '{going country,gone country,country}',
   '{missing-out-of-area,drugs-involvement}', 13),
  ('trap-house', 'Trap house', 'A property used to store or sell drugs, often a cuckooed address.', '{trap house,trap,trapping,bando}',
   '{drugs-involvement,missing-out-of-area}', 14);
REVOKE INSERT, UPDATE, DELETE ON street_term FROM openmace_runtime;

-- Front-door decisions on a referral (issue 5).
CREATE TABLE referral_decision_type (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  hint text,
  sort_order integer NOT NULL
);
INSERT INTO referral_decision_type (code, label, hint, sort_order) VALUES
  ('no-further-action', 'No further action', 'Signpost or advise the referrer; say why', 1),
  ('early-help', 'Early help assessment', NULL, 2),
  ('cin-assessment', 'Children''s services assessment (child in need)', 'Children Act 1989, section 17', 3),
  ('strategy-meeting', 'Strategy meeting (significant harm)', 'Children Act 1989, section 47', 4),
  ('already-open', 'Already open to children''s services', 'Pass to the allocated worker', 5);
REVOKE INSERT, UPDATE, DELETE ON referral_decision_type FROM openmace_runtime;

-- DfE Children in Need census factors identified at assessment (DOMAIN.md). `exploitation` marks the codes a
-- decision on exploitation grounds sets.
CREATE TABLE cin_factor (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{1,2}[A-F]?$'),
  label text NOT NULL,
  exploitation boolean NOT NULL DEFAULT false,
  sort_order integer NOT NULL
);
INSERT INTO cin_factor (code, label, exploitation, sort_order) VALUES
  ('10A', 'Going or being missing', true, 10),
  ('11A', 'Child sexual exploitation', true, 11),
  ('12A', 'Trafficking', true, 12),
  ('13A', 'Gangs', true, 13),
  ('24A', 'Child criminal exploitation', true, 24);
REVOKE INSERT, UPDATE, DELETE ON cin_factor FROM openmace_runtime;

-- Case tables ------------------------------------------------------------------------------------------------

-- A concern about a child. A draft keeps a multi-page form's answers between pages without putting case data in
-- the session; `recorded` is a finished concern (it then appears on the chronology).
CREATE TABLE concern (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'recorded')),
  recorded_by uuid NOT NULL REFERENCES app_user (id),
  recorded_by_agency_id uuid REFERENCES agency (id),
  -- Immediate danger: asked first. "Yes" tells the practitioner to call 999 and records whether and when they did.
  immediate_danger boolean NOT NULL,
  police_called boolean,
  police_called_at timestamptz,
  police_reference text CHECK (police_reference IS NULL OR length(police_reference) <= 50),
  -- What was seen or heard, when, where and by whom; the child's own words.
  narrative text CHECK (narrative IS NULL OR length(narrative) BETWEEN 1 AND 20000),
  happened_on date,
  happened_at text CHECK (happened_at IS NULL OR length(happened_at) <= 500),
  noticed_by text CHECK (noticed_by IS NULL OR length(noticed_by) <= 500),
  child_words text CHECK (child_words IS NULL OR length(child_words) <= 10000),
  -- Consent is not needed to share for safeguarding; the record says what the child and family know.
  consent text CHECK (consent IN ('given', 'refused', 'not-asked')),
  consent_note text CHECK (consent_note IS NULL OR length(consent_note) <= 2000),
  family_aware text CHECK (family_aware IN ('yes', 'no', 'not-safe')),
  -- Screening: the guide version used, what the tool suggested and why, and the practitioner's own judgement.
  guide_id integer REFERENCES screening_guide (id),
  suggested_level text REFERENCES risk_level (code),
  suggested_score integer,
  suggested_reasons jsonb NOT NULL DEFAULT '[]',
  judged_level text REFERENCES risk_level (code),
  judgement_reason text CHECK (judgement_reason IS NULL OR length(judgement_reason) <= 5000),
  recorded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (police_called IS NULL OR immediate_danger),
  CHECK (police_called_at IS NULL OR police_called),
  CHECK (status = 'draft' OR (narrative IS NOT NULL AND happened_on IS NOT NULL AND consent IS NOT NULL
         AND family_aware IS NOT NULL AND guide_id IS NOT NULL AND judged_level IS NOT NULL
         AND judgement_reason IS NOT NULL AND recorded_at IS NOT NULL
         AND (NOT immediate_danger OR police_called IS NOT NULL)))
);
CREATE INDEX concern_person_idx ON concern (person_id, recorded_at);
CREATE INDEX concern_recorded_by_idx ON concern (recorded_by, created_at);

-- Each ticked item of the guide, with its evidence, recency, and whether evidenced or a professional concern.
CREATE TABLE concern_indicator (
  concern_id uuid NOT NULL REFERENCES concern (id) ON DELETE CASCADE,
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  guide_id integer NOT NULL,
  item_code text NOT NULL,
  evidence text NOT NULL CHECK (length(btrim(evidence)) BETWEEN 1 AND 5000),
  recency text NOT NULL CHECK (recency IN ('current', 'within-6-months', '6-to-12-months', 'older')),
  basis text NOT NULL CHECK (basis IN ('evidenced', 'concern')),
  PRIMARY KEY (concern_id, item_code),
  FOREIGN KEY (guide_id, item_code) REFERENCES screening_item (guide_id, code)
);

-- A referral to children's services: submitted without anyone's approval; a state machine with every transition
-- kept (referral_transition) and checked here as well as in the application.
CREATE TABLE referral (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  concern_id uuid UNIQUE REFERENCES concern (id),
  referrer_id uuid NOT NULL REFERENCES app_user (id),
  referrer_agency_id uuid REFERENCES agency (id),
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'in-review', 'decided', 'withdrawn')),
  submitted_at timestamptz NOT NULL DEFAULT now(),
  decision_due_at timestamptz NOT NULL,
  -- The optional record of a discussion with a manager or designated safeguarding lead: never a gate.
  discussed_with text CHECK (discussed_with IS NULL OR length(discussed_with) <= 200),
  discussion_note text CHECK (discussion_note IS NULL OR length(discussion_note) <= 5000),
  reviewer_id uuid REFERENCES app_user (id),
  review_started_at timestamptz,
  decision text REFERENCES referral_decision_type (code),
  decision_reasons text CHECK (decision_reasons IS NULL OR length(btrim(decision_reasons)) BETWEEN 1 AND 10000),
  exploitation_grounds text[] NOT NULL DEFAULT '{}' CHECK (exploitation_grounds <@ ARRAY['cce', 'cse']::text[]),
  cin_factors text[] NOT NULL DEFAULT '{}',
  decided_by uuid REFERENCES app_user (id),
  decided_at timestamptz,
  withdrawn_by uuid REFERENCES app_user (id),
  withdrawn_at timestamptz,
  withdrawn_reason text CHECK (withdrawn_reason IS NULL OR length(btrim(withdrawn_reason)) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (status <> 'decided' OR (decision IS NOT NULL AND decision_reasons IS NOT NULL AND decided_by IS NOT NULL
         AND decided_at IS NOT NULL)),
  CHECK (status <> 'withdrawn' OR (withdrawn_reason IS NOT NULL AND withdrawn_by IS NOT NULL
         AND withdrawn_at IS NOT NULL)),
  CHECK (status IN ('decided', 'withdrawn') OR decision IS NULL)
);
CREATE INDEX referral_queue_idx ON referral (partnership_id, submitted_at) WHERE status IN ('submitted', 'in-review');
CREATE INDEX referral_person_idx ON referral (person_id, submitted_at);
CREATE INDEX referral_referrer_idx ON referral (referrer_id, submitted_at);

CREATE TABLE referral_transition (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  referral_id uuid NOT NULL REFERENCES referral (id),
  from_status text,
  to_status text NOT NULL,
  by_user uuid NOT NULL REFERENCES app_user (id),
  at timestamptz NOT NULL DEFAULT now(),
  reason text
);
CREATE INDEX referral_transition_referral_idx ON referral_transition (referral_id, id);

-- The legal moves, enforced in the database too: submitted → in review → decided; submitted or in review →
-- withdrawn. A decided or withdrawn referral is final.
CREATE FUNCTION referral_check_transition() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
         (OLD.status = 'submitted' AND NEW.status IN ('in-review', 'withdrawn'))
      OR (OLD.status = 'in-review' AND NEW.status IN ('decided', 'withdrawn'))) THEN
      RAISE EXCEPTION 'referral cannot move from % to %', OLD.status, NEW.status USING ERRCODE = '23514';
    END IF;
    IF OLD.status IN ('decided', 'withdrawn') THEN
      RAISE EXCEPTION 'a % referral is final', OLD.status USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER referral_check_transition BEFORE UPDATE ON referral
  FOR EACH ROW EXECUTE FUNCTION referral_check_transition();

-- A notification to another local authority (and its police force) when the child lives in, moved from or to,
-- or was found in its area: what was sent, when, by whom, and the acknowledgement.
CREATE TABLE cross_authority_notification (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  referral_id uuid REFERENCES referral (id),
  reason text NOT NULL CHECK (reason IN ('lives-in', 'moved-from', 'moved-to', 'found-in')),
  local_authority text NOT NULL CHECK (length(btrim(local_authority)) BETWEEN 1 AND 200),
  police_force text NOT NULL CHECK (length(btrim(police_force)) BETWEEN 1 AND 200),
  content text NOT NULL CHECK (length(btrim(content)) BETWEEN 1 AND 10000),
  sent_by uuid NOT NULL REFERENCES app_user (id),
  sent_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by text CHECK (acknowledged_by IS NULL OR length(btrim(acknowledged_by)) BETWEEN 1 AND 200),
  recorded_by uuid REFERENCES app_user (id),
  version integer NOT NULL DEFAULT 1,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX cross_authority_outstanding_idx ON cross_authority_notification (partnership_id, sent_at)
  WHERE acknowledged_at IS NULL;

-- Concerns, referrals and their history are never deleted by the runtime role (drafts included: abandoned drafts
-- are for the retention job).
REVOKE DELETE ON concern, referral, referral_transition, cross_authority_notification FROM openmace_runtime;

-- A draft's ticked items change as the practitioner works; a recorded concern's screening is what it was.
CREATE FUNCTION concern_indicator_frozen() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM concern c WHERE c.id = coalesce(OLD.concern_id, NEW.concern_id)
                                         AND c.status = 'recorded') THEN
      RAISE EXCEPTION 'the screening of a recorded concern cannot change' USING ERRCODE = '23514';
    END IF;
    RETURN coalesce(NEW, OLD);
  END
  $$;
CREATE TRIGGER concern_indicator_frozen BEFORE INSERT OR UPDATE OR DELETE ON concern_indicator
  FOR EACH ROW EXECUTE FUNCTION concern_indicator_frozen();
REVOKE UPDATE ON referral_transition FROM openmace_runtime;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['concern', 'concern_indicator', 'referral', 'referral_transition',
                           'cross_authority_notification'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY partnership_isolation ON %I USING (partnership_id = app_partnership_id()) '
      'WITH CHECK (partnership_id = app_partnership_id())', t);
  END LOOP;
END
$$;
