package com.softdew.vms.edge.isapi;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Hikvision ISAPI client (the first vendor plugin): device information, streaming channels, PTZ and
 * presets, and the {@code alertStream} multipart event feed. Digest authentication; non-blocking.
 */
public final class IsapiClient {
  /** Device identity. */
  public record DeviceInfo(String deviceName, String deviceId, String model, String serialNumber, String firmwareVersion) {}

  /** A streaming channel (101 = main, 102 = sub on channel 1). */
  public record Channel(String id, String name, String codec, int width, int height, double fps, boolean enabled) {}

  /** PTZ position in ISAPI units (pan 0..3600 tenths of a degree, tilt -900..900, zoom 10..). */
  public record PtzStatus(int azimuth, int elevation, int zoom) {}

  /** One event of the alert stream. */
  public record Alert(String eventType, String eventState, String channelId, String dateTime, String description) {}

  /** A failed call: HTTP status and what the camera said. */
  public static final class IsapiException extends RuntimeException {
    private final int status;

    public IsapiException(String operation, int status, String detail) {
      super(operation + " failed: HTTP " + status + (detail == null ? "" : " " + detail));
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Vertx vertx;
  private final URI base;
  private final WebClient web;
  private final DigestCredentials creds;

  public IsapiClient(Vertx vertx, String baseUrl, String user, String password) {
    this.vertx = vertx;
    this.base = URI.create(baseUrl);
    this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(30));
    this.creds = new DigestCredentials(user, password);
  }

  private int port() {
    return base.getPort() > 0 ? base.getPort() : 80;
  }

  private Future<HttpResponse<Buffer>> send(String op, HttpMethod method, String path, Document body) {
    return attempt(method, path, body).compose(r -> {
      if (r.statusCode() == 401 && creds.challenge(r.getHeader("WWW-Authenticate"))) return attempt(method, path, body);
      return Future.succeededFuture(r);
    }).compose(r -> {
      if (r.statusCode() == 401) return Future.failedFuture(new IsapiException(op, 401, "not authorized: wrong user or password"));
      if (r.statusCode() >= 300) {
        String why = r.body() == null ? null : safeText(r.body().getBytes(), "statusString");
        return Future.failedFuture(new IsapiException(op, r.statusCode(), why));
      }
      return Future.succeededFuture(r);
    });
  }

  private Future<HttpResponse<Buffer>> attempt(HttpMethod method, String path, Document body) {
    var req = web.request(method, port(), base.getHost(), path).timeout(10_000);
    String auth = creds.authorization(method.name(), path);
    if (auth != null) req.putHeader("Authorization", auth);
    if (body == null) return req.send();
    return req.putHeader("Content-Type", "application/xml").sendBuffer(Buffer.buffer(Xml.bytes(body)));
  }

