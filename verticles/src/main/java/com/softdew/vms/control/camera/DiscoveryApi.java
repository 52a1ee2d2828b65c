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
  private final com.softdew.vms.edge.discovery.WsDiscoveryClient ws;
  private final OnvifOnboarding onboarding;

  public DiscoveryApi(Vertx vertx, String multicast, OnvifOnboarding onboarding) {
    this.vertx = vertx;
    this.scanner = new IpRangeScanner(vertx, 700, 32, 1024);
    this.ws = new com.softdew.vms.edge.discovery.WsDiscoveryClient(vertx, switch (multicast) {
      case "loopback" -> com.softdew.vms.edge.discovery.MulticastSettings.loopback();
      case "off" -> com.softdew.vms.edge.discovery.MulticastSettings.disabled();
      default -> com.softdew.vms.edge.discovery.MulticastSettings.lan();
    });
    this.onboarding = onboarding;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    return Map.of("scanRange", this::scan, "probeOnvif", this::probe, "inspectOnvif", ctx -> {
      CameraApi.tenant(ctx);
      JsonObject b = OpenApiRouter.validated(ctx).getBody().getJsonObject();
      onboarding.inspect(b.getString("onvifUrl"), b.getString("username"), b.getString("password"))
          .onSuccess(d -> PlatformRouter.json(ctx, 200, d)).onFailure(ctx::fail);
    }, "addOnvifCamera", ctx -> {
      String tenant = CameraApi.tenant(ctx);
      onboarding.add(com.softdew.vms.control.auth.ApiSecurity.require(ctx), tenant, OpenApiRouter.validated(ctx).getBody().getJsonObject(),
          com.softdew.vms.control.auth.ApiSecurity.clientIp(ctx)).onSuccess(c -> PlatformRouter.json(ctx, 201, c)).onFailure(ctx::fail);
    });
  }

  /** WS-Discovery: a Probe (multicast per discovery.multicast, plus unicast targets) and the devices that answered. */
  private void probe(RoutingContext ctx) {
    CameraApi.tenant(ctx);
    JsonObject b = OpenApiRouter.validated(ctx).getBody() == null || OpenApiRouter.validated(ctx).getBody().isNull()
        ? new JsonObject() : OpenApiRouter.validated(ctx).getBody().getJsonObject();
    List<io.vertx.core.net.SocketAddress> targets = b.getJsonArray("unicast", new JsonArray()).stream().map(String::valueOf).map(t -> {
      int c = t.lastIndexOf(':');
      if (c < 0) throw ApiException.invalid("unicast", "entries are host:port, got " + t);
      return io.vertx.core.net.SocketAddress.inetSocketAddress(Integer.parseInt(t.substring(c + 1)), t.substring(0, c));
    }).toList();
    long t0 = System.nanoTime();
    ws.probe(java.time.Duration.ofMillis(b.getInteger("windowMs", 2000)), targets)
        .onSuccess(found -> PlatformRouter.json(ctx, 200, new JsonObject().put("millis", (System.nanoTime() - t0) / 1_000_000)
            .put("found", new JsonArray(found.stream().map(d -> new JsonObject().put("endpointReference", d.endpointReference())
                .put("xaddrs", new JsonArray(d.xaddrs())).put("scopes", new JsonArray(d.scopes()))).toList()))))
        .onFailure(ctx::fail);
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
