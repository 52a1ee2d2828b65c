-- hierarchical configuration: current document per scope and its full version history
CREATE TABLE config_scope (
  tenant_id  VARCHAR(64)  NOT NULL,
  scope      VARCHAR(16)  NOT NULL,
  scope_id   VARCHAR(64)  NOT NULL,
  version    INT          NOT NULL,
  doc        TEXT         NOT NULL,
  updated_by VARCHAR(128) NOT NULL,
  updated_at VARCHAR(40)  NOT NULL,
  PRIMARY KEY (scope, scope_id)
)
;
CREATE INDEX config_scope_tenant ON config_scope (tenant_id)
;
CREATE TABLE config_version (
  tenant_id  VARCHAR(64)  NOT NULL,
  scope      VARCHAR(16)  NOT NULL,
  scope_id   VARCHAR(64)  NOT NULL,
  version    INT          NOT NULL,
  doc        TEXT         NOT NULL,
  actor      VARCHAR(128) NOT NULL,
  created_at VARCHAR(40)  NOT NULL,
  change_note VARCHAR(500),
  PRIMARY KEY (scope, scope_id, version)
)
;
CREATE INDEX config_version_tenant ON config_version (tenant_id)
