-- Allocation (issue 13, slice a13): a front-door decision for an assessment or a strategy meeting puts the child in
-- a team's allocation queue; the team's manager allocates a worker of the team, and may re-allocate later with a
-- reason. The child's allocated worker and team (person.allocated_worker_id, allocated_team_id) are set through the
-- people service; this keeps the queue and the history of who allocated whom to whom, when and why.

CREATE TABLE allocation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The team whose queue the child is in, and whose worker they are allocated to.
  team_id uuid NOT NULL REFERENCES team (id),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  person_id uuid NOT NULL REFERENCES person (id),
  -- The decision that asked for it (one allocation per referral).
  referral_id uuid UNIQUE REFERENCES referral (id),
  status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'allocated')),
  -- The child was in immediate danger when the concern was raised: first in the team's queue.
  urgent boolean NOT NULL DEFAULT false,
  queued_at timestamptz NOT NULL DEFAULT now(),
  queued_by uuid NOT NULL REFERENCES app_user (id),
  worker_id uuid REFERENCES app_user (id),
  allocated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK ((status = 'allocated') = (worker_id IS NOT NULL AND allocated_at IS NOT NULL))
);
CREATE INDEX allocation_queue_idx ON allocation (team_id, urgent DESC, queued_at) WHERE status = 'waiting';
CREATE INDEX allocation_worker_idx ON allocation (worker_id, allocated_at) WHERE status = 'allocated';
CREATE INDEX allocation_person_idx ON allocation (person_id, queued_at);

-- Every allocation and re-allocation: who made it, from whom, to whom, when and why (a re-allocation needs a why).
CREATE TABLE allocation_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  allocation_id uuid NOT NULL REFERENCES allocation (id),
  person_id uuid NOT NULL REFERENCES person (id),
  team_id uuid NOT NULL REFERENCES team (id),
  from_worker_id uuid REFERENCES app_user (id),
  to_worker_id uuid NOT NULL REFERENCES app_user (id),
  by_user uuid NOT NULL REFERENCES app_user (id),
  at timestamptz NOT NULL DEFAULT now(),
  reason text CHECK (reason IS NULL OR length(btrim(reason)) BETWEEN 1 AND 2000),
  CHECK (from_worker_id IS NULL OR reason IS NOT NULL)
);
CREATE INDEX allocation_history_allocation_idx ON allocation_history (allocation_id, id);
CREATE INDEX allocation_history_person_idx ON allocation_history (person_id, at);

-- Allocations and their history are never deleted by the runtime role; the history is never changed.
REVOKE DELETE ON allocation, allocation_history FROM openmace_runtime;
REVOKE UPDATE ON allocation_history FROM openmace_runtime;

ALTER TABLE allocation ENABLE ROW LEVEL SECURITY;
ALTER TABLE allocation FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON allocation USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());
ALTER TABLE allocation_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE allocation_history FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON allocation_history USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());
