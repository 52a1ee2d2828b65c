package com.softdew.vms.codec;

import com.softdew.vms.model.Priority;

/**
 * Every event-bus address and Kafka topic of the system, in one place.
 *
 * <p>Bus addresses are lowercase and dotted; those a browser may reach start with {@code client.}
 * and always carry the tenant, so the SockJS bridge can authorise them by prefix.
 */
public final class Addresses {
  private Addresses() {}

  // ---- event bus: platform ----
  /** Request/reply: the hierarchical runtime configuration service. */
  public static final String CONFIG_SERVICE = "vms.config.service";
  /** Publish: a configuration scope changed; every node drops its cached copy. */
  public static final String CONFIG_CHANGED = "vms.config.changed";
  /** Publish: a node announces itself (role, version) every heartbeat period. */
  public static final String NODE_HEARTBEAT = "vms.node.heartbeat";
  /** Request/reply: liveness ping answered by every node (used by the cluster test and by ops). */
  public static final String NODE_PING = "vms.node.ping";

  /** Publish: a tenant or its licence changed; nodes reload their tenant directory. */
  public static final String TENANT_CHANGED = "vms.tenant.changed";
  /** Publish: a tenant's licence became active or inactive {tenantId, active, reason}; ingest and analytics obey it. */
  public static final String LICENCE_STATE = "vms.licence.state";
  /** Publish: a licence expires soon {tenantId, daysLeft, validUntil} (30, 7 and 1 days before). */
  public static final String LICENCE_WARNING = "vms.licence.warning";

  // ---- event bus: data plane ----
  /** Publish: a camera stream went up or down (one message per state change). */
  public static final String INGEST_CAMERA_STATUS = "vms.ingest.camera.status";
  /** Publish: a new segment was written to the segment store. */
  public static final String SEGMENT_WRITTEN = "vms.segment.written";
  /** Publish: a new or updated event (internal, all tenants). */
  public static final String EVENT_UPDATED = "vms.event.updated";
  /**
   * Publish: a pipeline agent (edge node running camera pipelines) announces itself every heartbeat
   * {nodeId, capacity, running: [tenant/camera...], epoch, leaving, at}. Assigners track live agents from it.
   */
  public static final String PIPELINE_AGENT_HEARTBEAT = "vms.pipeline.agent.heartbeat";
  /**
   * Publish: the pipeline assigner (the one holding the lease) asks every agent to announce itself now
   * (sent when it takes the lease, so a new assigner learns the fleet without waiting a heartbeat).
   */
  public static final String PIPELINE_AGENT_ROLLCALL = "vms.pipeline.agent.rollcall";
  /**
   * Publish: measured stream quality fell below (degraded=true) or came back above (degraded=false) an
   * enabled model's needs {tenantId, cameraId, model, degraded, action keep|pause, reasons, source, at}.
   */
  public static final String PIPELINE_DEGRADED = "vms.pipeline.degraded";

  /**
   * Request/reply: the full camera assignment of one pipeline agent {assignerId, epoch, seq, cameras: [spec...]};
   * the agent replies {nodeId, running: [...]} once the pipelines run as assigned. Specs carry camera
   * credentials: run the clustered event bus over TLS in production.
   */
  public static String pipelineAgentAssign(String nodeId) {
    if (nodeId == null || nodeId.isEmpty()) throw new IllegalArgumentException("node id required");
    return "vms.pipeline.agent." + nodeId + ".assign";
  }

  // ---- event bus: recording and storage (issue 9) ----
  /** Publish (node-local consumers): a recorder closed a segment (RecordingSegment JSON); the node's outbox journals it. */
  public static final String RECORDING_SEGMENT = "vms.recording.segment";
  /** Publish (node-local consumers): a recording gap ended (RecordingGap JSON). */
  public static final String RECORDING_GAP = "vms.recording.gap";
  /**
   * Publish (node-local consumers): the SD-card gap filler finished a gap: the RecordingGap JSON plus
   * {fillState: filled|partial|unfillable|open, fillNote, attempts, segmentIds, remaining: [{start, end}]}; the
   * node's outbox journals it as a gapFilled record for the index.
   */
  public static final String RECORDING_GAP_FILLED = "vms.recording.gap.filled";
  /**
   * Request/reply: the control plane's recording index stores one journalled record
   * {kind, nodeId, record} idempotently and replies {ok: true, outcome} once committed; the edge outbox resends
   * until it gets that reply, in order. Kinds and records: segment (RecordingSegment JSON), gap (RecordingGap
   * JSON), gapFilled {tenantId, cameraId, stream, start (of the gap), fillState, fillNote}, uploaded {tenantId,
   * segmentId, tier, objectKey}, localEvicted {tenantId, segmentId}. A malformed record fails with 400 naming
   * the field.
   */
  public static final String RECORDING_INDEX = "vms.recording.index";
  /**
   * Publish: a recording trigger for the mode gates of a camera's recorders
   * {tenantId, cameraId, kind: motion|event, eventType, at, until}.
   */
  public static final String RECORDING_TRIGGER = "vms.recording.trigger";
  /**
   * Request/reply: a volume janitor asks the index what it may delete
   * {nodeId, volume, bytesToFree, now} → {indexedSegments, indexedBytes, candidates: [{tenantId, segmentId, path,
   * sha256, bytes, reason}]}; a failure or timeout means: delete nothing.
   */
  public static final String STORAGE_CANDIDATES = "vms.storage.candidates";
  /** Request/reply: a janitor reports the files it deleted {nodeId, deleted: [{tenantId, segmentId}]} → {ok}. */
  public static final String STORAGE_DELETED = "vms.storage.deleted";
  /** Publish: a storage incident {nodeId, volume, kind, detail, at} (index unavailable or inconsistent, disk full). */
  public static final String STORAGE_INCIDENT = "vms.storage.incident";

