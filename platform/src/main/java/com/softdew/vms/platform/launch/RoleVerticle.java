package com.softdew.vms.platform.launch;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.codec.Codecs;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.health.PlatformHealth;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The root verticle of a process: opens the stores its role needs (starting embedded ones for empty
 * addresses), registers codecs and health, deploys the role's services as child verticles, then
 * binds HTTP. It completes its start only when the node can really serve; on stop, children are
 * undeployed first (Vert.x does this before calling {@link #stop}), then HTTP and stores close.
 */
public abstract class RoleVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RoleVerticle.class);

  protected final Role role;
  protected final VmsConfig cfg;
  protected final String nodeId;
  protected Stores stores;
  protected PlatformHealth health;
  protected MeterRegistry registry;
  private HttpServer http;

  protected RoleVerticle(Role role, VmsConfig cfg) {
    this.role = role;
    this.cfg = cfg;
    java.nio.file.Path dir = java.nio.file.Path.of(cfg.string("data.dir")).toAbsolutePath().normalize();
    boolean free = !CLAIMED.contains(dir);
    this.nodeId = stableNodeId(dir);
    this.claimedDir = free ? dir : null;
  }

  /** The data directory whose id this node holds, null when it runs under a random id. */
  private final java.nio.file.Path claimedDir;

  /** Data directories whose node id a node of this JVM already uses (two nodes never share an id). */
  private static final Set<java.nio.file.Path> CLAIMED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The node id kept in {@code <data.dir>/node-id}, created on first start: recordings, their index rows and the
   * retention janitor are keyed by node, so the id must survive restarts. A second node started in the same JVM on
   * the same data directory (tests) gets a random id; so does a node whose data directory cannot be written.
   */
  static void release(java.nio.file.Path dir) {
    CLAIMED.remove(dir);
  }

  static String stableNodeId(java.nio.file.Path dataDir) {
    java.nio.file.Path key = dataDir.toAbsolutePath().normalize();
    if (!CLAIMED.add(key)) return UUID.randomUUID().toString();
    java.nio.file.Path file = key.resolve("node-id");
    try {
      if (java.nio.file.Files.exists(file)) {
        String id = java.nio.file.Files.readString(file).trim();
        if (id.matches("[A-Za-z0-9_-]{1,64}")) return id;
        LOG.warn("{} does not hold a valid node id: a new one is written", file);
      }
      String id = UUID.randomUUID().toString();
      java.nio.file.Files.createDirectories(key);
      java.nio.file.Path tmp = key.resolve("node-id.tmp");
      java.nio.file.Files.writeString(tmp, id + "\n");
      java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return id;
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("node id not kept in {} ({}): a random one is used for this run", file, e.toString());
      return UUID.randomUUID().toString();
    }
  }

  /** Stores this role needs. */
  protected abstract Set<StoreKind> storeKinds();

  /** Deploys the role's services (child verticles); runs after stores and health are up. */
  protected Future<Void> deployServices() {
    return Future.succeededFuture();
  }

  /** The node's router: a plain one, or (control plane) the API router built from the OpenAPI document. */
  protected Future<Router> createRouter() {
    return Future.succeededFuture(Router.router(vertx));
  }

  @Override
  public Future<?> start() {
    long t0 = System.nanoTime();
    Codecs.registerAll(vertx);
    registry = cfg.bool("metrics.enabled") ? BackendRegistries.getDefaultNow() : null;
    health = new PlatformHealth(vertx, cfg.integer("health.timeoutMs"));
    vertx.eventBus().<JsonObject>consumer(Addresses.NODE_PING, m -> m.reply(new JsonObject().put("nodeId", nodeId).put("role", role.id())));
    return Stores.open(vertx, cfg, storeKinds(), registry)
        .compose(s -> {
          stores = s;
          health.registerStores(s);
          return deployServices();
        })
        .compose(v -> createRouter())
        .map(router -> PlatformRouter.mount(router, health, registry != null))
        .compose(router -> vertx.createHttpServer(new HttpServerOptions()
                .setHost(cfg.string("http.host")).setPort(cfg.integer("http.port"))
                .setCompressionSupported(true).setMaxFormAttributeSize(8192))
            .requestHandler(router).listen())
        .onSuccess(server -> {
          http = server;
          LOG.info("node {} role={} ready on http://{}:{} in {} ms (stores: {})", nodeId, role.id(), cfg.string("http.host"),
              server.actualPort(), (System.nanoTime() - t0) / 1_000_000, storeKinds());
        });
  }

  @Override
  public Future<?> stop() {
    if (claimedDir != null) release(claimedDir);
    long budget = cfg.integer("shutdown.timeoutSeconds") * 1000L;
    Future<Void> closeHttp = http == null ? Future.succeededFuture() : http.close();
    return closeHttp
        .compose(v -> stores == null ? Future.<Void>succeededFuture() : stores.close())
        .timeout(budget, TimeUnit.MILLISECONDS)
        .onComplete(ar -> LOG.info("node {} stopped{}", nodeId, ar.failed() ? " (" + ar.cause().getMessage() + ")" : ""));
  }

  /** The bound HTTP port (when http.port is 0). */
  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  public Stores stores() {
    return stores;
  }

  public PlatformHealth health() {
    return health;
  }

  public String nodeId() {
    return nodeId;
  }
}
