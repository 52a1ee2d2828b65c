-- recording index (issue 9): one row per recorded segment file, the gaps a camera was not recorded, storage
-- incidents; times are epoch milliseconds (UTC) so a time range is one indexed range scan; security policy
CREATE TABLE recording_segment (
  tenant_id      NVARCHAR(64)  NOT NULL,
  segment_id     NVARCHAR(160) NOT NULL,
  camera_id      NVARCHAR(64)  NOT NULL,
  stream         NVARCHAR(8)   NOT NULL,
  start_ms       BIGINT        NOT NULL,
  end_ms         BIGINT        NOT NULL,
  bytes          BIGINT        NOT NULL,
  codec          NVARCHAR(16)  NOT NULL,
  resolution     NVARCHAR(16)  NOT NULL,
  source         NVARCHAR(16)  NOT NULL,
  trigger_kind   NVARCHAR(16)  NOT NULL,
  event_type     NVARCHAR(64)  NOT NULL DEFAULT '',
  sha256         NVARCHAR(64)  NOT NULL,
  node_id        NVARCHAR(64)  NOT NULL,
  path           NVARCHAR(MAX) NOT NULL,
  tier           NVARCHAR(16)  NOT NULL DEFAULT 'local',
  object_key     NVARCHAR(MAX),
  local_present  BIT           NOT NULL DEFAULT 1,
  protected      BIT           NOT NULL DEFAULT 0,
  protect_reason NVARCHAR(200) NOT NULL DEFAULT '',
  state          NVARCHAR(16)  NOT NULL DEFAULT 'present',
  indexed_ms     BIGINT        NOT NULL,
  deleted_ms     BIGINT,
  CONSTRAINT pk_recording_segment PRIMARY KEY (tenant_id, segment_id)
)
GO
CREATE INDEX recording_segment_range ON recording_segment (tenant_id, camera_id, stream, start_ms)
GO
CREATE INDEX recording_segment_node ON recording_segment (node_id, state, start_ms)
GO
CREATE TABLE recording_gap (
  tenant_id  NVARCHAR(64)  NOT NULL,
  camera_id  NVARCHAR(64)  NOT NULL,
  stream     NVARCHAR(8)   NOT NULL,
  start_ms   BIGINT        NOT NULL,
  end_ms     BIGINT        NOT NULL,
  reason     NVARCHAR(500) NOT NULL DEFAULT '',
  fill_state NVARCHAR(16)  NOT NULL DEFAULT 'open',
  fill_note  NVARCHAR(500) NOT NULL DEFAULT '',
  CONSTRAINT pk_recording_gap PRIMARY KEY (tenant_id, camera_id, stream, start_ms)
)
GO
CREATE TABLE storage_incident (
  tenant_id   NVARCHAR(64)  NOT NULL,
  incident_id NVARCHAR(64)  NOT NULL,
  node_id     NVARCHAR(64)  NOT NULL,
  volume      NVARCHAR(MAX) NOT NULL,
  kind        NVARCHAR(32)  NOT NULL,
  detail      NVARCHAR(MAX) NOT NULL,
  at_ms       BIGINT        NOT NULL,
  CONSTRAINT pk_storage_incident PRIMARY KEY (tenant_id, incident_id)
)
GO
ALTER SECURITY POLICY dbo.tenant_isolation
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.recording_segment,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.recording_segment,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.recording_gap,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.recording_gap,
  ADD FILTER PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.storage_incident,
  ADD BLOCK PREDICATE dbo.fn_tenant_predicate(tenant_id) ON dbo.storage_incident
