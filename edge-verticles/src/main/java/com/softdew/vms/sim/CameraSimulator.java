package com.softdew.vms.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Many simulated cameras in one JVM: instance {@code i} (0-based) listens for RTSP on
 * {@code basePort + i} with user {@code admin}, password {@code pass<i>} and serial
 * {@code SIM<8 digits>}, each an {@link RtspCameraServer} verticle (so the cameras spread over the
 * event loops). Media files are encoded once into the media directory and shared in memory.
 *
 * <p>{@link #main} prints one line per camera then {@code ready}:
 *
 * <pre>camera 0 rtsp-main=rtsp://127.0.0.1:8554/main rtsp-sub=rtsp://127.0.0.1:8554/sub user=admin password=pass0</pre>
 *
 * The fields of a line are the ordered {@link Descriptor#fields()}; other simulators (ONVIF, ISAPI)
 * add theirs with {@link Descriptor#with(String, String)}.
 */
public final class CameraSimulator {

  /** What a client needs to reach one simulated camera. URLs carry no credentials. */
  public record Descriptor(
      int index,
      String serial,
      String user,
      String password,
      String rtspMain,
      String rtspSub,
      RtspCameraServer server,
      Map<String, String> extra) {

    /** The printed fields, in order: onvif, rtsp-main, rtsp-sub, isapi, user, password, then any other extras. */
    public Map<String, String> fields() {
      Map<String, String> f = new LinkedHashMap<>();
      if (extra.containsKey("onvif")) f.put("onvif", extra.get("onvif"));
      f.put("rtsp-main", rtspMain);
      f.put("rtsp-sub", rtspSub);
      if (extra.containsKey("isapi")) f.put("isapi", extra.get("isapi"));
      f.put("user", user);
      f.put("password", password);
      extra.forEach(f::putIfAbsent);
      return f;
    }

    /** A copy with one more field (e.g. {@code onvif=http://...}) appended to the line. */
    public Descriptor with(String key, String value) {
      Map<String, String> e = new LinkedHashMap<>(extra);
      e.put(key, value);
      return new Descriptor(index, serial, user, password, rtspMain, rtspSub, server,
          Collections.unmodifiableMap(e));
    }

    /** {@code camera <i> k=v k=v ...} */
    public String line() {
      StringBuilder sb = new StringBuilder("camera ").append(index);
      fields().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
      return sb.toString();
    }
  }

  private final Vertx vertx;
  private final Path mediaDir;
  private final List<String> deployments = new ArrayList<>();

  public CameraSimulator(Vertx vertx, Path mediaDir) {
    this.vertx = vertx;
    this.mediaDir = mediaDir;
  }

  /** Starts {@code n} cameras, both paths in {@code codec}, Digest auth, on 127.0.0.1. */
  public Future<List<Descriptor>> start(int n, Codec codec, int basePort) {
    return start(n, codec, basePort, (i, o) -> {});
  }

  /**
   * Starts {@code n} cameras; {@code customize} may change any option of camera {@code i} (host,
   * auth mode, sub codec, timeouts ...) after the defaults are set.
   */
  public Future<List<Descriptor>> start(
      int n, Codec codec, int basePort, BiConsumer<Integer, RtspCameraServer.Options> customize) {
    List<RtspCameraServer> servers = new ArrayList<>();
    List<Future<String>> deploying = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RtspCameraServer.Options o = new RtspCameraServer.Options()
          .port(basePort + i)
          .user("admin")
          .password("pass" + i)
          .serial(String.format(Locale.ROOT, "SIM%08d", i))
          .codec(codec)
          .mediaDir(mediaDir)
          // like a real camera with a card: it has recorded for the last hour and keeps recording (ONVIF Profile G)
          .sdCard(SimSdCard.continuous(java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
      customize.accept(i, o);
      RtspCameraServer s = new RtspCameraServer(o);
      servers.add(s);
      deploying.add(vertx.deployVerticle(s).onSuccess(id -> {
        synchronized (deployments) {
          deployments.add(id);
        }
      }));
    }
    return Future.all(deploying).map(cf -> {
      List<Descriptor> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        RtspCameraServer s = servers.get(i);
        out.add(new Descriptor(i, s.serial(), s.user(), s.password(), s.url("main"),
            s.url("sub"), s, Map.of()));
      }
      return out;
    });
  }

  private final List<OnvifDeviceServer> onvifServers = new ArrayList<>();
  private final List<OnvifDiscoveryResponder> responders = new ArrayList<>();
  private final List<IsapiDeviceServer> isapiServers = new ArrayList<>();

  /**
   * Starts whole cameras: the RTSP streams plus, per camera, the ONVIF face (device, media, media2,
   * PTZ, events, Profile G search and replay over the camera's {@link SimSdCard}; WS-Discovery responder) and the Hikvision ISAPI face, sharing credentials. The
   * descriptors carry {@code onvif=} and {@code isapi=} URLs.
   */
  public Future<List<Descriptor>> startCameras(int n, Codec codec, int basePort, String host,
      com.softdew.vms.edge.discovery.MulticastSettings multicast) {
    return startCameras(n, codec, i -> host, i -> basePort + i, 0, 0, multicast);
  }

  /**
   * As {@link #startCameras(int, Codec, int, String, com.softdew.vms.edge.discovery.MulticastSettings)}
   * with a host and RTSP port per camera and fixed ONVIF/ISAPI ports (0 = any): cameras on distinct
   * loopback addresses (127.0.x.y) look like a subnet of devices to an IP-range scan.
   */
  public Future<List<Descriptor>> startCameras(int n, Codec codec, java.util.function.IntFunction<String> hostOf,
      java.util.function.IntUnaryOperator rtspPortOf, int onvifPort, int isapiPort, com.softdew.vms.edge.discovery.MulticastSettings multicast) {
    return start(n, codec, 0, (i, o) -> o.host(hostOf.apply(i)).port(rtspPortOf.applyAsInt(i))).compose(cams -> {
      List<Future<Descriptor>> faces = new ArrayList<>();
      for (Descriptor d : cams) faces.add(faces(d, codec, hostOf.apply(d.index()), onvifPort, isapiPort, multicast));
      return Future.all(faces).map(cf -> {
        List<Descriptor> out = new ArrayList<>();
        for (Future<Descriptor> f : faces) out.add(f.result());
        return out;
      });
    });
  }

  private Future<Descriptor> faces(Descriptor d, Codec codec, String host, int onvifPort, int isapiPort,
      com.softdew.vms.edge.discovery.MulticastSettings multicast) {
    SimCameraInfo info = new SimCameraInfo(d.serial(), "Softdew Sim", "SIM-" + codec.name(), "1.0.0", d.rtspMain(), d.rtspSub(),
        1280, 720, 640, 360, switch (codec) {
          case H264 -> "H264";
          case H265 -> "H265";
          case MJPEG -> "JPEG";
        }, d.user(), d.password());
    // one SD card per camera: what the ONVIF search service lists is what the RTSP replay path plays
    OnvifDeviceServer onvif = new OnvifDeviceServer(vertx, info, host, onvifPort, d.server().sdCard());
    IsapiDeviceServer isapi;
    try {
      isapi = new IsapiDeviceServer(vertx, new IsapiDeviceServer.Info(d.serial(), "SIM-" + codec.name(), "1.0.0", codec.name(), 1280, 720,
          640, 360, 15, d.user(), d.password()), mediaDir.resolve("isapi"));
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    return onvif.start().compose(o -> {
      synchronized (onvifServers) {
        onvifServers.add(o);
      }
      OnvifDiscoveryResponder r = new OnvifDiscoveryResponder(vertx, o.endpointReference(), o.scopes(), List.of(o.deviceServiceUrl()),
          multicast, host);
      return r.start();
    }).compose(r -> {
      synchronized (responders) {
        responders.add(r);
      }
      return isapi.start(host, isapiPort);
    }).map(boundIsapi -> {
      synchronized (isapiServers) {
        isapiServers.add(isapi);
      }
      return d.with("onvif", onvif.deviceServiceUrl()).with("isapi", "http://" + host + ":" + boundIsapi);
    });
  }

  /** The ONVIF faces started by {@link #startCameras}, in camera order. */
  public List<OnvifDeviceServer> onvifServers() {
    synchronized (onvifServers) {
      return List.copyOf(onvifServers);
    }
  }

  /** Undeploys every camera this simulator started. */
  public Future<Void> stop() {
    List<Future<Void>> f = new ArrayList<>();
    synchronized (onvifServers) {
      onvifServers.forEach(o -> f.add(o.close()));
      onvifServers.clear();
    }
    synchronized (responders) {
      responders.forEach(r -> f.add(r.close()));
      responders.clear();
    }
    synchronized (isapiServers) {
      isapiServers.forEach(i -> f.add(i.stop()));
      isapiServers.clear();
    }
    synchronized (deployments) {
      for (String id : deployments) f.add(vertx.undeploy(id));
      deployments.clear();
    }
    return Future.join(f).mapEmpty();
  }

  /**
   * {@code --count N --codec h264|h265|mjpeg --base-port P --media-dir DIR --host H
   * --auth digest|basic|none --sub-codec C}; prints the camera lines then {@code ready}.
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String k = args[i];
      if (!k.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + k);
      int eq = k.indexOf('=');
      if (eq > 0) {
        a.put(k.substring(2, eq), k.substring(eq + 1));
      } else if (i + 1 < args.length) {
        a.put(k.substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException("missing value for " + k);
      }
    }
    int count = Integer.parseInt(a.getOrDefault("count", "1"));
    Codec codec = Codec.parse(a.getOrDefault("codec", "h264"));
    Codec sub = a.containsKey("sub-codec") ? Codec.parse(a.get("sub-codec")) : codec;
    int basePort = Integer.parseInt(a.getOrDefault("base-port", "8554"));
    Path dir = Path.of(a.getOrDefault("media-dir", "sim-media"));
    String host = a.getOrDefault("host", "127.0.0.1");
    RtspCameraServer.AuthMode auth =
        RtspCameraServer.AuthMode.valueOf(a.getOrDefault("auth", "digest").toUpperCase(Locale.ROOT));
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, dir);
    boolean rtspOnly = Boolean.parseBoolean(a.getOrDefault("rtsp-only", "false"));
    List<Descriptor> cams = (rtspOnly || auth != RtspCameraServer.AuthMode.DIGEST || sub != codec
        ? sim.start(count, codec, basePort, (i, o) -> o.host(host).auth(auth).subCodec(sub))
        : sim.startCameras(count, codec, basePort, host, "127.0.0.1".equals(host)
            ? com.softdew.vms.edge.discovery.MulticastSettings.loopback() : com.softdew.vms.edge.discovery.MulticastSettings.lan()))
        .toCompletionStage().toCompletableFuture().get();
    for (Descriptor d : cams) {
      System.out.println(d.line());
    }
    System.out.println("ready");
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sim.stop().toCompletionStage().toCompletableFuture().get();
        vertx.close().toCompletionStage().toCompletableFuture().get();
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
  }
}
