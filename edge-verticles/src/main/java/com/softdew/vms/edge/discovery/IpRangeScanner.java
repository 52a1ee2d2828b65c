package com.softdew.vms.edge.discovery;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scans an IP range (CIDR) for cameras: TCP connect on each configured port, then identification of
 * what answers — RTSP (OPTIONS), Hikvision ISAPI ({@code /ISAPI/System/deviceInfo}: 200, or 401 with a
 * Digest challenge), ONVIF ({@code /onvif/device_service} answering a SOAP GetSystemDateAndTime, which
 * cameras serve without credentials). Bounded: at most {@code concurrency} hosts at a time and
 * {@code maxHosts} per scan; progress is reported through a callback (the API publishes it on the bus).
 */
public final class IpRangeScanner {
  /** What was found on one host. */
  public record Found(String host, List<Integer> openPorts, List<String> protocols, JsonObject details) {
    public JsonObject toJson() {
      return new JsonObject().put("host", host).put("openPorts", new JsonArray(openPorts)).put("protocols", new JsonArray(protocols))
          .put("details", details);
    }
  }

  public static final List<Integer> DEFAULT_PORTS = List.of(80, 554, 8000, 8080, 8554);
  static final String GET_TIME = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
      + "<s:Body><GetSystemDateAndTime xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>";

  private final Vertx vertx;
  private final NetClient net;
  private final WebClient web;
  private final int concurrency;
  private final int maxHosts;

  public IpRangeScanner(Vertx vertx, int connectTimeoutMs, int concurrency, int maxHosts) {
    this.vertx = vertx;
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(connectTimeoutMs));
    this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(connectTimeoutMs).setIdleTimeout(5));
    this.concurrency = concurrency;
    this.maxHosts = maxHosts;
  }

  /** The hosts of a CIDR block (network and broadcast excluded for IPv4 blocks larger than /31). */
  public List<String> hosts(String cidr) {
    IPAddress block = new IPAddressString(cidr).getAddress();
    if (block == null) throw new IllegalArgumentException("cidr: not an address or CIDR block: " + cidr);
    if (block.getCount().longValue() > maxHosts) {
      throw new IllegalArgumentException("cidr: " + cidr + " has " + block.getCount() + " addresses, more than the " + maxHosts + " allowed per scan");
    }
    List<String> out = new ArrayList<>();
    IPAddress prefix = block.toPrefixBlock();
    boolean trimEnds = prefix.isIPv4() && prefix.getNetworkPrefixLength() != null && prefix.getNetworkPrefixLength() < 31;
    Iterator<? extends IPAddress> addrs = block.iterator();
    while (addrs.hasNext()) {
      IPAddress a = addrs.next();
      if (trimEnds && (a.equals(prefix.getLower().withoutPrefixLength()) || a.equals(prefix.getUpper().withoutPrefixLength()))) continue;
      out.add(a.withoutPrefixLength().toCanonicalString());
    }
    return out;
  }

  /** Scans every host of the range on the given ports; {@code progress} gets (done, total) after each host. */
  public Future<List<Found>> scan(List<String> hosts, List<Integer> ports, Handler<int[]> progress) {
    List<Found> found = java.util.Collections.synchronizedList(new ArrayList<>());
    Iterator<String> it = hosts.iterator();
    AtomicInteger done = new AtomicInteger();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < Math.min(concurrency, hosts.size()); i++) lanes.add(lane(it, ports, found, done, hosts.size(), progress));
    return Future.join(lanes).map(v -> {
      List<Found> sorted = new ArrayList<>(found);
      sorted.sort(java.util.Comparator.comparing(Found::host));
      return sorted;
    });
  }

  private Future<Void> lane(Iterator<String> it, List<Integer> ports, List<Found> found, AtomicInteger done, int total, Handler<int[]> progress) {
    String host;
    synchronized (it) {
      if (!it.hasNext()) return Future.succeededFuture();
      host = it.next();
    }
    return scanHost(host, ports).map(f -> {
      if (f != null) found.add(f);
      progress.handle(new int[] {done.incrementAndGet(), total});
      return null;
    }).compose(v -> lane(it, ports, found, done, total, progress));
  }

  Future<Found> scanHost(String host, List<Integer> ports) {
    List<Future<Integer>> checks = new ArrayList<>();
    for (int p : ports) {
      checks.add(net.connect(p, host).compose(s -> s.close().map(p)).recover(e -> Future.succeededFuture(-1)));
    }
    return Future.join(checks).compose(cf -> {
      List<Integer> open = checks.stream().map(Future::result).filter(p -> p != null && p > 0).toList();
      if (open.isEmpty()) return Future.succeededFuture(null);
      List<String> protocols = java.util.Collections.synchronizedList(new ArrayList<>());
      JsonObject details = new JsonObject();
      List<Future<Void>> ids = new ArrayList<>();
      for (int p : open) {
        ids.add(rtsp(host, p).map(ok -> {
          if (ok) {
            protocols.add("rtsp");
            details.put("rtsp", "rtsp://" + host + ":" + p + "/");
          }
          return null;
        }));
        ids.add(web.request(HttpMethod.GET, p, host, "/ISAPI/System/deviceInfo").timeout(3000).send().map(r -> {
          String auth = r.getHeader("WWW-Authenticate");
          if (r.statusCode() == 200 || (r.statusCode() == 401 && auth != null && auth.startsWith("Digest"))) {
            protocols.add("isapi");
            details.put("isapi", "http://" + host + ":" + p);
          }
          return (Void) null;
        }).recover(e -> Future.succeededFuture()));
        ids.add(web.request(HttpMethod.POST, p, host, "/onvif/device_service").timeout(3000)
            .putHeader("Content-Type", "application/soap+xml; charset=utf-8").sendBuffer(Buffer.buffer(GET_TIME)).map(r -> {
              String body = r.bodyAsString();
              if (r.statusCode() == 200 && body != null && body.contains("GetSystemDateAndTimeResponse")) {
                protocols.add("onvif");
                details.put("onvif", "http://" + host + ":" + p + "/onvif/device_service");
              }
              return (Void) null;
            }).recover(e -> Future.succeededFuture()));
      }
      return Future.join(ids).map(v -> new Found(host, open, protocols.stream().distinct().sorted().toList(), details));
    });
  }

  private Future<Boolean> rtsp(String host, int port) {
    return net.connect(port, host).compose(s -> {
      io.vertx.core.Promise<Boolean> p = io.vertx.core.Promise.promise();
      Buffer acc = Buffer.buffer();
      s.handler(b -> {
        acc.appendBuffer(b);
        String head = acc.toString(StandardCharsets.ISO_8859_1);
        int end = head.indexOf("\r\n\r\n");
        if (end >= 0 || acc.length() > 8192) {
          // a real RTSP server echoes CSeq; an HTTP server that merely parses the request line does not
          String h = head.substring(0, Math.max(0, end)).toLowerCase();
          p.tryComplete(h.startsWith("rtsp/1.") && h.contains("\r\ncseq: 1"));
        }
      });
      s.closeHandler(v -> p.tryComplete(false));
      s.write(Buffer.buffer("OPTIONS rtsp://" + host + ":" + port + "/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", StandardCharsets.US_ASCII.name()));
      vertx.setTimer(2000, id -> p.tryComplete(false));
      return p.future().eventually(s::close);
    }).recover(e -> Future.succeededFuture(false));
  }
}
