-- camera registry: cameras attached to the site hierarchy, free tags, credentials sealed at rest; row-level security
CREATE TABLE camera (
  tenant_id     VARCHAR(64)  NOT NULL,
  camera_id     VARCHAR(64)  NOT NULL,
  name          VARCHAR(200) NOT NULL,
  node_id       VARCHAR(64),
  tags          TEXT         NOT NULL DEFAULT '',
  vendor        VARCHAR(64)  NOT NULL DEFAULT '',
  model         VARCHAR(128) NOT NULL DEFAULT '',
  serial        VARCHAR(128) NOT NULL DEFAULT '',
  host          VARCHAR(255) NOT NULL,
  onvif_url     TEXT         NOT NULL DEFAULT '',
  rtsp_main     TEXT         NOT NULL DEFAULT '',
  rtsp_sub      TEXT         NOT NULL DEFAULT '',
  auth_type     VARCHAR(16)  NOT NULL,
  username      VARCHAR(128) NOT NULL DEFAULT '',
  secret_sealed TEXT,
  plugin        VARCHAR(32)  NOT NULL DEFAULT '',
  enabled       BOOLEAN      NOT NULL DEFAULT TRUE,
  version       INT          NOT NULL,
  created_at    VARCHAR(40)  NOT NULL,
  updated_at    VARCHAR(40)  NOT NULL,
  PRIMARY KEY (tenant_id, camera_id)
)
;
CREATE UNIQUE INDEX camera_stream_unique ON camera (tenant_id, host, rtsp_main)
;
CREATE INDEX camera_node ON camera (tenant_id, node_id)
;
GRANT SELECT, INSERT, UPDATE, DELETE ON camera TO vms_app
;
ALTER TABLE camera ENABLE ROW LEVEL SECURITY
;
CREATE POLICY tenant_isolation ON camera USING (tenant_id = current_setting('vms.tenant_id', true)
  OR current_setting('vms.platform', true) = 'on') WITH CHECK (tenant_id = current_setting('vms.tenant_id', true)
  OR current_setting('vms.platform', true) = 'on')
