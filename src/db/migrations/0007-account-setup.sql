-- Accounts made by the system administrator: a person's account starts with no password and a one-time set-up
-- link; a service account never has a password (API tokens only, no pages).

ALTER TABLE app_user ADD COLUMN service_account boolean NOT NULL DEFAULT false;
ALTER TABLE app_user
  ADD CONSTRAINT app_user_service_account_no_password CHECK (NOT service_account OR password_hash IS NULL);

-- One-time set-up links: only the SHA-256 of the random token is kept (it carries 256 bits, so a slow hash adds
-- nothing). A link works once, until expires_at; issuing a new one removes the account's unused ones.
-- No partnership_id: a link is found by its hash before anyone is signed in, and it holds no case data.
CREATE TABLE account_set_up (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE INDEX account_set_up_user_idx ON account_set_up (user_id);