  /**
   * Request/reply: an operator action on an event {tenantId, eventId, action: acknowledge|resolve|false-positive|
   * escalate|note|tags|get, actor, text?, replyTo?, add?, remove?, reason?} → the event (failure 400/404/409).
   */
  public static final String EVENT_ACTIONS = "vms.event.actions";
  /**
   * Request/reply: an acknowledgement sent by a browser over SockJS, forwarded by the bridge with the tenant forced
   * from the socket's token {tenantId, eventId, action, note, actor: {userId, username, role}, via, at}.
   */
  public static final String EVENT_ACK = "vms.event.ack";

  /** Publish: a watchdog incident. */
  public static final String INCIDENT_RAISED = "vms.incident.raised";

  // ---- event bus: browser-facing (tenant scoped) ----
  /** Prefix of every address a browser may subscribe to. */
  public static final String CLIENT_PREFIX = "client.";

  /** Events of one tenant pushed to its browsers. */
  public static String clientEvents(String tenantId) {
    return CLIENT_PREFIX + "tenant." + requireSegment(tenantId) + ".events";
  }

  /** Camera status changes of one tenant pushed to its browsers. */
  public static String clientCameraStatus(String tenantId) {
    return CLIENT_PREFIX + "tenant." + requireSegment(tenantId) + ".cameras.status";
  }

  /** Progress of a camera bulk import of one tenant {jobId, done, total}. */
  public static String clientImportProgress(String tenantId) {
    return CLIENT_PREFIX + "tenant." + requireSegment(tenantId) + ".cameras.import";
  }

  /** Progress of a discovery scan of one tenant {jobId, done, total}. */
  public static String clientDiscoveryProgress(String tenantId) {
    return CLIENT_PREFIX + "tenant." + requireSegment(tenantId) + ".discovery";
  }

  /** Publish: a camera's health changed {tenantId, cameraId, reachable, authenticated, status, error, at}. */
  public static final String CAMERA_HEALTH = "vms.camera.health";

  /** Publish: a camera was added, changed or removed {tenantId, cameraId, action}. */
  public static final String CAMERA_CHANGED = "vms.camera.changed";

  /** The tenant a client address belongs to, or null when the address is not tenant scoped. */
  public static String tenantOfClientAddress(String address) {
    String p = CLIENT_PREFIX + "tenant.";
    if (address == null || !address.startsWith(p)) return null;
    int end = address.indexOf('.', p.length());
    return end < 0 ? null : address.substring(p.length(), end);
  }

  // ---- Kafka topics ----
  public static final String TOPIC_VIDEO_JOBS_CRITICAL = "video-jobs-critical";
  public static final String TOPIC_VIDEO_JOBS_HIGH = "video-jobs-high";
  public static final String TOPIC_VIDEO_JOBS_STANDARD = "video-jobs-standard";
  public static final String TOPIC_DETECTIONS = "vms-detections";
  public static final String TOPIC_EVENTS = "vms-events";
  public static final String TOPIC_INCIDENTS = "vms-incidents";
  public static final String TOPIC_DEAD_LETTERS = "vms-dead-letters";

  /**
   * The job topic for a priority. The seed has three topics for four priorities: MEDIUM work shares
   * the standard topic (its consumers age it ahead of STANDARD inside the scheduler).
   */
  public static String videoJobTopic(Priority priority) {
    return switch (priority) {
      case CRITICAL -> TOPIC_VIDEO_JOBS_CRITICAL;
      case HIGH -> TOPIC_VIDEO_JOBS_HIGH;
      case MEDIUM, STANDARD -> TOPIC_VIDEO_JOBS_STANDARD;
    };
  }

  private static String requireSegment(String id) {
    if (id == null || id.isEmpty() || id.contains(".") || id.contains("*")) {
      throw new IllegalArgumentException("tenant id must be a non-empty token without '.' or '*': " + id);
    }
    return id;
  }
}
