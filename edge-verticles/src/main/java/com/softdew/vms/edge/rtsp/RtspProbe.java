package com.softdew.vms.edge.rtsp;

import com.softdew.vms.edge.isapi.DigestCredentials;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Health probe of an RTSP stream: connects, sends DESCRIBE, answers a Basic or Digest challenge, and
 * reads the SDP (media, codecs). Tells reachable / authenticated / describable apart, which is what an
 * operator needs to know when a camera goes dark. It does not play the stream: frames, fps and bitrate
 * come from the ingest loop (edge pipeline issue).
 */
public final class RtspProbe {
  /** Outcome: reachable (TCP), authenticated (not 401), status code, codecs from the SDP, time taken, error. */
  public record Result(boolean reachable, boolean authenticated, int status, List<String> codecs, long millis, String error) {}

  /** What a short PLAY measured on the first video track: frames (RTP marker bits), fps, kbit/s, first-packet delay. */
  public record Measured(Result describe, long frames, double fps, double kbps, long firstPacketMillis, String error) {}

  private final Vertx vertx;
  private final NetClient net;

  public RtspProbe(Vertx vertx) {
    this.vertx = vertx;
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(3000).setIdleTimeout(5).setIdleTimeoutUnit(TimeUnit.SECONDS));
  }

  public Future<Result> probe(String url, String user, String password) {
    long t0 = System.nanoTime();
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new Result(false, false, 0, List.of(), 0, "bad URL: " + e.getMessage()));
    }
    int port = u.getPort() > 0 ? u.getPort() : 554;
    return net.connect(port, u.getHost())
        .compose(sock -> new Session(sock, url, user, password).describe().map(r -> toResult(r, t0)).eventually(sock::close))
        .recover(e -> Future.succeededFuture(new Result(false, false, 0, List.of(), ms(t0), "unreachable: " + e.getMessage())))
        .timeout(10, TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture(new Result(true, false, 0, List.of(), ms(t0), "no answer: " + e.getMessage())));
  }

  /**
   * DESCRIBE, SETUP of the first video track over TCP (interleaved), PLAY for {@code duration}, then
   * TEARDOWN: counts what really arrives. This is how the health monitor tells "answers" from
   * "streams", and measures fps and bitrate actually received.
   */
  public Future<Measured> measure(String url, String user, String password, java.time.Duration duration) {
    long t0 = System.nanoTime();
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new Measured(new Result(false, false, 0, List.of(), 0, "bad URL"), 0, 0, 0, -1, "bad URL"));
    }
    int port = u.getPort() > 0 ? u.getPort() : 554;
    return net.connect(port, u.getHost()).compose(sock -> {
      Session s = new Session(sock, url, user, password);
      return s.describe().compose(d -> {
        Result r = toResult(d, t0);
        if (d.status != 200) return Future.succeededFuture(new Measured(r, 0, 0, 0, -1, r.error()));
        return s.setupAndPlay(d).compose(v -> s.count(duration)).map(m -> {
          // rates over the time media actually flowed (a stream starts at its next key frame)
          double secs = Math.max(0.001, (duration.toMillis() - Math.max(0, m[2])) / 1000.0);
          return new Measured(r, m[0], m[0] == 0 ? 0 : m[0] / secs, m[1] * 8 / 1000.0 / secs, m[2],
              m[0] == 0 ? "no frame arrived in " + duration.toMillis() + " ms" : null);
        });
      }).eventually(() -> sock.close());
    }).timeout(duration.toMillis() + 10_000, java.util.concurrent.TimeUnit.MILLISECONDS).recover(e -> Future.succeededFuture(new Measured(new Result(false, false, 0, List.of(), ms(t0), "unreachable: " + e.getMessage()),
        0, 0, 0, -1, e.getMessage())));
  }

  /** One RTSP connection with request/response and auth state. */
  private final class Session {
    final NetSocket sock;
    final String url;
    final String user;
    final String password;
    final Reader reader = new Reader();
    final DigestCredentials digest;
    String basic;
    int cseq;
    String session;
    final Interleaved media = new Interleaved();

    Session(NetSocket sock, String url, String user, String password) {
      this.sock = sock;
      this.url = url;
      this.user = user;
      this.password = password;
      this.digest = new DigestCredentials(user == null ? "" : user, password == null ? "" : password);
      sock.handler(b -> {
        if (media.active) {
          media.feed(b);
        } else {
          reader.feed(b);
        }
      });
      sock.closeHandler(v -> reader.fail("connection closed by the camera"));
    }

    String auth(String method, String uri) {
      if (digest.hasChallenge()) return digest.authorization(method, uri);
      return basic;
    }

    Future<Response> request(String method, String uri, String extraHeaders) {
      return send(method, uri, extraHeaders).compose(r -> {
        if (r.status != 401 || user == null) return Future.succeededFuture(r);
        // first challenge, or a stale nonce: answer it once
        String challenge = r.header("www-authenticate");
        if (challenge == null || !digest.challenge(challenge)) {
          if (basic != null) return Future.succeededFuture(r); // Basic already sent and refused
          basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
        return send(method, uri, extraHeaders);
      });
    }

    private Future<Response> send(String method, String uri, String extraHeaders) {
      Promise<Response> p = Promise.promise();
      reader.expect(p);
      StringBuilder req = new StringBuilder(method).append(' ').append(uri).append(" RTSP/1.0\r\nCSeq: ").append(++cseq)
          .append("\r\nUser-Agent: vms-health-probe\r\n");
      String a = auth(method, uri);
      if (a != null) req.append("Authorization: ").append(a).append("\r\n");
      if (session != null) req.append("Session: ").append(session).append("\r\n");
      if (extraHeaders != null) req.append(extraHeaders);
      req.append("\r\n");
      sock.write(req.toString());
      return p.future();
    }

    Future<Response> describe() {
      return request("DESCRIBE", url, "Accept: application/sdp\r\n");
    }

    Future<Void> setupAndPlay(Response describe) {
      String control = null;
      boolean inVideo = false;
      for (String line : describe.body.split("\r?\n")) {
        if (line.startsWith("m=")) inVideo = line.startsWith("m=video");
        if (inVideo && line.startsWith("a=control:") && control == null) control = line.substring("a=control:".length()).trim();
      }
      String base = describe.header("content-base") != null ? describe.header("content-base") : url;
      String track = control == null || control.equals("*") ? base
          : control.startsWith("rtsp://") ? control : (base.endsWith("/") ? base : base + "/") + control;
      return request("SETUP", track, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n").compose(r -> {
        if (r.status != 200) return Future.failedFuture("SETUP answered " + r.status);
        String sess = r.header("session");
        session = sess == null ? null : sess.split(";")[0].trim();
        media.start = System.nanoTime();
        media.active = true; // from here the connection carries '$' frames; the PLAY answer is skipped by the parser
        send("PLAY", base, "Range: npt=0.000-\r\n");
        return Future.succeededFuture();
      });
    }

    /** Counts video frames and bytes for the duration: {frames, bytes, firstPacketMillis}. */
    Future<long[]> count(java.time.Duration d) {
      Promise<long[]> p = Promise.promise();
      vertx.setTimer(d.toMillis(), id -> {
        media.active = false;
        p.complete(new long[] {media.frames, media.bytes, media.firstPacketNanos < 0 ? -1 : (media.firstPacketNanos - media.start) / 1_000_000});
        sock.write("TEARDOWN " + url + " RTSP/1.0\r\nCSeq: " + (++cseq) + "\r\nSession: " + session + "\r\n\r\n");
      });
      return p.future();
    }
  }

  /** Parser of '$'-framed RTP on the RTSP connection; text responses in between are skipped. */
  static final class Interleaved {
    volatile boolean active;
    long start;
    long firstPacketNanos = -1;
    long frames;
    long bytes;
    private Buffer buf = Buffer.buffer();

    void feed(Buffer b) {
      buf.appendBuffer(b);
      int i = 0;
      while (i < buf.length()) {
        if (buf.getByte(i) == '$') {
          if (i + 4 > buf.length()) break;
          int ch = buf.getUnsignedByte(i + 1);
          int len = buf.getUnsignedShort(i + 2);
          if (i + 4 + len > buf.length()) break;
          if (ch == 0 && len >= 12) {
            if (firstPacketNanos < 0) firstPacketNanos = System.nanoTime();
            bytes += len;
            if ((buf.getUnsignedByte(i + 5) & 0x80) != 0) frames++;
          }
          i += 4 + len;
        } else {
          // an RTSP response between media packets (e.g. to PLAY): skip to its end
          String rest = buf.getString(i, Math.min(buf.length(), i + 4096), "ISO-8859-1");
          int end = rest.indexOf("\r\n\r\n");
          if (end < 0) break;
          int len = 0;
          for (String l : rest.substring(0, end).split("\r\n")) {
            if (l.toLowerCase().startsWith("content-length:")) len = Integer.parseInt(l.substring(15).trim());
          }
          if (i + end + 4 + len > buf.length()) break;
          i += end + 4 + len;
        }
      }
      buf = buf.getBuffer(i, buf.length());
    }
  }

  private Result toResult(Response r, long t0) {
    List<String> codecs = new ArrayList<>();
    if (r.status == 200) {
      for (String line : r.body.split("\r?\n")) {
        if (line.startsWith("a=rtpmap:")) codecs.add(line.substring(line.indexOf(' ') + 1).split("/")[0].toUpperCase());
      }
    }
    String err = r.status == 200 ? null : r.status == 401 ? "wrong user or password" : "DESCRIBE answered " + r.status;
    return new Result(true, r.status != 401, r.status, codecs, ms(t0), err);
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** An RTSP response: status, headers (lower-case names), body. */
  static final class Response {
    int status;
    final List<String[]> headers = new ArrayList<>();
    String body = "";

    String header(String name) {
      return headers.stream().filter(h -> h[0].equals(name)).map(h -> h[1]).findFirst().orElse(null);
    }
  }

  /** Accumulates bytes until a complete response (headers + Content-Length body) is there. Bounded to 64 KiB. */
  static final class Reader {
    private Buffer buf = Buffer.buffer();
    private Promise<Response> waiting;

    void expect(Promise<Response> p) {
      waiting = p;
      parse();
    }

    void fail(String why) {
      if (waiting != null) waiting.tryFail(why);
      waiting = null;
    }

    void feed(Buffer b) {
      buf.appendBuffer(b);
      if (buf.length() > 65536) {
        if (waiting != null) waiting.tryFail("response over 64 KiB");
        buf = Buffer.buffer();
        return;
      }
      parse();
    }

    private void parse() {
      if (waiting == null) return;
      String s = buf.toString(StandardCharsets.ISO_8859_1);
      int end = s.indexOf("\r\n\r\n");
      if (end < 0) return;
      Response r = new Response();
      String[] lines = s.substring(0, end).split("\r\n");
      String[] first = lines[0].split(" ", 3);
      if (first.length < 2 || !first[0].startsWith("RTSP/")) {
        waiting.tryFail("not an RTSP response: " + lines[0]);
        waiting = null;
        return;
      }
      r.status = Integer.parseInt(first[1]);
      int len = 0;
      for (int i = 1; i < lines.length; i++) {
        int c = lines[i].indexOf(':');
        if (c < 0) continue;
        String k = lines[i].substring(0, c).trim().toLowerCase();
        String v = lines[i].substring(c + 1).trim();
        r.headers.add(new String[] {k, v});
        if (k.equals("content-length")) len = Integer.parseInt(v);
      }
      if (buf.length() < end + 4 + len) return;
      r.body = buf.getString(end + 4, end + 4 + len, "UTF-8");
      buf = buf.getBuffer(end + 4 + len, buf.length());
      Promise<Response> p = waiting;
      waiting = null;
      p.complete(r);
    }
  }
}
