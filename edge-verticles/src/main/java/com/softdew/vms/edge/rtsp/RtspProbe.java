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
        .compose(sock -> exchange(sock, url, user, password, t0).eventually(sock::close))
        .recover(e -> Future.succeededFuture(new Result(false, false, 0, List.of(), ms(t0), "unreachable: " + e.getMessage())))
        .timeout(10, TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture(new Result(true, false, 0, List.of(), ms(t0), "no answer: " + e.getMessage())));
  }

  private Future<Result> exchange(NetSocket sock, String url, String user, String password, long t0) {
    Reader reader = new Reader();
    sock.handler(reader::feed);
    DigestCredentials digest = new DigestCredentials(user == null ? "" : user, password == null ? "" : password);
    return send(sock, reader, url, 1, null).compose(r1 -> {
      if (r1.status != 401 || user == null) return Future.succeededFuture(r1);
      String challenge = r1.header("www-authenticate");
      String auth;
      if (challenge != null && digest.challenge(challenge)) {
        auth = digest.authorization("DESCRIBE", url);
      } else {
        auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      }
      return send(sock, reader, url, 2, auth);
    }).map(r -> {
      List<String> codecs = new ArrayList<>();
      if (r.status == 200) {
        for (String line : r.body.split("\r?\n")) {
          if (line.startsWith("a=rtpmap:")) codecs.add(line.substring(line.indexOf(' ') + 1).split("/")[0].toUpperCase());
        }
      }
      String err = r.status == 200 ? null : r.status == 401 ? "wrong user or password" : "DESCRIBE answered " + r.status;
      return new Result(true, r.status != 401, r.status, codecs, ms(t0), err);
    });
  }

  private Future<Response> send(NetSocket sock, Reader reader, String url, int cseq, String auth) {
    Promise<Response> p = Promise.promise();
    reader.expect(p);
    StringBuilder req = new StringBuilder("DESCRIBE ").append(url).append(" RTSP/1.0\r\nCSeq: ").append(cseq)
        .append("\r\nAccept: application/sdp\r\nUser-Agent: vms-health-probe\r\n");
    if (auth != null) req.append("Authorization: ").append(auth).append("\r\n");
    req.append("\r\n");
    sock.write(req.toString());
    return p.future();
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
