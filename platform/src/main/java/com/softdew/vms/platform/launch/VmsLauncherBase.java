package com.softdew.vms.platform.launch;

import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigLoader;
import com.softdew.vms.platform.config.ConfigSchema;
import com.softdew.vms.platform.config.VmsConfig;
import io.vertx.core.Deployable;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Shared main() of both deployables, on the Vert.x 5 application launcher. Our options
 * ({@code --role}, {@code --profile}, {@code --conf FILE}, {@code --models a,b} → {@code ai.models}) are taken out first; the rest
 * ({@code --cluster}, {@code --cluster-host}, ...) go to {@link VertxApplication}. The configuration is
 * loaded and validated before Vert.x starts: a bad key exits with code {@value #EXIT_CONFIG} and one
 * line naming it. SIGTERM closes Vert.x through the launcher's shutdown hook, which undeploys the root
 * verticle (children first, then stores).
 */
public abstract class VmsLauncherBase {
  public static final int EXIT_CONFIG = 2;

  /** Program name for messages. */
  protected abstract String program();

  protected abstract Role defaultRole();

  protected abstract Set<Role> supportedRoles();

  /** The root verticle of a role. */
  protected abstract Deployable rootVerticle(Role role, VmsConfig cfg);

  /** Parses, validates, starts; returns the process exit code (0 = running). */
  public final int launch(String[] args) {
    LaunchArgs la;
    VmsConfig cfg;
    try {
      la = LaunchArgs.parse(args, defaultRole());
      if (!supportedRoles().contains(la.role())) {
        throw new IllegalArgumentException("--role " + la.role().id() + " is not available in " + program() + " (available: "
            + supportedRoles().stream().map(Role::id).sorted().toList() + ")");
      }
      VmsConfig loaded = new ConfigLoader(ConfigSchema.platform()).load(la.profile(), la.confFile());
      cfg = la.overrides().isEmpty() ? loaded : loaded.with(la.overrides());
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println(program() + ": " + e.getMessage());
      return EXIT_CONFIG;
    }
    LoggingSetup.apply(cfg); // before the first logger is created
    Hooks hooks = new Hooks(la, cfg, () -> rootVerticle(la.role(), cfg));
    return new Application(la.vertxArgs().toArray(String[]::new), hooks).launch();
  }

  private static final class Application extends VertxApplication {
    Application(String[] args, VertxApplicationHooks hooks) {
      super(args, hooks, true, false);
    }
  }

  private static final class Hooks implements VertxApplicationHooks {
    private final LaunchArgs args;
    private final VmsConfig cfg;
    private final Supplier<Deployable> root;

    Hooks(LaunchArgs args, VmsConfig cfg, Supplier<Deployable> root) {
      this.args = args;
      this.cfg = cfg;
      this.root = root;
    }

    @Override
    public VertxBuilder createVertxBuilder(VertxOptions options) {
      applyOptions(options, cfg);
      VertxBuilder builder = io.vertx.core.Vertx.builder().with(options);
      if (args.clustered()) {
        builder.withClusterManager(new HazelcastClusterManager(ClusterSupport.hazelcastConfig(
            cfg.string("cluster.name"), cfg.string("cluster.host"), cfg.integer("cluster.port"), cfg.list("cluster.members"))));
      }
      return builder;
    }

    @Override
    public Supplier<? extends Deployable> verticleSupplier() {
      return root;
    }
  }

  /** VertxOptions every node uses: metrics backend, cluster bus host, blocked-thread check. */
  public static VertxOptions applyOptions(VertxOptions options, VmsConfig cfg) {
    if (cfg.bool("metrics.enabled")) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }
    options.getEventBusOptions().setHost(cfg.string("cluster.host"));
    return options;
  }
}
