package com.softdew.vms.control;

import com.softdew.vms.control.config.ConfigApi;
import com.softdew.vms.control.config.ConfigServiceVerticle;
import com.softdew.vms.edge.EdgeRoleVerticle;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.http.BuildInfo;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.RoleVerticle;
import com.softdew.vms.platform.store.StoreAddresses;
import com.softdew.vms.platform.store.StoreKind;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Root verticle of the control plane ({@code --role cloud}) and of the all-in-one node
 * ({@code --role all}, which adds the edge data plane's services as they land). Deploys the
 * configuration service and serves the OpenAPI-routed REST API, Swagger UI and the console.
 */
public class ControlPlaneVerticle extends RoleVerticle {
  private ConfigServiceVerticle config;

  public ControlPlaneVerticle(Role role, VmsConfig cfg) {
    super(role, cfg);
  }

  @Override
  protected Set<StoreKind> storeKinds() {
    return EnumSet.allOf(StoreKind.class);
  }

  @Override
  protected Future<Void> deployServices() {
    config = new ConfigServiceVerticle(stores, cfg, registry);
    return vertx.deployVerticle(config).mapEmpty();
  }

  @Override
  protected Future<Router> createRouter() {
    Map<String, Handler<RoutingContext>> handlers = new HashMap<>(new ConfigApi(() -> config.service()).handlers());
    handlers.put("getSystemInfo", ctx -> PlatformRouter.json(ctx, 200, systemInfo()));
    return OpenApiRouter.create(vertx, "openapi.yaml", handlers).map(router -> {
      router.get("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
      return router;
    });
  }

  private JsonObject systemInfo() {
    StoreAddresses a = stores.addresses();
    return new JsonObject().put("nodeId", nodeId).put("role", role.id()).put("version", BuildInfo.version())
        .put("stores", new JsonObject()
            .put("sql", new JsonObject().put("dialect", a.sqlDialect()).put("embedded", a.sqlEmbedded()).put("address", StoreAddresses.redact(a.sqlUrl())))
            .put("mongo", new JsonObject().put("embedded", a.mongoEmbedded()).put("address", StoreAddresses.redact(a.mongoUrl())))
            .put("cache", new JsonObject().put("kind", stores.cache().kind()))
            .put("kafka", new JsonObject().put("embedded", a.kafkaEmbedded()).put("address", a.kafkaBootstrap())));
  }

  /** The configuration service of this node (tests, and later verticles on the same node). */
  public ConfigServiceVerticle configService() {
    return config;
  }

  /** Edge/worker roles of vms.jar run the edge root verticle. */
  static io.vertx.core.Deployable forRole(Role role, VmsConfig cfg) {
    return switch (role) {
      case ALL, CLOUD -> new ControlPlaneVerticle(role, cfg);
      case EDGE, WORKER -> new EdgeRoleVerticle(role, cfg);
    };
  }
}
