-- tenancy: tenants, licences, site hierarchy, users, refresh tokens, signing keys; security policy on every tenant table
CREATE TABLE tenant (
  tenant_id    NVARCHAR(64)  PRIMARY KEY,
  name         NVARCHAR(200) NOT NULL,
  status       NVARCHAR(16)  NOT NULL,
  ip_allowlist NVARCHAR(MAX) NOT NULL DEFAULT '',
  time_zone    NVARCHAR(64)  NOT NULL DEFAULT 'UTC',
  created_at   NVARCHAR(40)  NOT NULL
)
GO
CREATE TABLE licence (
  tenant_id    NVARCHAR(64)  PRIMARY KEY REFERENCES tenant (tenant_id),
  camera_limit INT           NOT NULL,
  valid_from   NVARCHAR(40)  NOT NULL,
  valid_until  NVARCHAR(40)  NOT NULL,
  models       NVARCHAR(MAX) NOT NULL,
  version      INT           NOT NULL,
  updated_at   NVARCHAR(40)  NOT NULL
)
GO
CREATE TABLE site_node (
  tenant_id  NVARCHAR(64)  NOT NULL,
  node_id    NVARCHAR(64)  NOT NULL,
  parent_id  NVARCHAR(64),
  kind       NVARCHAR(16)  NOT NULL,
  name       NVARCHAR(200) NOT NULL,
  created_at NVARCHAR(40)  NOT NULL,
  CONSTRAINT pk_site_node PRIMARY KEY (tenant_id, node_id)
)
GO
CREATE TABLE app_user (
  user_id         NVARCHAR(64)  PRIMARY KEY,
  tenant_id       NVARCHAR(64)  NOT NULL,
  username        NVARCHAR(128) NOT NULL UNIQUE,
  role            NVARCHAR(16)  NOT NULL,
  password_hash   NVARCHAR(MAX) NOT NULL,
  totp_secret     NVARCHAR(MAX),
  totp_last_step  BIGINT        NOT NULL DEFAULT 0,
  recovery_hashes NVARCHAR(MAX) NOT NULL DEFAULT '',
  failed_attempts INT           NOT NULL DEFAULT 0,
  locked_until    NVARCHAR(40),
  disabled        BIT           NOT NULL DEFAULT 0,
  created_at      NVARCHAR(40)  NOT NULL
)
GO
CREATE TABLE refresh_token (
  token_hash NVARCHAR(64) PRIMARY KEY,
  family_id  NVARCHAR(64) NOT NULL,
  tenant_id  NVARCHAR(64) NOT NULL,
  user_id    NVARCHAR(64) NOT NULL,
  issued_at  NVARCHAR(40) NOT NULL,
  expires_at NVARCHAR(40) NOT NULL,
  used_at    NVARCHAR(40),
  revoked_at NVARCHAR(40)
)
GO
CREATE TABLE signing_key (
  kid           NVARCHAR(64)  PRIMARY KEY,
  sealed_secret NVARCHAR(MAX) NOT NULL,
  created_at    NVARCHAR(40)  NOT NULL
)
GO
CREATE FUNCTION dbo.fn_tenant_predicate(@tenant_id NVARCHAR(64))
  RETURNS TABLE WITH SCHEMABINDING
AS RETURN SELECT 1 AS ok
  WHERE @tenant_id = CAST(SESSION_CONTEXT(N'vms.tenant_id') AS NVARCHAR(64))
     OR CAST(SESSION_CONTEXT(N'vms.platform') AS NVARCHAR(8)) = N'on'
GO
CREATE SECURITY POLICY dbo.tenant_isolation
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.tenant,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.tenant,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.licence,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.licence,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.site_node,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.site_node,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.app_user,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.app_user,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.refresh_token,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.refresh_token,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.config_scope,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.config_scope,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.config_version,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.config_version
  WITH (STATE = ON)
