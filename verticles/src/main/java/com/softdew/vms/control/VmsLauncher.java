package com.softdew.vms.control;

import com.softdew.vms.edge.ai.worker.AnalyzeCommand;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.VmsLauncherBase;
import io.vertx.core.Deployable;
import java.util.EnumSet;
import java.util.Set;

/** main() of vms.jar: any role, {@code --role all} by default. */
public final class VmsLauncher extends VmsLauncherBase {

  public static void main(String[] args) {
    if (AnalyzeCommand.isCommand(args)) {
      // offline analysis of a file (no Vert.x node); Perceptions::create is wired here once the perception lands
      System.exit(AnalyzeCommand.main(AnalyzeCommand.commandArgs(args), null));
    }
    int rc = new VmsLauncher().launch(args);
    if (rc != 0) System.exit(rc);
  }

  @Override
  protected String program() {
    return "vms";
  }

  @Override
  protected Role defaultRole() {
    return Role.ALL;
  }

  @Override
  protected Set<Role> supportedRoles() {
    return EnumSet.allOf(Role.class);
  }

  @Override
  protected Deployable rootVerticle(Role role, VmsConfig cfg) {
    return ControlPlaneVerticle.forRole(role, cfg);
  }
}
