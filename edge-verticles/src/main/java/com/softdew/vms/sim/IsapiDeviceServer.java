package com.softdew.vms.sim;

import com.softdew.vms.edge.isapi.Xml;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.auth.htdigest.HtdigestAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.DigestAuthHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The Hikvision ISAPI face of a simulated camera: {@code /ISAPI/System/deviceInfo},
 * {@code /ISAPI/Streaming/channels}, {@code /ISAPI/PTZCtrl/channels/1/...} (continuous move, status,
 * presets) and the {@code /ISAPI/Event/notification/alertStream} multipart event feed (events injected
 * with {@link #fireEvent}, a heartbeat every 5 s as real cameras send). Digest auth through Vert.x
 * Web's DigestAuthHandler over an htdigest file.
 */
public final class IsapiDeviceServer {
  /** What the simulated device reports. */
  public record Info(String serial, String model, String firmware, String codec, int mainWidth, int mainHeight, int subWidth,
      int subHeight, int fps, String user, String password) {}

  private final Vertx vertx;
  private final Info info;
  private final Path htdigest;
  private final List<HttpServerResponse> streams = new CopyOnWriteArrayList<>();
  private final Map<Integer, double[]> presets = new ConcurrentHashMap<>();
  private final PtzState ptz = new PtzState();
  private HttpServer server;
  private long heartbeat = -1;
  private static final String REALM = "IP Camera";
  static final String BOUNDARY = "boundary";

  public IsapiDeviceServer(Vertx vertx, Info info, Path workDir) throws IOException {
    this.vertx = vertx;
    this.info = info;
    Files.createDirectories(workDir);
    this.htdigest = workDir.resolve("isapi-" + info.serial() + ".htdigest");
    writeHtdigest(info.password());
  }

  /** Changes the device password at runtime (fault: the platform's stored one becomes wrong). */
  public void setPassword(String password) throws IOException {
    writeHtdigest(password);
  }

  private void writeHtdigest(String password) throws IOException {
    try {
      String ha1 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
          .digest((info.user() + ":" + REALM + ":" + password).getBytes(StandardCharsets.UTF_8)));
      Files.writeString(htdigest, info.user() + ":" + REALM + ":" + ha1 + "\n");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Future<Integer> start(String host, int port) {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create().setBodyLimit(64 * 1024));
    // a fresh provider per request: the htdigest file is re-read, so a password change applies at once
    r.route("/ISAPI/*").handler(ctx -> DigestAuthHandler.create(vertx, HtdigestAuth.create(vertx, htdigest.toString())).handle(ctx));
    r.get("/ISAPI/System/deviceInfo").handler(this::deviceInfo);
    r.get("/ISAPI/Streaming/channels").handler(this::channels);
    r.put("/ISAPI/PTZCtrl/channels/1/continuous").handler(this::continuous);
    r.get("/ISAPI/PTZCtrl/channels/1/status").handler(this::status);
    r.put("/ISAPI/PTZCtrl/channels/1/absolute").handler(this::absolute);
    r.put("/ISAPI/PTZCtrl/channels/1/presets/:id/goto").handler(this::gotoPreset);
    r.put("/ISAPI/PTZCtrl/channels/1/presets/:id").handler(this::setPreset);
    r.delete("/ISAPI/PTZCtrl/channels/1/presets/:id").handler(ctx -> {
      if (presets.remove(Integer.parseInt(ctx.pathParam("id"))) == null) {
        status(ctx, 404, "Invalid Operation");
      } else {
        ok(ctx);
      }
    });
    r.get("/ISAPI/Event/notification/alertStream").handler(this::alertStream);
    heartbeat = vertx.setPeriodic(5000, id -> fireEvent("videoloss", false));
    return vertx.createHttpServer().requestHandler(r).listen(port, host).map(s -> {
      server = s;
      return s.actualPort();
    });
  }

  public Future<Void> stop() {
    if (heartbeat >= 0) vertx.cancelTimer(heartbeat);
    streams.forEach(s -> s.reset());
    return server == null ? Future.succeededFuture() : server.close();
  }

  private static void xml(RoutingContext ctx, Document d) {
    ctx.response().putHeader("Content-Type", "application/xml; charset=\"UTF-8\"").end(Buffer.buffer(Xml.bytes(d)));
  }

  private static void status(RoutingContext ctx, int http, String status) {
    Document d = Xml.newDocument("ResponseStatus");
    Xml.add(d.getDocumentElement(), "requestURL", ctx.request().path());
    Xml.add(d.getDocumentElement(), "statusCode", http == 200 ? 1 : 4);
    Xml.add(d.getDocumentElement(), "statusString", status);
    ctx.response().setStatusCode(http);
    xml(ctx, d);
  }

  private static void ok(RoutingContext ctx) {
    status(ctx, 200, "OK");
  }

  private void deviceInfo(RoutingContext ctx) {
    Document d = Xml.newDocument("DeviceInfo");
    Element root = d.getDocumentElement();
    Xml.add(root, "deviceName", "SIM-" + info.serial());
    Xml.add(root, "deviceID", info.serial());
    Xml.add(root, "model", info.model());
    Xml.add(root, "serialNumber", info.serial());
    Xml.add(root, "firmwareVersion", info.firmware());
    Xml.add(root, "deviceType", "IPCamera");
    xml(ctx, d);
  }

  private void channels(RoutingContext ctx) {
    Document d = Xml.newDocument("StreamingChannelList");
    addChannel(d, "101", "main", info.mainWidth(), info.mainHeight());
    addChannel(d, "102", "sub", info.subWidth(), info.subHeight());
    xml(ctx, d);
  }

  private void addChannel(Document d, String id, String name, int w, int h) {
    Element ch = Xml.add(d.getDocumentElement(), "StreamingChannel", null);
    Xml.add(ch, "id", id);
    Xml.add(ch, "channelName", name);
    Xml.add(ch, "enabled", true);
    Element v = Xml.add(ch, "Video", null);
    Xml.add(v, "videoCodecType", switch (info.codec()) {
      case "H265" -> "H.265";
      case "MJPEG" -> "MJPEG";
      default -> "H.264";
    });
    Xml.add(v, "videoResolutionWidth", w);
    Xml.add(v, "videoResolutionHeight", h);
    Xml.add(v, "maxFrameRate", info.fps() * 100);
  }

  private void continuous(RoutingContext ctx) {
    Document d;
    try {
      d = Xml.parse(ctx.body().buffer().getBytes());
    } catch (RuntimeException e) {
      status(ctx, 400, "Invalid XML Format");
      return;
    }
    ptz.move(num(Xml.text(d, "pan")) / 100.0, num(Xml.text(d, "tilt")) / 100.0, num(Xml.text(d, "zoom")) / 100.0);
    ok(ctx);
  }

  private void absolute(RoutingContext ctx) {
    Document d;
    try {
      d = Xml.parse(ctx.body().buffer().getBytes());
    } catch (RuntimeException e) {
      status(ctx, 400, "Invalid XML Format");
      return;
    }
    double az = num(Xml.text(d, "azimuth"));
    double el = num(Xml.text(d, "elevation"));
    double z = num(Xml.text(d, "absoluteZoom"));
    if (az < 0 || az > 3600 || el < -900 || el > 900 || z < 10 || z > 100) {
      status(ctx, 400, "Invalid Content");
      return;
    }
    ptz.moveTo(new double[] {az / 1800.0 - 1, el / 900.0, (z - 10) / 90.0});
    ok(ctx);
  }

  private static double num(String s) {
    return s == null || s.isBlank() ? 0 : Double.parseDouble(s);
  }

  private void status(RoutingContext ctx) {
    double[] p = ptz.position();
    Document d = Xml.newDocument("PTZStatus");
    Element abs = Xml.add(d.getDocumentElement(), "AbsoluteHigh", null);
    // ISAPI units: elevation -900..900 and azimuth 0..3600 (tenths of a degree), zoom 10..(10x optical = 100)
    Xml.add(abs, "elevation", Math.round(p[1] * 900));
    Xml.add(abs, "azimuth", Math.round((p[0] + 1) * 1800) % 3600);
    Xml.add(abs, "absoluteZoom", Math.round(10 + p[2] * 90));
    xml(ctx, d);
  }

  private void setPreset(RoutingContext ctx) {
    int id = Integer.parseInt(ctx.pathParam("id"));
    if (id < 1 || id > 300) {
      status(ctx, 400, "Invalid Content");
      return;
    }
    presets.put(id, ptz.position());
    ok(ctx);
  }

  private void gotoPreset(RoutingContext ctx) {
    double[] p = presets.get(Integer.parseInt(ctx.pathParam("id")));
    if (p == null) {
      status(ctx, 404, "Invalid Operation");
      return;
    }
    ptz.moveTo(p);
    ok(ctx);
  }

  private void alertStream(RoutingContext ctx) {
    HttpServerResponse resp = ctx.response().setChunked(true)
        .putHeader("Content-Type", "multipart/mixed; boundary=" + BOUNDARY);
    streams.add(resp);
    resp.closeHandler(v -> streams.remove(resp));
    resp.write("--" + BOUNDARY + "\r\n");
  }

  /** Pushes an event (e.g. VMD motion, tamperdetection, IO) to every open alert stream. */
  public void fireEvent(String type, boolean active) {
    Document d = Xml.newDocument("EventNotificationAlert");
    Element root = d.getDocumentElement();
    Xml.add(root, "ipAddress", "127.0.0.1");
    Xml.add(root, "channelID", 1);
    Xml.add(root, "dateTime", Instant.now().toString());
    Xml.add(root, "activePostCount", 1);
    Xml.add(root, "eventType", type);
    Xml.add(root, "eventState", active ? "active" : "inactive");
    Xml.add(root, "eventDescription", type + " alarm");
    byte[] body = Xml.bytes(d);
    String part = "Content-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: " + body.length + "\r\n\r\n";
    for (HttpServerResponse s : streams) {
      if (s.writeQueueFull()) continue; // a slow reader loses events rather than growing memory
      s.write(Buffer.buffer(part).appendBytes(body).appendString("\r\n--" + BOUNDARY + "\r\n"));
    }
  }

  public int openStreams() {
    return streams.size();
  }

  /** Pan/tilt/zoom integrated over time from continuous-move speeds (full range in 2 s at speed 1). */
  static final class PtzState {
    private double pan;
    private double tilt;
    private double zoom;
    private double vp;
    private double vt;
    private double vz;
    private long since = System.nanoTime();

    synchronized double[] position() {
      long now = System.nanoTime();
      double dt = (now - since) / 1e9;
      since = now;
      pan = clamp(pan + vp * dt, -1, 1);
      tilt = clamp(tilt + vt * dt, -1, 1);
      zoom = clamp(zoom + vz * dt, 0, 1);
      return new double[] {pan, tilt, zoom};
    }

    synchronized void move(double p, double t, double z) {
      position();
      vp = p;
      vt = t;
      vz = z;
    }

    synchronized void moveTo(double[] p) {
      position();
      vp = vt = vz = 0;
      pan = p[0];
      tilt = p[1];
      zoom = p[2];
    }

    static double clamp(double v, double lo, double hi) {
      return Math.max(lo, Math.min(hi, v));
    }
  }
}
