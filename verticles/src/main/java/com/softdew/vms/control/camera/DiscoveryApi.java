package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.discovery.IpRangeScanner;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** REST handler of /api/v1/discovery: IP-range scans, progress published to the tenant's browsers. */
public final class DiscoveryApi {
  private final Vertx vertx;
  private final IpRangeScanner scanner;

  public DiscoveryApi(Vertx vertx) {
    this.vertx = vertx;
    this.scanner = new IpRangeScanner(vertx, 700, 32, 1024);
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    return Map.of("scanRange", this::scan);
  }

  private void scan(RoutingContext ctx) {
    String tenant = CameraApi.tenant(ctx);
    JsonObject b = OpenApiRouter.validated(ctx).getBody().getJsonObject();
    List<String> hosts;
    try {
      hosts = scanner.hosts(b.getString("cidr"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("cidr", e.getMessage().replaceFirst("^cidr: ", ""));
    }
    List<Integer> ports = b.containsKey("ports") ? b.getJsonArray("ports").stream().map(o -> ((Number) o).intValue()).toList()
        : IpRangeScanner.DEFAULT_PORTS;
    String jobId = UUID.randomUUID().toString();
    String address = Addresses.clientDiscoveryProgress(tenant);
    long t0 = System.nanoTime();
    scanner.scan(hosts, ports, p -> {
      if (p[0] % 16 == 0 || p[0] == p[1]) {
        vertx.eventBus().publish(address, new JsonObject().put("jobId", jobId).put("done", p[0]).put("total", p[1]));
      }
    }).onSuccess(found -> PlatformRouter.json(ctx, 200, new JsonObject().put("jobId", jobId).put("hosts", hosts.size())
        .put("ports", new JsonArray(ports)).put("millis", (System.nanoTime() - t0) / 1_000_000)
        .put("found", new JsonArray(found.stream().map(IpRangeScanner.Found::toJson).toList())))).onFailure(ctx::fail);
  }
}
