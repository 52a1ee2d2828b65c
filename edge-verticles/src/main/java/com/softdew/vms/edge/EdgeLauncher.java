package com.softdew.vms.edge;

import com.softdew.vms.edge.ai.worker.AnalyzeCommand;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.VmsLauncherBase;
import io.vertx.core.Deployable;
import java.util.EnumSet;
import java.util.Set;

/** main() of vms-edge.jar: the data plane of a site, runnable without the control plane. */
public final class EdgeLauncher extends VmsLauncherBase {

  public static void main(String[] args) {
    if (AnalyzeCommand.isCommand(args)) {
      // offline analysis of a file (no Vert.x node); Perceptions::create is wired here once the perception lands
      System.exit(AnalyzeCommand.main(AnalyzeCommand.commandArgs(args), null));
    }
    int rc = new EdgeLauncher().launch(args);
    if (rc != 0) System.exit(rc);
  }

  @Override
  protected String program() {
    return "vms-edge";
  }

  @Override
  protected Role defaultRole() {
    return Role.EDGE;
  }

  @Override
  protected Set<Role> supportedRoles() {
    return EnumSet.of(Role.EDGE, Role.WORKER);
  }

  @Override
  protected Deployable rootVerticle(Role role, VmsConfig cfg) {
    return new EdgeRoleVerticle(role, cfg);
  }
}
