-- recording index (issue 9): one row per recorded segment file, the gaps a camera was not recorded, storage
-- incidents; times are epoch milliseconds (UTC) so a time range is one indexed range scan; row-level security
CREATE TABLE recording_segment (
  tenant_id      VARCHAR(64)  NOT NULL,
  segment_id     VARCHAR(160) NOT NULL,
  camera_id      VARCHAR(64)  NOT NULL,
  stream         VARCHAR(8)   NOT NULL,
  start_ms       BIGINT       NOT NULL,
  end_ms         BIGINT       NOT NULL,
  bytes          BIGINT       NOT NULL,
  codec          VARCHAR(16)  NOT NULL,
  resolution     VARCHAR(16)  NOT NULL,
  source         VARCHAR(16)  NOT NULL,
  trigger_kind   VARCHAR(16)  NOT NULL,
  event_type     VARCHAR(64)  NOT NULL DEFAULT '',
  sha256         VARCHAR(64)  NOT NULL,
  node_id        VARCHAR(64)  NOT NULL,
  path           TEXT         NOT NULL,
  tier           VARCHAR(16)  NOT NULL DEFAULT 'local',
  object_key     TEXT,
  local_present  BOOLEAN      NOT NULL DEFAULT TRUE,
  protected      BOOLEAN      NOT NULL DEFAULT FALSE,
  protect_reason VARCHAR(200) NOT NULL DEFAULT '',
  state          VARCHAR(16)  NOT NULL DEFAULT 'present',
  indexed_ms     BIGINT       NOT NULL,
  deleted_ms     BIGINT,
  PRIMARY KEY (tenant_id, segment_id)
)
;
CREATE INDEX recording_segment_range ON recording_segment (tenant_id, camera_id, stream, start_ms)
;
CREATE INDEX recording_segment_node ON recording_segment (node_id, state, start_ms)
;
CREATE TABLE recording_gap (
  tenant_id  VARCHAR(64)  NOT NULL,
  camera_id  VARCHAR(64)  NOT NULL,
  stream     VARCHAR(8)   NOT NULL,
  start_ms   BIGINT       NOT NULL,
  end_ms     BIGINT       NOT NULL,
  reason     VARCHAR(500) NOT NULL DEFAULT '',
  fill_state VARCHAR(16)  NOT NULL DEFAULT 'open',
  fill_note  VARCHAR(500) NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, camera_id, stream, start_ms)
)
;
CREATE TABLE storage_incident (
  tenant_id   VARCHAR(64)  NOT NULL,
  incident_id VARCHAR(64)  NOT NULL,
  node_id     VARCHAR(64)  NOT NULL,
  volume      TEXT         NOT NULL,
  kind        VARCHAR(32)  NOT NULL,
  detail      TEXT         NOT NULL,
  at_ms       BIGINT       NOT NULL,
  PRIMARY KEY (tenant_id, incident_id)
)
;
GRANT SELECT, INSERT, UPDATE, DELETE ON recording_segment, recording_gap, storage_incident TO vms_app
;
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['recording_segment', 'recording_gap', 'storage_incident'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''vms.tenant_id'', true)'
        || ' OR current_setting(''vms.platform'', true) = ''on'') WITH CHECK (tenant_id = current_setting(''vms.tenant_id'', true)'
        || ' OR current_setting(''vms.platform'', true) = ''on'')', t);
  END LOOP;
END
$$
