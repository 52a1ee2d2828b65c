package com.softdew.vms.edge;

import com.softdew.vms.edge.ai.worker.AiWorkersVerticle;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.RoleVerticle;
import com.softdew.vms.platform.store.StoreKind;
import io.vertx.core.Future;
import java.util.EnumSet;
import java.util.Set;

/**
 * Root verticle of an edge or worker node. It needs Kafka only (jobs out, detections out); ingest,
 * segmenting, recording and model workers plug in here as child verticles as their issues land. Role
 * {@code worker} runs the AI workers ({@link AiWorkersVerticle}: the models of {@code ai.models} /
 * {@code --models}).
 */
public class EdgeRoleVerticle extends RoleVerticle {
  private AiWorkersVerticle aiWorkers;

  public EdgeRoleVerticle(Role role, VmsConfig cfg) {
    super(role, cfg);
  }

  @Override
  protected Set<StoreKind> storeKinds() {
    return EnumSet.of(StoreKind.KAFKA);
  }

  @Override
  protected Future<Void> deployServices() {
    if (role != Role.WORKER) return Future.succeededFuture();
    // the shared perception (Perceptions::create) and the GPU manager's device are wired here when they land
    aiWorkers = new AiWorkersVerticle(cfg, stores, nodeId, registry, null, null);
    return vertx.deployVerticle(aiWorkers).mapEmpty();
  }

  /** The AI workers (role worker), else null. */
  public AiWorkersVerticle aiWorkers() {
    return aiWorkers;
  }
}
