package com.softdew.vms.edge.pipeline;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ingest.CameraIngestLoop;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.edge.segment.SegmentWriter;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera's edge pipeline: ingest loop (its own thread) → normaliser → frame ring and segment
 * writer (its own thread) → job dispatcher (Kafka, priority topics). Frames never leave the process;
 * each closed segment is announced on {@link Addresses#SEGMENT_WRITTEN} and, when models are enabled,
 * becomes one VideoJob per priority class.
 *
 * <p>The seed's job schema has UUIDs for customer and camera; registry ids that are not UUIDs are
 * mapped to name-based UUIDs ({@link #uuidOf}), stable across restarts and nodes.
 */
public final class CameraPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CameraPipeline.class);

  /** What to ingest and what to run on it. */
  public record Spec(String tenantId, String cameraId, String url, String user, String password, Map<String, Priority> enabledModels,
      VideoJob.SourceQuality source, int segmentLengthSeconds, double overlapSeconds) {}

  private final Vertx vertx;
  private final Spec spec;
  private CameraIngestLoop loop;
  private SegmentWriter writer;

  private CameraPipeline(Vertx vertx, Spec spec) {
    this.vertx = vertx;
    this.spec = spec;
  }

  /** Registry id → UUID: the id itself when it is one, else a name-based UUID of kind and id. */
  public static UUID uuidOf(String kind, String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return UUID.nameUUIDFromBytes(("vms:" + kind + ":" + id).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Starts the writer and the ingest loop (blocking parts on a worker); completes when both run. */
  public static Future<CameraPipeline> start(Vertx vertx, SegmentStore store, JobDispatcher dispatcher, Spec spec, MeterRegistry metrics) {
    // metrics may be disabled (metrics.enabled=false): the stages still count into a private registry
    MeterRegistry registry = metrics != null ? metrics : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    CameraPipeline p = new CameraPipeline(vertx, spec);
    Context ctx = vertx.getOrCreateContext();
    JobDispatcher.CameraProfile profile = new JobDispatcher.CameraProfile(uuidOf("tenant", spec.tenantId()), uuidOf("camera", spec.cameraId()),
        spec.enabledModels(), spec.source());
    return vertx.executeBlocking(() -> {
      p.writer = SegmentWriter.start(spec.tenantId(), spec.cameraId(), SegmentWriter.Options.defaults()
          .withLength(spec.segmentLengthSeconds(), spec.overlapSeconds()), store, seg -> ctx.runOnContext(v -> p.onSegment(seg, dispatcher, profile)),
          registry);
      p.loop = new CameraIngestLoop(vertx, registry, new CameraIngestLoop.Options().tenantId(spec.tenantId()).cameraId(spec.cameraId())
          .url(spec.url()).credentials(spec.user(), spec.password()), frame -> {
            if (!p.writer.offer(frame)) {
              // the writer's bounded queue is full: the frame is dropped and counted by the writer
            }
          }).start();
      return p;
    });
  }

  private void onSegment(SegmentInfo seg, JobDispatcher dispatcher, JobDispatcher.CameraProfile profile) {
    vertx.eventBus().publish(Addresses.SEGMENT_WRITTEN, new JsonObject().put("tenantId", seg.tenantId()).put("cameraId", seg.cameraId())
        .put("seq", seg.seq()).put("start", seg.start().toString()).put("end", seg.end().toString()).put("frames", seg.frameCount())
        .put("bytes", seg.bytes()).put("path", seg.path().toString()));
    if (profile.enabledModels().isEmpty()) return;
    dispatcher.dispatch(seg, profile).onFailure(e -> LOG.warn("camera {} of {}: jobs of segment {} not sent: {}", seg.cameraId(),
        seg.tenantId(), seg.seq(), e.getMessage()));
  }

  public CameraIngestLoop loop() {
    return loop;
  }

  public SegmentWriter writer() {
    return writer;
  }

  public Spec spec() {
    return spec;
  }

  @Override
  public void close() {
    if (loop != null) loop.close();
    if (writer != null) writer.close();
  }
}
