package com.softdew.vms.edge;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.RoleVerticle;
import com.softdew.vms.platform.store.StoreKind;
import java.util.EnumSet;
import java.util.Set;

/**
 * Root verticle of an edge or worker node. It needs Kafka only (jobs out, detections out); ingest,
 * segmenting, recording and model workers plug in here as child verticles as their issues land.
 */
public class EdgeRoleVerticle extends RoleVerticle {

  public EdgeRoleVerticle(Role role, VmsConfig cfg) {
    super(role, cfg);
  }

  @Override
  protected Set<StoreKind> storeKinds() {
    return EnumSet.of(StoreKind.KAFKA);
  }
}