  private static String safeText(byte[] xml, String name) {
    try {
      return Xml.text(Xml.parse(xml), name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Document xml(HttpResponse<Buffer> r) {
    return Xml.parse(r.body() == null ? new byte[0] : r.body().getBytes());
  }

  public Future<DeviceInfo> deviceInfo() {
    return send("deviceInfo", HttpMethod.GET, "/ISAPI/System/deviceInfo", null).map(r -> {
      Document d = xml(r);
      return new DeviceInfo(Xml.text(d, "deviceName"), Xml.text(d, "deviceID"), Xml.text(d, "model"), Xml.text(d, "serialNumber"),
          Xml.text(d, "firmwareVersion"));
    });
  }

  public Future<List<Channel>> channels() {
    return send("channels", HttpMethod.GET, "/ISAPI/Streaming/channels", null).map(r -> {
      List<Channel> out = new ArrayList<>();
      for (Element ch : Xml.all(xml(r), "StreamingChannel")) {
        Element video = Xml.first(ch, "Video");
        String fps = video == null ? null : Xml.text(video, "maxFrameRate");
        out.add(new Channel(Xml.text(ch, "id"), Xml.text(ch, "channelName"), video == null ? null : Xml.text(video, "videoCodecType"),
            video == null ? 0 : Integer.parseInt(Xml.text(video, "videoResolutionWidth")),
            video == null ? 0 : Integer.parseInt(Xml.text(video, "videoResolutionHeight")),
            fps == null ? 0 : Integer.parseInt(fps) / 100.0, "true".equals(Xml.text(ch, "enabled"))));
      }
      return out;
    });
  }

  /** Continuous move with speeds in -100..100 (0,0,0 stops). */
  public Future<Void> ptzContinuous(int pan, int tilt, int zoom) {
    Document d = Xml.newDocument("PTZData");
    Xml.add(d.getDocumentElement(), "pan", pan);
    Xml.add(d.getDocumentElement(), "tilt", tilt);
    Xml.add(d.getDocumentElement(), "zoom", zoom);
    return send("ptzContinuous", HttpMethod.PUT, "/ISAPI/PTZCtrl/channels/1/continuous", d).mapEmpty();
  }

  /** Absolute move in ISAPI units: azimuth 0..3600, elevation -900..900 (tenths of a degree), zoom 10.. . */
  public Future<Void> ptzAbsolute(int azimuth, int elevation, int zoom) {
    Document d = Xml.newDocument("PTZData");
    Element abs = Xml.add(d.getDocumentElement(), "AbsoluteHigh", null);
    Xml.add(abs, "elevation", elevation);
    Xml.add(abs, "azimuth", azimuth);
    Xml.add(abs, "absoluteZoom", zoom);
    return send("ptzAbsolute", HttpMethod.PUT, "/ISAPI/PTZCtrl/channels/1/absolute", d).mapEmpty();
  }

  public Future<PtzStatus> ptzStatus() {
    return send("ptzStatus", HttpMethod.GET, "/ISAPI/PTZCtrl/channels/1/status", null).map(r -> {
      Document d = xml(r);
      return new PtzStatus(Integer.parseInt(Xml.text(d, "azimuth")), Integer.parseInt(Xml.text(d, "elevation")),
          Integer.parseInt(Xml.text(d, "absoluteZoom")));
    });
  }

  public Future<Void> setPreset(int id, String name) {
    Document d = Xml.newDocument("PTZPreset");
    Xml.add(d.getDocumentElement(), "id", id);
    Xml.add(d.getDocumentElement(), "presetName", name);
    return send("setPreset", HttpMethod.PUT, "/ISAPI/PTZCtrl/channels/1/presets/" + id, d).mapEmpty();
  }

  public Future<Void> gotoPreset(int id) {
    return send("gotoPreset", HttpMethod.PUT, "/ISAPI/PTZCtrl/channels/1/presets/" + id + "/goto", null).mapEmpty();
  }

  public Future<Void> removePreset(int id) {
    return send("removePreset", HttpMethod.DELETE, "/ISAPI/PTZCtrl/channels/1/presets/" + id, null).mapEmpty();
  }

  /** An open alert stream; close it to stop. */
  public interface AlertStream {
    Future<Void> close();
  }

  /**
   * Opens {@code /ISAPI/Event/notification/alertStream} (multipart/mixed, one XML
   * EventNotificationAlert per part) and calls {@code onAlert} for each event as it arrives.
   */
  public Future<AlertStream> alertStream(Handler<Alert> onAlert) {
    String path = "/ISAPI/Event/notification/alertStream";
    // a cheap authenticated call first, so that the stream request carries a valid Digest answer
    Future<?> primed = creds.hasChallenge() ? Future.succeededFuture() : deviceInfo();
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000));
    return primed.compose(v -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(base.getHost()).setPort(port()).setURI(path)
            .putHeader("Authorization", creds.authorization("GET", path))))
        .compose(req -> req.send())
        .compose((HttpClientResponse resp) -> {
          if (resp.statusCode() != 200) return Future.failedFuture(new IsapiException("alertStream", resp.statusCode(), null));
          String ct = resp.getHeader("Content-Type");
          String boundary = ct == null ? null : ct.replaceAll("(?i).*boundary=\"?([^\";]+)\"?.*", "$1");
          if (boundary == null || boundary.equals(ct)) return Future.failedFuture(new IsapiException("alertStream", 200, "not multipart: " + ct));
          MultipartSplitter splitter = new MultipartSplitter(boundary, part -> {
            try {
              Document d = Xml.parse(part);
              onAlert.handle(new Alert(Xml.text(d, "eventType"), Xml.text(d, "eventState"), Xml.text(d, "channelID"),
                  Xml.text(d, "dateTime"), Xml.text(d, "eventDescription")));
            } catch (RuntimeException e) {
              // a part that is not an alert (some firmwares send images): skipped
            }
          });
          resp.handler(splitter::feed);
          AlertStream s = () -> http.close();
          return Future.succeededFuture(s);
        });
  }

  /** Splits a multipart/mixed byte stream into part bodies (bounded: a part over 1 MiB is dropped). */
  static final class MultipartSplitter {
    private static final int MAX_PART = 1 << 20;
    private final byte[] delimiter;
    private final Handler<byte[]> onPart;
    private Buffer pending = Buffer.buffer();

    MultipartSplitter(String boundary, Handler<byte[]> onPart) {
      this.delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
      this.onPart = onPart;
    }

    void feed(Buffer chunk) {
      pending.appendBuffer(chunk);
      while (true) {
        int start = indexOf(pending, delimiter, 0);
        if (start < 0) break;
        int next = indexOf(pending, delimiter, start + delimiter.length);
        if (next < 0) break;
        Buffer part = pending.getBuffer(start + delimiter.length, next);
        pending = pending.getBuffer(next, pending.length());
        int headerEnd = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (headerEnd >= 0) {
          byte[] body = part.getBytes(headerEnd + 4, part.length());
          onPart.handle(trim(body));
        }
      }
      if (pending.length() > MAX_PART) pending = Buffer.buffer();
    }

    private static byte[] trim(byte[] b) {
      int end = b.length;
      while (end > 0 && (b[end - 1] == '\r' || b[end - 1] == '\n')) end--;
      return java.util.Arrays.copyOf(b, end);
    }

    static int indexOf(Buffer buf, byte[] pat, int from) {
      outer:
      for (int i = from; i <= buf.length() - pat.length; i++) {
        for (int j = 0; j < pat.length; j++) if (buf.getByte(i + j) != pat[j]) continue outer;
        return i;
      }
      return -1;
    }
  }
}
