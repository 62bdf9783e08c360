-- API tokens for system-to-system use: scoped, expiring, revocable; only a SHA-256 of the secret is stored.
CREATE TABLE api_token (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partnership_id uuid NOT NULL REFERENCES partnership (id),
  user_id uuid NOT NULL REFERENCES app_user (id),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- The first characters of the token, to recognise it in a list; not enough to use it.
  token_prefix text NOT NULL CHECK (length(token_prefix) <= 12),
  scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by uuid,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE INDEX api_token_partnership_idx ON api_token (partnership_id);
CREATE INDEX api_token_user_idx ON api_token (user_id);
