-- Suggested links (issue 12): when the same phone, vehicle, address or person appears in two records of a
-- partnership, a suggestion proposes a link between them with its explained score, for a reviewer to accept
-- (the link is made through the link service) or reject with a reason (never proposed again for the same
-- evidence, kept by its fingerprint). Under forced row-level security by partnership, as every case table.

-- What an accepted suggestion records: the two records are (possibly) the same person, place or thing.
INSERT INTO link_type (code, label, inverse_label, from_kinds, to_kinds, sort_order) VALUES
  ('same-person-as', 'possibly the same person as', 'possibly the same person as', '{person}', '{person}', 40),
  ('same-place-as', 'possibly the same place as', 'possibly the same place as', '{location}', '{location}', 41),
  ('same-thing-as', 'possibly the same thing as', 'possibly the same thing as', '{object}', '{object}', 42);

CREATE TABLE link_suggestion (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  -- Both ends are of one kind; a_id < b_id, so that a pair has one order.
  kind text NOT NULL CHECK (kind IN ('person', 'location', 'object')),
  a_id uuid NOT NULL,
  b_id uuid NOT NULL,
  -- The records' versions when the evidence was read: accepting a suggestion whose records changed since is stale.
  a_version integer NOT NULL,
  b_version integer NOT NULL,
  -- Fellegi-Sunter log-odds: the sum of each compared field's weight, and each field's words and weight.
  score numeric(6, 2) NOT NULL,
  explanation jsonb NOT NULL,
  -- A hash of the evidence (the pair and each field's normalised values): a rejection holds for that evidence.
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
  decided_at timestamptz,
  decided_by uuid REFERENCES app_user (id),
  reject_reason text CHECK (reject_reason IS NULL OR length(btrim(reject_reason)) BETWEEN 1 AND 1000),
  link_id uuid REFERENCES link (id),
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (a_id < b_id),
  CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
  CHECK ((status = 'accepted') = (link_id IS NOT NULL)),
  CHECK ((status IN ('accepted', 'rejected')) = (decided_by IS NOT NULL))
);
-- One pending suggestion a pair; one rejection a pair and evidence.
CREATE UNIQUE INDEX link_suggestion_pending_idx ON link_suggestion (partnership_id, a_id, b_id)
  WHERE status = 'pending';
CREATE UNIQUE INDEX link_suggestion_rejected_idx ON link_suggestion (partnership_id, a_id, b_id, fingerprint)
  WHERE status = 'rejected';
CREATE INDEX link_suggestion_a_idx ON link_suggestion (a_id);
CREATE INDEX link_suggestion_b_idx ON link_suggestion (b_id);
CREATE INDEX link_suggestion_queue_idx ON link_suggestion (partnership_id, score DESC, id)
  WHERE status = 'pending';

-- An object's value compacted (letters and digits, upper case): finds "07700 900123" recorded as an "other"
-- thing from the phone "+447700900123" (national form 07700900123), or "ab12 cde" from the vehicle AB12CDE.
CREATE INDEX object_compact_value_idx ON object (partnership_id, upper(regexp_replace(value, '[^0-9A-Za-z]', '', 'g')));

-- Suggestions are decided, never deleted.
REVOKE DELETE ON link_suggestion FROM openmace_runtime;

ALTER TABLE link_suggestion ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_suggestion FORCE ROW LEVEL SECURITY;
CREATE POLICY partnership_isolation ON link_suggestion USING (partnership_id = app_partnership_id())
  WITH CHECK (partnership_id = app_partnership_id());
