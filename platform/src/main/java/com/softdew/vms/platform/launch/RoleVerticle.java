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
  protected final String nodeId = UUID.randomUUID().toString();
  protected Stores stores;
  protected PlatformHealth health;
  protected MeterRegistry registry;
  private HttpServer http;

  protected RoleVerticle(Role role, VmsConfig cfg) {
    this.role = role;
    this.cfg = cfg;
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
