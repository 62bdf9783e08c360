-- The task engine (issue 13): one table of work for every "something is due" in the policy. A task has a kind
-- (declared in src/features/tasks/task-kinds.ts), a subject record, an assignee (a user, a team or both), a
-- reason, a due time, a status (open, done or cancelled, with who, when and why), an escalation to the team's
-- manager once overdue, and the record that caused it (source kind and id). The de-duplication key makes the
-- same trigger raise one open task, however many times (or in how many instances at once) it fires.

CREATE TABLE task (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z-]*$' AND length(kind) <= 60),
  subject_kind text NOT NULL CHECK (subject_kind IN ('person', 'location', 'object', 'referral')),
  subject_id uuid NOT NULL,
  assigned_user_id uuid REFERENCES app_user (id),
  assigned_team_id uuid REFERENCES team (id),
  reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  dedup_key text NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 300),
  source_kind text CHECK (source_kind ~ '^[a-z][a-z-]*$'),
  source_id uuid,
  -- Derived from an intelligence entry: visible only where the entry is (as links and flags, migration 0015).
  intelligence_id uuid REFERENCES intelligence (id),
  closed_at timestamptz,
  closed_by uuid REFERENCES app_user (id),
  outcome text CHECK (outcome IS NULL OR length(btrim(outcome)) BETWEEN 1 AND 2000),
  escalated_at timestamptz,
  escalated_to_team_id uuid REFERENCES team (id),
  escalation_reason text CHECK (escalation_reason IS NULL OR length(escalation_reason) <= 1000),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id),
  version integer NOT NULL DEFAULT 1,
  CHECK (assigned_user_id IS NOT NULL OR assigned_team_id IS NOT NULL),
  CHECK ((status = 'open') = (closed_at IS NULL)),
  CHECK (status = 'open' OR outcome IS NOT NULL),
  CHECK ((source_kind IS NULL) = (source_id IS NULL)),
  CHECK ((escalated_at IS NULL) = (escalation_reason IS NULL))
);
-- The same trigger never makes two open tasks.
CREATE UNIQUE INDEX task_open_dedup_idx ON task (partnership_id, dedup_key) WHERE status = 'open';
-- "My tasks", "my team's tasks" and a manager's escalated tasks: open ones, by due time.
CREATE INDEX task_user_open_idx ON task (partnership_id, assigned_user_id, due_at) WHERE status = 'open';
CREATE INDEX task_team_open_idx ON task (partnership_id, assigned_team_id, due_at) WHERE status = 'open';
CREATE INDEX task_escalated_open_idx ON task (partnership_id, escalated_to_team_id, due_at)
  WHERE status = 'open' AND escalated_to_team_id IS NOT NULL;
-- The escalation sweep: open tasks not yet escalated, by due time.
CREATE INDEX task_sweep_idx ON task (partnership_id, due_at) WHERE status = 'open' AND escalated_at IS NULL;
CREATE INDEX task_source_idx ON task (source_kind, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX task_subject_idx ON task (subject_id);

-- Today's flag-review list becomes tasks: each current flag's review, for whoever set it and their team, due at
-- the end of its review date (as the flag service raises them from now on). Written before row-level security is
-- on (the owner is subject to it once forced).
INSERT INTO task (partnership_id, kind, subject_kind, subject_id, assigned_user_id, assigned_team_id, reason, due_at,
                  dedup_key, source_kind, source_id, intelligence_id, is_demo, created_at, created_by, updated_by)
SELECT f.partnership_id, 'flag-review', f.subject_kind, f.subject_id, f.set_by, f.set_by_team_id,
       'Review the ' || ft.label || ' flag: set a new review date, or remove it if it no longer applies',
       ((f.review_date + 1)::timestamp AT TIME ZONE 'Europe/London'), 'flag-review:' || f.id, 'flag', f.id,
       f.intelligence_id, f.is_demo, f.set_at, f.set_by, f.set_by
  FROM flag f JOIN flag_type ft ON ft.code = f.flag_type
 WHERE f.removed_at IS NULL;

-- Tasks are closed (done or cancelled), never deleted.
REVOKE DELETE ON task FROM openmace_runtime;

ALTER TABLE task ENABLE ROW LEVEL SECURITY;
ALTER TABLE task FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON task USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());
CREATE POLICY intelligence_handling ON task AS RESTRICTIVE FOR SELECT
  USING (intelligence_id IS NULL OR EXISTS (SELECT 1 FROM intelligence i WHERE i.id = task.intelligence_id));
