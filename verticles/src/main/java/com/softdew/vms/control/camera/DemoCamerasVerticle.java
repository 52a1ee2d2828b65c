package com.softdew.vms.control.camera;

import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.auth.Role;
import com.softdew.vms.edge.discovery.MulticastSettings;
import com.softdew.vms.platform.store.TenantSql;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo mode of {@code scripts/run.sh} (demo.enabled): starts simulated cameras in this JVM (RTSP,
 * ONVIF, ISAPI on 127.0.0.1), makes sure a tenant {@code demo} with a licence exists, and registers
 * the cameras there (once; a restart finds them registered). Their media is encoded once with the
 * Debian ffmpeg into {@code data.dir/sim-media}.
 */
public final class DemoCamerasVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DemoCamerasVerticle.class);
  static final String TENANT = "demo";

  private final TenantSql sql;
  private final com.softdew.vms.control.tenant.TenantDirectory tenants;
  private final CameraService cameras;
  private final Path dataDir;
  private final int count;
  private final int basePort;
  private CameraSimulator sim;
  private java.util.function.Supplier<com.softdew.vms.control.config.ConfigService> config;

  public DemoCamerasVerticle(TenantSql sql, com.softdew.vms.control.tenant.TenantDirectory tenants, CameraService cameras, Path dataDir,
      int count, int basePort) {
    this.sql = sql;
    this.tenants = tenants;
    this.cameras = cameras;
    this.dataDir = dataDir;
    this.count = count;
    this.basePort = basePort;
  }

  @Override
  public Future<?> start() {
    sim = new CameraSimulator(vertx, dataDir.resolve("sim-media"));
    Principal system = new Principal("system", TenantSql.PLATFORM_TENANT, "demo-setup", Role.OPERATOR);
    String now = Instant.now().toString();
    Future<Void> tenant = sql.inTenant(TENANT, c -> c.preparedQuery("SELECT 1 FROM tenant WHERE tenant_id = " + sql.dialect().p(1))
        .execute(Tuple.of(TENANT)).compose(rows -> rows.size() > 0 ? Future.succeededFuture()
            : c.preparedQuery("INSERT INTO tenant (tenant_id, name, status, ip_allowlist, time_zone, created_at) VALUES ("
                    + sql.dialect().p(1) + ", 'Demo', 'ACTIVE', '', 'UTC', " + sql.dialect().p(2) + ")").execute(Tuple.of(TENANT, now))
                .compose(v -> c.preparedQuery("INSERT INTO licence (tenant_id, camera_limit, valid_from, valid_until, models, version, updated_at)"
                    + " VALUES (" + sql.dialect().p(1) + ", 64, " + sql.dialect().p(2) + ", " + sql.dialect().p(3)
                    + ", 'intrusion,motion,tampering,fire,crowd,missingObject,abnormalBehavior,fallen,tailgating,anpr', 1, " + sql.dialect().p(2) + ")")
                    .execute(Tuple.of(TENANT, now, Instant.now().plus(365, ChronoUnit.DAYS).toString())))
                .mapEmpty()));
    return tenant.compose(v -> tenants.reload()).compose(v -> sim.startCameras(count, Codec.H264, basePort, "127.0.0.1", MulticastSettings.loopback()))
        .compose(descriptors -> {
          Future<Void> chain = Future.succeededFuture();
          for (CameraSimulator.Descriptor d : descriptors) {
            String id = "demo-" + (d.index() + 1);
            chain = chain.compose(x -> cameras.get(TENANT, id).<Void>mapEmpty().recover(missing -> cameras.create(system, TENANT,
                CameraInput.fromJson(new JsonObject().put("cameraId", id).put("name", "Demo camera " + (d.index() + 1)).put("host", "127.0.0.1")
                    .put("onvifUrl", d.extra().get("onvif")).put("rtspMain", d.rtspMain()).put("rtspSub", d.rtspSub())
                    .put("authType", "DIGEST").put("username", d.user()).put("secret", d.password()).put("vendor", "Softdew Sim")
                    .put("tags", new io.vertx.core.json.JsonArray().add("demo"))), "local").mapEmpty()));
          }
          List<String> lines = new ArrayList<>();
          descriptors.forEach(d -> lines.add(d.line()));
          return chain.onSuccess(x -> LOG.info("demo: {} simulated cameras in tenant '{}':\n  {}", count, TENANT, String.join("\n  ", lines)))
              .compose(x -> recordByDefault());
        });
  }

  /**
   * With a configuration service, a demo tenant whose customer scope says nothing about recording gets continuous
   * main-stream recording (issue 9), so a fresh install shows footage, gaps and retention at work.
   */
  public DemoCamerasVerticle withRecording(java.util.function.Supplier<com.softdew.vms.control.config.ConfigService> config) {
    this.config = config;
    return this;
  }

  private Future<Void> recordByDefault() {
    if (config == null) return Future.succeededFuture();
    com.softdew.vms.platform.store.ScopeRef ref = com.softdew.vms.platform.store.ScopeRef.customer(TENANT);
    return config.get().scope(ref).compose(v -> {
      if (v != null && v.doc().containsKey("recording")) return Future.succeededFuture();
      return config.get().patch(ref, new JsonObject().put("recording", new JsonObject().put("mainStream", true)), null, "demo", "local",
          "demo cameras record their main stream continuously").<Void>mapEmpty()
          .onSuccess(x -> LOG.info("demo: tenant '{}' records its cameras' main streams (recording.mainStream at customer scope)", TENANT));
    });
  }

  @Override
  public Future<?> stop() {
    return sim == null ? Future.succeededFuture() : sim.stop();
  }
}
