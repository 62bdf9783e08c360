-- Identity: teams, users, roles, recovery codes, sign-in throttling and sessions.
-- The runtime role gets what 0001's default privileges give (read and write), except on reference data.

-- Reference data: the roles of PRODUCT.md ("Who uses it"). Capabilities come from roles in the access module.
CREATE TABLE role (
  code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z-]*$'),
  label text NOT NULL,
  sort_order integer NOT NULL
);
INSERT INTO role (code, label, sort_order) VALUES
  ('practitioner', 'Practitioner', 1),
  ('dsl', 'Designated safeguarding lead', 2),
  ('front-door', 'Front-door worker', 3),
  ('social-worker', 'Social worker or lead professional', 4),
  ('team-manager', 'Team manager', 5),
  ('mace-chair', 'MACE coordinator or chair', 6),
  ('police-intelligence', 'Exploitation officer or intelligence analyst', 7),
  ('strategic-leader', 'Strategic leader', 8),
  ('dpo', 'Data protection officer or auditor', 9),
  ('system-admin', 'System administrator', 10);
REVOKE INSERT, UPDATE, DELETE ON role FROM openmace_runtime;

CREATE TABLE team (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  agency_id uuid NOT NULL REFERENCES agency (id),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1,
  UNIQUE (agency_id, name)
);
CREATE INDEX team_partnership_idx ON team (partnership_id);

CREATE TABLE app_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  agency_id uuid NOT NULL REFERENCES agency (id),
  team_id uuid REFERENCES team (id),
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
  display_name text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
  -- argon2id (PHC string); NULL for single-sign-on-only accounts.
  password_hash text,
  -- Base32 TOTP secret: set at enrolment, enabled once a code confirms it. Never sent to a page after enrolment.
  totp_secret text,
  totp_enabled_at timestamptz,
  -- The last accepted TOTP time step: a code is never accepted twice.
  totp_last_step bigint,
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until timestamptz,
  disabled_at timestamptz,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX app_user_email_idx ON app_user (lower(email));
CREATE INDEX app_user_partnership_idx ON app_user (partnership_id);
CREATE INDEX app_user_agency_idx ON app_user (agency_id);

CREATE TABLE user_role (
  user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  role text NOT NULL REFERENCES role (code),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  PRIMARY KEY (user_id, role)
);

CREATE TABLE recovery_code (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  -- SHA-256 of the code: codes carry about 59 random bits and are used once, so a slow hash adds little.
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, code_hash)
);

-- Failed sign-ins for email addresses that have no account, so that lockout looks the same whether or not the
-- address exists. Keyed by the SHA-256 of the lower-cased address: no personal data.
CREATE TABLE sign_in_throttle (
  email_hash text PRIMARY KEY,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Sessions: the primary key is the SHA-256 of the session id in the cookie, so a copy of this table cannot be
-- replayed. Idle expiry is last_seen_at + the idle timeout, checked on every request; expires_at is absolute.
-- data holds only the sign-in state and the CSRF secret, never case data.
CREATE TABLE session (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id uuid REFERENCES app_user (id) ON DELETE CASCADE,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX session_user_idx ON session (user_id);
CREATE INDEX session_expires_idx ON session (expires_at);
