package com.softdew.vms.edge;

import com.softdew.vms.edge.ai.worker.AiWorkersVerticle;
import com.softdew.vms.edge.pipeline.PipelineAgentVerticle;
import com.softdew.vms.edge.record.RecordingNodeServices;
import com.softdew.vms.edge.storage.VolumeJanitor;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.RoleVerticle;
import com.softdew.vms.platform.store.StoreKind;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Root verticle of an edge or worker node. It needs Kafka only (jobs out, detections out). An edge
 * node runs a {@link PipelineAgentVerticle} (when {@code pipeline.maxCameras} &gt; 0): the camera
 * pipelines the control plane's assigner gives it over the clustered bus. Recording
 * plugs in here as a child verticle as its issue lands. A worker node runs the AI workers
 * ({@link AiWorkersVerticle}: the models of {@code ai.models} / {@code --models}).
 */
public class EdgeRoleVerticle extends RoleVerticle {
  private AiWorkersVerticle aiWorkers;

  public EdgeRoleVerticle(Role role, VmsConfig cfg) {
    super(role, cfg);
  }

  private PipelineAgentVerticle agent;
  private VolumeJanitor janitor;
  private RecordingNodeServices recording;

  /** Edge sync and SD-card gap filler of an edge node that runs pipelines, else null. */
  public RecordingNodeServices recording() {
    return recording;
  }

  @Override
  protected Set<StoreKind> storeKinds() {
    return EnumSet.of(StoreKind.KAFKA);
  }

  @Override
  protected Future<Void> deployServices() {
    if (role == Role.WORKER) {
      aiWorkers = new AiWorkersVerticle(cfg, stores, nodeId, registry, null, null);
      return vertx.deployVerticle(aiWorkers).mapEmpty();
    }
    if (role != Role.EDGE) return Future.succeededFuture();
    // the node's recordings volume: retention deletes only what the index allows, checksums matching
    janitor = new VolumeJanitor(VolumeJanitor.Settings.of(cfg, nodeId), registry);
    return vertx.deployVerticle(janitor).compose(x -> {
      if (cfg.integer("pipeline.maxCameras") == 0) return Future.succeededFuture();
      // outbox journal (→ index, cloud tier) and SD-card gap filler, before the recorders start publishing
      return RecordingNodeServices.deploy(vertx, cfg, nodeId, registry, () -> agent).<Void>map(r -> {
        recording = r;
        return null;
      });
    }).compose(x -> {
      if (cfg.integer("pipeline.maxCameras") == 0) return Future.succeededFuture();
      agent = new PipelineAgentVerticle(stores, Path.of(cfg.string("data.dir")),
          PipelineAgentVerticle.Settings.of(cfg.integer("pipeline.maxCameras"), cfg.string("ingest.hwDecode")), registry);
      return vertx.deployVerticle(agent).mapEmpty();
    }).mapEmpty();
  }

  /** The pipeline agent of an edge node (null on a worker node or with pipeline.maxCameras 0). */
  public PipelineAgentVerticle pipelineAgent() {
    return agent;
  }

  /** The recordings volume janitor of an edge node, else null. */
  public VolumeJanitor janitor() {
    return janitor;
  }

  /** The AI workers (role worker), else null. */
  public AiWorkersVerticle aiWorkers() {
    return aiWorkers;
  }
}
