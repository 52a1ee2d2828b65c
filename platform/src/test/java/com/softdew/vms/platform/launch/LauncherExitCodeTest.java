package com.softdew.vms.platform.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.VmsConfig;
import io.vertx.core.Deployable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherExitCodeTest {

  static final class NoStartLauncher extends VmsLauncherBase {
    protected String program() {
      return "vms-test";
    }

    protected Role defaultRole() {
      return Role.EDGE;
    }

    protected Set<Role> supportedRoles() {
      return EnumSet.of(Role.EDGE);
    }

    protected Deployable rootVerticle(Role role, VmsConfig cfg) {
      throw new AssertionError("must not start");
    }
  }

  private String launchAndCaptureStderr(int expected, String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    try {
      assertEquals(expected, new NoStartLauncher().launch(args));
    } finally {
      System.setErr(old);
    }
    return buf.toString();
  }

  @Test
  void badConfKeyExitsTwoNamingTheKey(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, "kafka:\n  bootstrapServer: x:9092\n");
    String err = launchAndCaptureStderr(VmsLauncherBase.EXIT_CONFIG, "--conf", conf.toString());
    assertTrue(err.contains("kafka.bootstrapServer"), err);
    assertEquals(1, err.strip().lines().count(), "one line: " + err);

    Files.writeString(conf, "shutdown:\n  timeoutSeconds: 0\n");
    err = launchAndCaptureStderr(2, "--conf=" + conf);
    assertTrue(err.contains("shutdown.timeoutSeconds") && err.contains("[1, 120]"), err);
  }

  @Test
  void unknownRoleOrProfileExitsTwo() {
    assertTrue(launchAndCaptureStderr(2, "--role", "all").contains("not available in vms-test"));
    assertTrue(launchAndCaptureStderr(2, "--role", "boss").contains("--role must be one of"));
    assertTrue(launchAndCaptureStderr(2, "--profile", "staging").contains("--profile"));
  }

  @Test
  void ourOptionsAreSplitFromTheVertxOnes() {
    LaunchArgs a = LaunchArgs.parse(new String[] {"--role=worker", "--cluster", "--cluster-host", "10.0.0.5", "--profile", "edge"}, Role.ALL);
    assertEquals(Role.WORKER, a.role());
    assertEquals("edge", a.profile());
    assertTrue(a.clustered());
    assertEquals(java.util.List.of("--cluster", "--cluster-host", "10.0.0.5"), a.vertxArgs());
  }

  @Test
  void modelsFlagBecomesAiModels() {
    LaunchArgs a = LaunchArgs.parse(new String[] {"--role", "worker", "--models", "fire, anpr", "--cluster"}, Role.ALL);
    assertEquals(java.util.List.of("fire", "anpr"), a.models());
    assertEquals(java.util.Map.of("ai.models", java.util.List.of("fire", "anpr")), a.overrides());
    assertEquals(java.util.List.of("--cluster"), a.vertxArgs());
    assertEquals(java.util.List.of("crowd"), LaunchArgs.parse(new String[] {"--models=crowd"}, Role.ALL).models());
    assertTrue(LaunchArgs.parse(new String[] {"--role", "worker"}, Role.ALL).overrides().isEmpty(), "no flag: ai.models from the configuration");
    com.softdew.vms.platform.config.VmsConfig cfg = new com.softdew.vms.platform.config.ConfigLoader(
        com.softdew.vms.platform.config.ConfigSchema.platform()).load("test", null, java.util.Map.of(), new java.util.Properties()).with(a.overrides());
    assertEquals(java.util.List.of("fire", "anpr"), cfg.list("ai.models"));
    assertTrue(launchAndCaptureStderr(2, "--models", ",").contains("--models needs at least one model id"));
    assertTrue(launchAndCaptureStderr(2, "--models").contains("--models needs a value"));
  }
}
