-- camera registry: cameras attached to the site hierarchy, free tags, credentials sealed at rest; security policy
CREATE TABLE camera (
  tenant_id     NVARCHAR(64)  NOT NULL,
  camera_id     NVARCHAR(64)  NOT NULL,
  name          NVARCHAR(200) NOT NULL,
  node_id       NVARCHAR(64),
  tags          NVARCHAR(MAX) NOT NULL DEFAULT '',
  vendor        NVARCHAR(64)  NOT NULL DEFAULT '',
  model         NVARCHAR(128) NOT NULL DEFAULT '',
  serial        NVARCHAR(128) NOT NULL DEFAULT '',
  host          NVARCHAR(255) NOT NULL,
  onvif_url     NVARCHAR(MAX) NOT NULL DEFAULT '',
  rtsp_main     NVARCHAR(450) NOT NULL DEFAULT '',
  rtsp_sub      NVARCHAR(MAX) NOT NULL DEFAULT '',
  auth_type     NVARCHAR(16)  NOT NULL,
  username      NVARCHAR(128) NOT NULL DEFAULT '',
  secret_sealed NVARCHAR(MAX),
  plugin        NVARCHAR(32)  NOT NULL DEFAULT '',
  enabled       BIT           NOT NULL DEFAULT 1,
  version       INT           NOT NULL,
  created_at    NVARCHAR(40)  NOT NULL,
  updated_at    NVARCHAR(40)  NOT NULL,
  CONSTRAINT pk_camera PRIMARY KEY (tenant_id, camera_id)
)
GO
CREATE UNIQUE INDEX camera_stream_unique ON camera (tenant_id, host, rtsp_main)
GO
ALTER SECURITY POLICY dbo.tenant_isolation
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.camera,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.camera
