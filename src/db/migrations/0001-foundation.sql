-- Foundation: extensions, runtime privileges, partnerships and agencies.
-- Each migration runs in one transaction: no BEGIN/COMMIT here.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The app's runtime login role is a member of openmace_runtime (created before migrations run).
-- Tables created by later migrations are readable and writable by it unless a migration revokes that
-- (as the audit tables will: INSERT only).
GRANT USAGE ON SCHEMA public TO openmace_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO openmace_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO openmace_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO openmace_runtime;
-- The runtime role may read, never alter, the migration history.
GRANT SELECT ON schema_migration TO openmace_runtime;

-- Reference data: agency types (PRODUCT.md, "Who uses it"). Versioned by migrations, never hard-coded in logic.
CREATE TABLE agency_type (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO agency_type (code, label, sort_order) VALUES
  ('police', 'Police', 1),
  ('childrens-services', 'Children''s services', 2),
  ('health', 'Health', 3),
  ('education', 'Education', 4),
  ('youth-justice', 'Youth justice', 5),
  ('voluntary', 'Voluntary sector', 6),
  ('housing', 'Housing', 7),
  ('other-local-authority', 'Other local authority', 8),
  ('partnership', 'Safeguarding partnership', 9);
REVOKE INSERT, UPDATE, DELETE ON agency_type FROM openmace_runtime;

-- A safeguarding partnership: one per deployment by default; every case table carries partnership_id.
CREATE TABLE partnership (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  -- DfE local authority code (3 digits), used by the children-in-need census export.
  la_code text CHECK (la_code ~ '^[0-9]{3}$'),
  -- Fictional demonstration data: never mixed with real records.
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1
);

CREATE TABLE agency (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  agency_type text NOT NULL REFERENCES agency_type (code),
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  UNIQUE (partnership_id, name)
);
CREATE INDEX agency_partnership_idx ON agency (partnership_id);
