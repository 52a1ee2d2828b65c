package com.softdew.vms.control;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.AuthApi;
import com.softdew.vms.control.auth.AuthService;
import com.softdew.vms.control.auth.KeyEncryptionKeys;
import com.softdew.vms.control.auth.KeyRing;
import com.softdew.vms.control.auth.crypto.PasswordHasher;
import com.softdew.vms.control.auth.crypto.TotpService;
import com.softdew.vms.control.camera.CameraApi;
import com.softdew.vms.control.camera.CameraHealthVerticle;
import com.softdew.vms.control.camera.CameraService;
import com.softdew.vms.control.camera.PtzService;
import com.softdew.vms.control.config.ConfigApi;
import com.softdew.vms.control.tenant.LicenceEnforcerVerticle;
import com.softdew.vms.control.tenant.TenancyApi;
import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.TenantSql;
import java.time.Duration;
import java.util.List;
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
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ControlPlaneVerticle.class);
  private ConfigServiceVerticle config;
  private AuditLog audit;
  private TenantSql tenantSql;
  private TenantDirectory tenants;
  private com.softdew.vms.control.event.EventStore eventStore;
  private com.softdew.vms.control.event.EventActions eventActions;
  private com.softdew.vms.control.event.EventEngineVerticle eventEngine;
  private KeyRing keys;
  private AuthService auth;
  private ApiSecurity security;
  private LicenceEnforcerVerticle licences;
  private CameraService cameras;
  private CameraHealthVerticle cameraHealth;
  private com.softdew.vms.control.camera.PipelineSupervisorVerticle pipelines;
  private com.softdew.vms.edge.pipeline.PipelineAgentVerticle pipelineAgent;
  private com.softdew.vms.edge.ai.worker.AiWorkersVerticle aiWorkers;
  private com.softdew.vms.control.storage.RecordingIndex recordingIndex;
  private com.softdew.vms.control.storage.RetentionVerticle retention;
  private com.softdew.vms.edge.storage.VolumeJanitor janitor;
  private com.softdew.vms.edge.record.RecordingNodeServices recordingNode;
  private com.softdew.vms.control.storage.PlaybackSigner playbackSigner;
  private com.softdew.vms.control.storage.PlaybackApi playback;
  private com.softdew.vms.control.webhook.WebhookStore webhookStore;
  private com.softdew.vms.control.webhook.WebhookDeliveryVerticle webhooks;
  private com.softdew.vms.control.push.PushBridge push;
  private com.softdew.vms.control.push.KafkaPushVerticle pushReader;

  public ControlPlaneVerticle(Role role, VmsConfig cfg) {
    super(role, cfg);
  }

  @Override
  protected Set<StoreKind> storeKinds() {
    return EnumSet.allOf(StoreKind.class);
  }

  @Override
  protected Future<Void> deployServices() {
    audit = new AuditLog(vertx, stores.mongo());
    tenantSql = new TenantSql(stores.dialect(), stores.sql());
    tenants = new TenantDirectory(tenantSql);
    return vertx.executeBlocking(() -> KeyEncryptionKeys.load(cfg))
        .compose(box -> vertx.executeBlocking(() -> com.softdew.vms.control.storage.PlaybackSigner.fromConfig(cfg)).map(signer -> {
          playbackSigner = signer; // media URLs are signed with a key derived from the key-encryption key
          return box;
        }))
        .compose(box -> {
          cameras = new CameraService(vertx, tenantSql, box, tenants, audit);
          webhookStore = new com.softdew.vms.control.webhook.WebhookStore(new com.softdew.vms.platform.store.TenantMongo(stores.mongo()), box);
          keys = new KeyRing(vertx, stores.dialect(), stores.sql(), box, Duration.ofHours(cfg.integer("auth.keyRotationHours")));
          auth = new AuthService(vertx, tenantSql, keys, box, new PasswordHasher(), new TotpService(), stores.cache(), audit,
              new AuthService.Settings(Duration.ofMinutes(cfg.integer("auth.accessTokenMinutes")), Duration.ofDays(cfg.integer("auth.refreshTokenDays")),
                  Duration.ofMinutes(cfg.integer("auth.mfaTokenMinutes")), cfg.string("auth.mfaIssuer"), cfg.integer("auth.lockout.maxAttempts"),
                  Duration.ofSeconds(cfg.integer("auth.lockout.baseSeconds"))));
          security = new ApiSecurity(auth, stores.cache(), tenants, cfg.integer("ratelimit.perIpPerMinute"),
              cfg.integer("ratelimit.perTokenPerMinute"), registry);
          return Future.all(audit.init(), tenants.reload(), keys.refresh());
        })
        .compose(v -> auth.bootstrapAdmin(cfg.string("admin.password")))
        .compose(v -> {
          vertx.setPeriodic(60_000, id -> keys.refresh().onFailure(e -> LOG.error("JWT key refresh failed: {}", e.getMessage())));
          vertx.eventBus().consumer(Addresses.TENANT_CHANGED, m -> tenants.reload());
          config = new ConfigServiceVerticle(stores, audit, cfg, registry);
          licences = new LicenceEnforcerVerticle(tenants, stores.cache(), audit, 30_000);
          cameraHealth = new CameraHealthVerticle(cameras, 30_000, 8, registry);
          // the recording index: every control node (they all have SQL) consumes the edge outboxes' records
          recordingIndex = new com.softdew.vms.control.storage.RecordingIndex(tenantSql);
          return Future.all(vertx.deployVerticle(config), vertx.deployVerticle(licences), vertx.deployVerticle(cameraHealth),
              vertx.deployVerticle(new com.softdew.vms.control.storage.RecordingIndexVerticle(recordingIndex, tenants, registry)));
        })
        .compose(v -> {
          // the all-in-one node records cameras itself: outbox journal (→ index, cloud tier) and SD-card gap filler,
          // deployed before the pipeline agent whose recorders publish
          if (role != Role.ALL || cfg.integer("pipeline.maxCameras") == 0) return Future.succeededFuture();
          return com.softdew.vms.edge.record.RecordingNodeServices.deploy(vertx, cfg, nodeId, registry, () -> pipelineAgent)
              .<Void>map(r -> {
                recordingNode = r;
                return null;
              });
        })
        .compose(v -> {
          // the all-in-one node runs camera pipelines itself, as one agent among the cluster's edge nodes
          if (role != Role.ALL || cfg.integer("pipeline.maxCameras") == 0) return Future.succeededFuture();
          pipelineAgent = new com.softdew.vms.edge.pipeline.PipelineAgentVerticle(stores, java.nio.file.Path.of(cfg.string("data.dir")),
              com.softdew.vms.edge.pipeline.PipelineAgentVerticle.Settings.of(cfg.integer("pipeline.maxCameras"), cfg.string("ingest.hwDecode")),
              registry);
          return vertx.deployVerticle(pipelineAgent).mapEmpty();
        })
        .compose(v -> {
          // every control node computes the wanted pipelines; the one holding the lease assigns them to agents
          pipelines = new com.softdew.vms.control.camera.PipelineSupervisorVerticle(tenants, cameras, () -> config.service(),
              com.softdew.vms.edge.pipeline.PipelineAssignerVerticle.Settings.defaults(), registry);
          return vertx.deployVerticle(pipelines).mapEmpty();
        })
        .compose(v -> {
          // partner webhooks: signed deliveries of the event changes this node's event engine publishes
          webhooks = new com.softdew.vms.control.webhook.WebhookDeliveryVerticle(webhookStore, cameras::siteOf,
              com.softdew.vms.control.webhook.WebhookDeliveryVerticle.Settings.defaults(), registry);
          return vertx.deployVerticle(webhooks).mapEmpty();
        })
        .compose(v -> {
          // retention: the index side (candidates, deletion reports, incidents) of every node's volume janitor
          retention = new com.softdew.vms.control.storage.RetentionVerticle(tenantSql, new com.softdew.vms.control.storage.RetentionPlanner(
              tenantSql, com.softdew.vms.control.storage.RetentionPlanner.Policies.fromConfig(() -> config.service(), cameras),
              com.softdew.vms.control.storage.RetentionPlanner.DEFAULT_MAX_CANDIDATES), registry);
          return vertx.deployVerticle(retention).mapEmpty();
        })
        .compose(v -> {
          if (role != Role.ALL) return Future.succeededFuture();
          // the all-in-one node holds recordings itself: its janitor keeps <data.dir>/recordings below the water marks
          janitor = new com.softdew.vms.edge.storage.VolumeJanitor(com.softdew.vms.edge.storage.VolumeJanitor.Settings.of(cfg, nodeId), registry);
          return vertx.deployVerticle(janitor).mapEmpty();
        })
        .compose(v -> {
          if (role != Role.ALL) return Future.succeededFuture();
          // the AI workers of a single-node install; a model that cannot load must not keep the control plane down
          aiWorkers = new com.softdew.vms.edge.ai.worker.AiWorkersVerticle(cfg, stores, nodeId, registry, null, null);
          return vertx.deployVerticle(aiWorkers).<Void>mapEmpty().recover(e -> {
            LOG.error("AI workers not started: {} (analytics off on this node; fix ai.* and restart)", e.getMessage());
            aiWorkers = null;
            return Future.succeededFuture();
          });
        })
        .compose(v -> {
          // the event engine: detections (Kafka) → events (Mongo) → changes on the bus and Kafka (docs/events.md)
          eventStore = new com.softdew.vms.control.event.EventStore(vertx, new com.softdew.vms.platform.store.TenantMongo(stores.mongo()));
          eventActions = new com.softdew.vms.control.event.EventActions(eventStore, audit);
          eventEngine = new com.softdew.vms.control.event.EventEngineVerticle(stores, eventStore, tenants, cameras, () -> config.service(),
              com.softdew.vms.control.event.EventEngineVerticle.Settings.defaults(), eventActions, registry);
          return vertx.deployVerticle(eventEngine).mapEmpty();
        })
        .compose(v -> {
          // browser push: this node's reader of the events topic → its own SockJS sockets (docs/push.md)
          push = new com.softdew.vms.control.push.PushBridge(vertx, auth, tenants, com.softdew.vms.control.push.PushBridge.Limits.defaults(), registry);
          pushReader = new com.softdew.vms.control.push.KafkaPushVerticle(stores, nodeId, registry);
          // a Kafka problem must not keep the control plane down: the API works, browsers get no push until a restart
          return vertx.deployVerticle(pushReader).<Void>mapEmpty().recover(e -> {
            LOG.error("browser push reader not started: {} (no live events on this node)", e.getMessage());
            return Future.succeededFuture();
          });
        })
        .compose(v -> {
          if (role != Role.ALL || !cfg.bool("demo.enabled")) return Future.succeededFuture();
          return vertx.deployVerticle(new com.softdew.vms.control.camera.DemoCamerasVerticle(tenantSql, tenants, cameras,
              java.nio.file.Path.of(cfg.string("data.dir")), cfg.integer("demo.cameras"), cfg.integer("demo.basePort"))
              .withRecording(() -> config.service())).mapEmpty();
        })
        .mapEmpty();
  }

  @Override
  protected Future<Router> createRouter() {
    Map<String, Handler<RoutingContext>> handlers = new HashMap<>(new ConfigApi(() -> config.service(), tenants, cameras).handlers());
    handlers.putAll(new AuthApi(auth).handlers());
    handlers.putAll(new TenancyApi(vertx, tenantSql, tenants, auth, audit).handlers());
    handlers.putAll(new CameraApi(vertx, cameras, () -> config.service(), new PtzService(vertx, cameras), cameraHealth).handlers());
    handlers.putAll(new com.softdew.vms.control.camera.DiscoveryApi(vertx, cfg.string("discovery.multicast"),
        new com.softdew.vms.control.camera.OnvifOnboarding(vertx, cameras)).handlers());
    handlers.putAll(new com.softdew.vms.control.storage.RecordingApi(recordingIndex, cameras, audit).handlers());
    handlers.putAll(new com.softdew.vms.control.storage.RetentionApi(() -> retention).handlers());
    playback = new com.softdew.vms.control.storage.PlaybackApi(vertx, recordingIndex, playbackSigner,
        com.softdew.vms.control.storage.PlaybackApi.Settings.defaults(java.nio.file.Path.of(cfg.string("data.dir"))), registry);
    handlers.putAll(playback.handlers());
    handlers.putAll(new com.softdew.vms.control.event.EventApi(eventActions).handlers());
    handlers.putAll(new com.softdew.vms.control.webhook.WebhookApi(webhookStore, () -> webhooks, audit).handlers());
    handlers.put("getSystemInfo", ctx -> PlatformRouter.json(ctx, 200, systemInfo()));
    return OpenApiRouter.create(vertx, "openapi.yaml", handlers, List.of(security.rootHandler()), security::guard).map(router -> {
      router.route("/eventbus/*").subRouter(push.router()); // SockJS event-bus bridge (docs/push.md)
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

  public AuthService auth() {
    return auth;
  }

  public TenantDirectory tenants() {
    return tenants;
  }

  public com.softdew.vms.control.event.EventEngineVerticle eventEngine() {
    return eventEngine;
  }

  public com.softdew.vms.control.event.EventActions eventActions() {
    return eventActions;
  }

  public AuditLog audit() {
    return audit;
  }

  public CameraService cameras() {
    return cameras;
  }

  /** The recording index (SQL) of this control node. */
  public com.softdew.vms.control.storage.RecordingIndex recordingIndex() {
    return recordingIndex;
  }

  /** The AI workers (role all), null when they did not start. */
  public com.softdew.vms.edge.ai.worker.AiWorkersVerticle aiWorkers() {
    return aiWorkers;
  }

  public com.softdew.vms.control.camera.PipelineSupervisorVerticle pipelines() {
    return pipelines;
  }

  /** The camera pipeline agent of this node (role all with pipeline.maxCameras &gt; 0), else null. */
  public com.softdew.vms.edge.pipeline.PipelineAgentVerticle pipelineAgent() {
    return pipelineAgent;
  }

  /** Webhook delivery of this node (partner webhooks). */
  public com.softdew.vms.control.webhook.WebhookDeliveryVerticle webhooks() {
    return webhooks;
  }

  /** The index side of retention (candidates, deletion reports, storage incidents). */
  public com.softdew.vms.control.storage.RetentionVerticle retention() {
    return retention;
  }

  @Override
  public Future<?> stop() {
    if (playback != null) playback.close(); // its worker pool
    return super.stop();
  }

  /** Edge sync and SD-card gap filler of this node (role all with pipelines), else null. */
  public com.softdew.vms.edge.record.RecordingNodeServices recordingNode() {
    return recordingNode;
  }

  /** The volume janitor of this node's recordings (role all), else null. */
  public com.softdew.vms.edge.storage.VolumeJanitor janitor() {
    return janitor;
  }

  public LicenceEnforcerVerticle licences() {
    return licences;
  }

  /** The SockJS push bridge of this node. */
  public com.softdew.vms.control.push.PushBridge push() {
    return push;
  }

  /** This node's reader of the events topic (Kafka → its sockets). */
  public com.softdew.vms.control.push.KafkaPushVerticle pushReader() {
    return pushReader;
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
