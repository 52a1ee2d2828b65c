-- tenancy: tenants, licences, site hierarchy, users, refresh tokens, signing keys; row-level security on every tenant table
CREATE TABLE tenant (
  tenant_id    VARCHAR(64)  PRIMARY KEY,
  name         VARCHAR(200) NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  ip_allowlist TEXT         NOT NULL DEFAULT '',
  time_zone    VARCHAR(64)  NOT NULL DEFAULT 'UTC',
  created_at   VARCHAR(40)  NOT NULL
)
;
CREATE TABLE licence (
  tenant_id    VARCHAR(64)  PRIMARY KEY REFERENCES tenant (tenant_id),
  camera_limit INT          NOT NULL,
  valid_from   VARCHAR(40)  NOT NULL,
  valid_until  VARCHAR(40)  NOT NULL,
  models       TEXT         NOT NULL,
  version      INT          NOT NULL,
  updated_at   VARCHAR(40)  NOT NULL
)
;
CREATE TABLE site_node (
  tenant_id  VARCHAR(64)  NOT NULL,
  node_id    VARCHAR(64)  NOT NULL,
  parent_id  VARCHAR(64),
  kind       VARCHAR(16)  NOT NULL,
  name       VARCHAR(200) NOT NULL,
  created_at VARCHAR(40)  NOT NULL,
  PRIMARY KEY (tenant_id, node_id)
)
;
CREATE TABLE app_user (
  user_id         VARCHAR(64)  PRIMARY KEY,
  tenant_id       VARCHAR(64)  NOT NULL,
  username        VARCHAR(128) NOT NULL UNIQUE,
  role            VARCHAR(16)  NOT NULL,
  password_hash   TEXT         NOT NULL,
  totp_secret     TEXT,
  totp_last_step  BIGINT       NOT NULL DEFAULT 0,
  recovery_hashes TEXT         NOT NULL DEFAULT '',
  failed_attempts INT          NOT NULL DEFAULT 0,
  locked_until    VARCHAR(40),
  disabled        BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at      VARCHAR(40)  NOT NULL
)
;
CREATE INDEX app_user_tenant ON app_user (tenant_id)
;
CREATE TABLE refresh_token (
  token_hash VARCHAR(64) PRIMARY KEY,
  family_id  VARCHAR(64) NOT NULL,
  tenant_id  VARCHAR(64) NOT NULL,
  user_id    VARCHAR(64) NOT NULL,
  issued_at  VARCHAR(40) NOT NULL,
  expires_at VARCHAR(40) NOT NULL,
  used_at    VARCHAR(40),
  revoked_at VARCHAR(40)
)
;
CREATE INDEX refresh_token_family ON refresh_token (family_id)
;
CREATE TABLE signing_key (
  kid           VARCHAR(64) PRIMARY KEY,
  sealed_secret TEXT        NOT NULL,
  created_at    VARCHAR(40) NOT NULL
)
;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vms_app') THEN
    CREATE ROLE vms_app NOLOGIN;
  END IF;
END
$$
;
DO $$
BEGIN
  -- superusers may SET ROLE to any role; a plain application account must be a member of vms_app
  IF NOT pg_has_role(current_user, 'vms_app', 'MEMBER') THEN
    EXECUTE format('GRANT vms_app TO %I', current_user);
  END IF;
END
$$
;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant, licence, site_node, app_user, refresh_token, config_scope, config_version TO vms_app
;
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant', 'licence', 'site_node', 'app_user', 'refresh_token', 'config_scope', 'config_version'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''vms.tenant_id'', true)'
        || ' OR current_setting(''vms.platform'', true) = ''on'') WITH CHECK (tenant_id = current_setting(''vms.tenant_id'', true)'
        || ' OR current_setting(''vms.platform'', true) = ''on'')', t);
  END LOOP;
END
$$
