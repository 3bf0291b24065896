-- 009_access: who may see what. Users are bound to one organisation (they see its subtree) and
-- one role. Secrets are never stored: passwords as Argon2id hashes, session and API tokens as
-- SHA-256 hashes of random tokens (the token itself is shown once, to its owner). The audit log
-- records every sign-in, read, export, query and admin action, without passwords or tokens.

CREATE SEQUENCE users_seq START 1;
CREATE TABLE users (
  user_id        INTEGER PRIMARY KEY DEFAULT nextval('users_seq'),
  username       VARCHAR NOT NULL UNIQUE,      -- lower case; an e-mail address for single sign-on
  display_name   VARCHAR,
  role           VARCHAR NOT NULL,             -- commissioner | cio | analyst | admin
  org_code       VARCHAR NOT NULL,             -- the user sees this organisation's subtree
  password_hash  VARCHAR,                      -- Argon2id (PHC string); NULL: single sign-on only
  source         VARCHAR NOT NULL DEFAULT 'local', -- local | oidc
  disabled       BOOLEAN NOT NULL DEFAULT false,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_sign_in_at TIMESTAMPTZ
);

-- Browser sessions: the cookie carries a random token; only its hash is kept, so a copy of the
-- store lets nobody sign in. Idle and absolute expiry are checked on every request.
CREATE TABLE sessions (
  token_hash   VARCHAR PRIMARY KEY,            -- hex SHA-256 of the cookie's token
  session_id   VARCHAR NOT NULL UNIQUE,        -- a public handle, to list and revoke sessions
  user_id      INTEGER NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL,           -- absolute expiry
  revoked_at   TIMESTAMPTZ,
  ip           VARCHAR,
  user_agent   VARCHAR,
  method       VARCHAR NOT NULL                -- password | oidc
);

-- API tokens for scripts and notebooks (Authorization: Bearer <token>).
CREATE SEQUENCE api_tokens_seq START 1;
CREATE TABLE api_tokens (
  token_id     INTEGER PRIMARY KEY DEFAULT nextval('api_tokens_seq'),
  token_hash   VARCHAR NOT NULL UNIQUE,
  user_id      INTEGER NOT NULL,
  label        VARCHAR NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_used_at TIMESTAMPTZ,
  revoked_at   TIMESTAMPTZ
);

CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
  audit_id   BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
  occurred_at TIMESTAMPTZ NOT NULL,
  username   VARCHAR,                          -- NULL when nobody was signed in
  role       VARCHAR,
  user_org   VARCHAR,                          -- the user's scope
  action     VARCHAR NOT NULL,                 -- sign_in | sign_out | metric_read | export | sql_query | admin | ...
  method     VARCHAR,
  route      VARCHAR,
  params     VARCHAR,                          -- the request's parameters as JSON (never secrets)
  org_code   VARCHAR,                          -- the organisation asked for
  row_count  BIGINT,
  status     INTEGER,                          -- HTTP status answered
  outcome    VARCHAR NOT NULL,                 -- ok | denied | failed | error
  ip         VARCHAR,
  detail     VARCHAR
);
