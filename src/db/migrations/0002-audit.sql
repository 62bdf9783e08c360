-- Audit trail: append-only events, sealed in hash-chained blocks (ARCHITECTURE.md, "Audit chain without a
-- global bottleneck"). Each migration runs in one transaction: no BEGIN/COMMIT here.

-- One row per audited action, written by src/platform/audit/audit-writer.ts in the same transaction as the
-- action. `id` gives the sequence order the seals follow. No foreign keys: an audit row must be writable for
-- any event (a denial naming a partnership that does not exist) and must outlive what it refers to.
CREATE TABLE audit_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- NULL for system events and sign-in before a partnership is known.
  partnership_id uuid,
  -- The database's clock, not the app's: the app cannot back-date an event (it has no INSERT on this column).
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id uuid,
  actor_role text CHECK (length(actor_role) <= 100),
  actor_agency_id uuid,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z-]*(\.[a-z][a-z-]*)*$' AND length(action) <= 100),
  record_type text CHECK (record_type ~ '^[a-z][a-z-]*$' AND length(record_type) <= 100),
  record_id text CHECK (length(record_id) <= 200),
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'succeeded', 'failed')),
  reason text CHECK (length(reason) <= 2000),
  request_id text CHECK (length(request_id) <= 200),
  ip inet,
  -- Codes and counts only, never personal data (by convention; the writer's type allows scalars only).
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object' AND length(details::text) <= 8000)
);
CREATE INDEX audit_event_partnership_idx ON audit_event (partnership_id, id);
CREATE INDEX audit_event_actor_idx ON audit_event (actor_id, id);
CREATE INDEX audit_event_record_idx ON audit_event (record_type, record_id, id);
CREATE INDEX audit_event_action_idx ON audit_event (action, id);
CREATE INDEX audit_event_occurred_at_idx ON audit_event (occurred_at);

-- A sealed block: the rows with id in (previous seal's last_event_id, last_event_id], hashed in id order with the
-- previous seal's hash (src/platform/audit/audit-seal.ts gives the exact canonical form). `row_index` holds, per
-- row, its id (8 bytes) and the first 8 bytes of its hash, so verify can name the first altered, deleted or
-- late-inserted row; the integrity itself rests on `hash`.
CREATE TABLE audit_seal (
  seq bigint PRIMARY KEY CHECK (seq >= 1),
  first_event_id bigint NOT NULL,
  last_event_id bigint NOT NULL UNIQUE,
  row_count integer NOT NULL CHECK (row_count >= 1),
  previous_hash text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  row_index bytea NOT NULL CHECK (length(row_index) = 16 * row_count),
  sealed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (first_event_id <= last_event_id)
);

-- The runtime role may only add and read audit rows and seals (ADR 2), and may not choose an event's id or time.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_event FROM openmace_runtime;
GRANT INSERT (partnership_id, actor_id, actor_role, actor_agency_id, action, record_type, record_id, outcome,
  reason, request_id, ip, details) ON audit_event TO openmace_runtime;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_seal FROM openmace_runtime;

-- Nobody changes audit rows, the owner included: tampering means disabling these triggers first, on purpose,
-- and `openmace audit verify` detects the result.
CREATE FUNCTION audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION audit_refuse_change() FROM openmace_runtime;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
