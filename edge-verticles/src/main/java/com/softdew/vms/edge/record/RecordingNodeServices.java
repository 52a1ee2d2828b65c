package com.softdew.vms.edge.record;

import com.softdew.vms.edge.buffer.EdgeSyncVerticle;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.pipeline.PipelineAgentVerticle;
import com.softdew.vms.platform.config.VmsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * What a node that records cameras runs next to its pipeline agent (edge nodes, the all-in-one node): the edge sync
 * (outbox journal → recording index, cloud tier; {@link EdgeSyncVerticle}) and the SD-card gap filler
 * ({@link GapFillerVerticle}), which finds a camera's ONVIF URL and credentials in the spec of its running pipeline
 * (a gap is reported when the camera is back, so its pipeline runs). The volume janitor is deployed by the role.
 */
public final class RecordingNodeServices {
  private final EdgeSyncVerticle sync;
  private final GapFillerVerticle filler;

  private RecordingNodeServices(EdgeSyncVerticle sync, GapFillerVerticle filler) {
    this.sync = sync;
    this.filler = filler;
  }

  /**
   * Deploys both; the sync first, so that nothing a recorder or the filler publishes misses the journal. Deploy
   * this before the pipeline agent (whose recorders publish); {@code agent} is read when a gap is filled.
   */
  public static Future<RecordingNodeServices> deploy(Vertx vertx, VmsConfig cfg, String nodeId, MeterRegistry registry,
      java.util.function.Supplier<PipelineAgentVerticle> agent) {
    EdgeSyncVerticle sync = EdgeSyncVerticle.fromConfig(cfg, nodeId, registry);
    GapFiller.CameraLookup lookup = (tenantId, cameraId) -> {
      PipelineAgentVerticle a = agent.get();
      CameraPipeline p = a == null ? null : a.pipeline(tenantId + "/" + cameraId);
      if (p == null) throw new IllegalStateException("camera " + tenantId + "/" + cameraId + " has no pipeline on node " + nodeId);
      CameraPipeline.Spec s = p.spec();
      if (s.onvifUrl() == null) throw new IllegalStateException("camera " + tenantId + "/" + cameraId + " has no ONVIF URL: no SD-card search");
      return new GapFiller.CameraAccess(s.onvifUrl(), s.user(), s.password());
    };
    // metrics.enabled = false leaves the node without a registry: the filler counts into a private one
    GapFillerVerticle filler = new GapFillerVerticle(registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
        new GapFiller.Options().dataDir(Path.of(cfg.string("data.dir"))), lookup, new GapFillerListener() {});
    return vertx.deployVerticle(sync).compose(v -> vertx.deployVerticle(filler)).map(v -> new RecordingNodeServices(sync, filler));
  }

  public EdgeSyncVerticle sync() {
    return sync;
  }

  public GapFillerVerticle gapFiller() {
    return filler;
  }
}
