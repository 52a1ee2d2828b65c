-- hierarchical configuration: current document per scope and its full version history
CREATE TABLE config_scope (
  tenant_id  NVARCHAR(64)  NOT NULL,
  scope      NVARCHAR(16)  NOT NULL,
  scope_id   NVARCHAR(64)  NOT NULL,
  version    INT           NOT NULL,
  doc        NVARCHAR(MAX) NOT NULL,
  updated_by NVARCHAR(128) NOT NULL,
  updated_at NVARCHAR(40)  NOT NULL,
  CONSTRAINT pk_config_scope PRIMARY KEY (scope, scope_id)
)
GO
CREATE INDEX config_scope_tenant ON config_scope (tenant_id)
GO
CREATE TABLE config_version (
  tenant_id  NVARCHAR(64)  NOT NULL,
  scope      NVARCHAR(16)  NOT NULL,
  scope_id   NVARCHAR(64)  NOT NULL,
  version    INT           NOT NULL,
  doc        NVARCHAR(MAX) NOT NULL,
  actor      NVARCHAR(128) NOT NULL,
  created_at NVARCHAR(40)  NOT NULL,
  change_note NVARCHAR(500),
  CONSTRAINT pk_config_version PRIMARY KEY (scope, scope_id, version)
)
GO
CREATE INDEX config_version_tenant ON config_version (tenant_id)
