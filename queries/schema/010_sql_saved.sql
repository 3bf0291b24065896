-- 010_sql_saved: analysts' saved queries in the SQL workbench. A saved query is SQL text, not data:
-- running it always runs in the runner's own scope. A shared one is listed to the users whose
-- scope is the owner's organisation or lies within it. (History is read from the audit log.)
CREATE SEQUENCE sql_saved_seq START 1;
CREATE TABLE sql_saved (
  saved_id    INTEGER PRIMARY KEY DEFAULT nextval('sql_saved_seq'),
  owner       VARCHAR NOT NULL,          -- username
  owner_org   VARCHAR NOT NULL,          -- the owner's scope when saved
  name        VARCHAR NOT NULL,
  description VARCHAR,
  sql_text    VARCHAR NOT NULL,
  shared      BOOLEAN NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
