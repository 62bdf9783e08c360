-- Single sign-on (OpenID Connect, docs/adr/0010-oidc-sign-in.md). An account is found by the configured claim
-- (its email address) at its first single sign-on; the provider's subject identifier (`sub`, stable and never
-- reassigned, unlike an email address) is recorded then, and every later sign-on must present the same one.
-- The login in progress (state, nonce, PKCE verifier) lives in the pre-sign-in session row, not here.
ALTER TABLE app_user
  ADD COLUMN oidc_issuer text CHECK (length(oidc_issuer) BETWEEN 1 AND 500),
  ADD COLUMN oidc_subject text CHECK (length(oidc_subject) BETWEEN 1 AND 255),
  ADD COLUMN oidc_linked_at timestamptz,
  ADD CONSTRAINT app_user_oidc_complete CHECK (
    (oidc_issuer IS NULL) = (oidc_subject IS NULL) AND (oidc_subject IS NULL) = (oidc_linked_at IS NULL)
  );

-- One account per subject of an issuer: a provider identity can never open two accounts.
CREATE UNIQUE INDEX app_user_oidc_subject_idx ON app_user (oidc_issuer, oidc_subject)
  WHERE oidc_subject IS NOT NULL;
