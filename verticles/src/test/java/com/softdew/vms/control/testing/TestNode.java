package com.softdew.vms.control.testing;

import com.softdew.vms.control.ControlPlaneVerticle;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * An all-in-one node for API tests: a fresh database on the machine's PostgreSQL, embedded Mongo-wire
 * and Kafka in a temporary data directory, the bootstrap operator signed in (password + TOTP).
 */
public final class TestNode implements AutoCloseable {
  public static final String ADMIN_PW = "operator-pass-phrase-1";

  public final Vertx vertx;
  public final String db;
  public final ControlPlaneVerticle node;
  public final ApiClient api;
  public final String operator;

  private TestNode(Vertx vertx, String db, ControlPlaneVerticle node, ApiClient api, String operator) {
    this.vertx = vertx;
    this.db = db;
    this.node = node;
    this.api = api;
    this.operator = operator;
  }

  /** Starts a node; {@code overrides} are start-up configuration keys on top of the test profile. */
  public static TestNode start(Map<String, Object> overrides) throws Exception {
    Vertx vertx = Vertx.vertx();
    String db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    Map<String, Object> o = new HashMap<>(Map.of("sql.url", LocalPostgres.url(db), "admin.password", ADMIN_PW));
    o.putAll(overrides);
    ControlPlaneVerticle node = new ControlPlaneVerticle(Role.ALL, TestConfigs.create(Files.createTempDirectory("vms-node"), o));
    ApiClient.await(vertx.deployVerticle(node));
    ApiClient api = new ApiClient(vertx, node.httpPort());
    return new TestNode(vertx, db, node, api, api.token("admin", ADMIN_PW));
  }

  @Override
  public void close() throws Exception {
    ApiClient.await(vertx.close());
    Vertx admin = Vertx.vertx();
    LocalPostgres.exec(admin, "DROP DATABASE IF EXISTS " + db);
    ApiClient.await(admin.close());
  }
}
