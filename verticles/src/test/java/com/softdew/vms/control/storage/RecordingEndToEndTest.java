package com.softdew.vms.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.discovery.MulticastSettings;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9 end to end on one all-in-one node, nothing stubbed: a simulated camera (RTSP + ONVIF with a continuous SD
 * card) whose camera-scope configuration turns main-stream recording on (no analytics model: a recording-only
 * pipeline) → recorder segments → edge outbox → recording index (PostgreSQL) → the recordings API returns contiguous
 * footage; the stream is then cut for a few seconds → the recorder reports the gap → the SD-card filler replays it
 * from the camera (ONVIF Profile G) → the index shows it filled with source=sdcard segments and the footage is
 * contiguous again → an HLS playlist over the whole range is read by the ffmpeg CLI; another tenant sees none of it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RecordingEndToEndTest {

  @Test
  void recordIndexDropFillFromSdCardAndPlay() throws Exception {
    try (TestNode t = TestNode.start(Map.of())) {
      CameraSimulator sim = new CameraSimulator(t.vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      CameraSimulator.Descriptor cam = ApiClient.await(sim.startCameras(1, Codec.H264, port, "127.0.0.1", MulticastSettings.disabled())).get(0);
      for (String tenant : new String[] {"shop", "other"}) {
        assertEquals(201, t.api.call(t.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", tenant).put("name", tenant)
            .put("licence", new JsonObject().put("cameraLimit", 4).put("validUntil", Instant.now().plus(Duration.ofDays(30)).toString())
                .put("models", new JsonArray()))).statusCode());
      }
      assertEquals(201, t.api.call(t.operator, "POST", "/api/v1/cameras?tenantId=shop", new JsonObject().put("cameraId", "door").put("name", "Door")
          .put("host", "127.0.0.1").put("onvifUrl", cam.extra().get("onvif")).put("rtspMain", cam.rtspMain()).put("rtspSub", cam.rtspSub())
          .put("authType", "DIGEST").put("username", cam.user()).put("secret", cam.password())).statusCode());
      Instant t0 = Instant.now();
      assertEquals(200, t.api.call(t.operator, "PATCH", "/api/v1/config/scopes/camera:shop:door", new JsonObject().put("patch",
          new JsonObject().put("recording", new JsonObject().put("mainStream", true).put("segmentSeconds", 2)))).statusCode());

      // recorded and indexed: contiguous segments from the live stream
      JsonObject rec = waitFor(t, t0, r -> r.getJsonArray("segments").size() >= 4, Duration.ofSeconds(60));
      JsonObject before = overSegments(t, rec);
      assertTrue(before.getJsonObject("coverage").getBoolean("contiguous"), "contiguous before the drop: " + before.getJsonObject("coverage"));
      assertTrue(rec.getJsonArray("gaps").isEmpty(), "no gap before the drop: " + rec.getJsonArray("gaps"));

      // the network between us and the camera fails for ~4 s: the camera keeps recording to its card
      cam.server().refuseConnections(true);
      ApiClient.await(cam.server().dropStream());
      Thread.sleep(4000);
      cam.server().refuseConnections(false);

      // the recorder reports the gap when the camera is back; it is listed, not hidden
      JsonObject withGap = waitFor(t, t0, r -> !r.getJsonArray("gaps").isEmpty(), Duration.ofSeconds(60));
      JsonObject gap = withGap.getJsonArray("gaps").getJsonObject(0);
      long gapMs = Duration.between(Instant.parse(gap.getString("start")), Instant.parse(gap.getString("end"))).toMillis();
      System.out.printf("measured: gap of %d ms reported (%s)%n", gapMs, gap.getString("reason"));
      assertTrue(gapMs >= 2000, "the drop left a gap of several seconds: " + gap);

      // the SD-card filler replays it (after its settle time) and the index shows no gap left
      long t1 = System.nanoTime();
      JsonObject filled = waitFor(t, t0, r -> r.getJsonArray("gaps").isEmpty()
          && r.getJsonArray("segments").stream().anyMatch(o -> "sdcard".equals(((JsonObject) o).getString("source"))), Duration.ofSeconds(90));
      System.out.printf("measured: gap filled from the SD card %d ms after it was listed%n", (System.nanoTime() - t1) / 1_000_000);
      JsonObject after = overSegments(t, filled);
      assertTrue(after.getJsonObject("coverage").getBoolean("contiguous"), "contiguous after the fill: " + after.getJsonObject("coverage"));
      JsonArray gaps = t.api.call(t.operator, "GET", "/api/v1/cameras/door/recordings/gaps?tenantId=shop&from=" + enc(t0.minusSeconds(60))
          + "&to=" + enc(Instant.now().plusSeconds(60)), null).bodyAsJsonObject().getJsonArray("gaps");
      assertTrue(gaps.isEmpty(), "no remaining gap: " + gaps);

      // the whole range plays: the ffmpeg CLI reads the HLS playlist (live and SD-card files) over HTTP
      JsonArray segs = filled.getJsonArray("segments");
      Instant from = Instant.parse(segs.getJsonObject(0).getString("start"));
      Instant to = Instant.parse(segs.getJsonObject(segs.size() - 1).getString("end"));
      String playlist = "/api/v1/cameras/door/playback.m3u8?tenantId=shop&from=" + enc(from) + "&to=" + enc(to);
      assertEquals(200, t.api.call(t.operator, "GET", playlist, null).statusCode());
      Process ff = new ProcessBuilder("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-headers",
          "Authorization: Bearer " + t.operator + "\r\n", "-i", "http://127.0.0.1:" + t.node.httpPort() + playlist, "-c", "copy", "-f", "null", "-")
          .redirectErrorStream(true).start();
      String out = new String(ff.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(ff.waitFor(60, TimeUnit.SECONDS), "ffmpeg finished");
      assertEquals(0, ff.exitValue(), "ffmpeg read the playlist: " + out);

      // another tenant: no such camera, no footage
      HttpResponse<Buffer> foreign = t.api.call(t.operator, "GET", "/api/v1/cameras/door/recordings?tenantId=other&from=" + enc(from)
          + "&to=" + enc(to), null);
      assertEquals(404, foreign.statusCode(), foreign.bodyAsString());
      ApiClient.await(sim.stop());
    }
  }

  private static JsonObject waitFor(TestNode t, Instant t0, Predicate<JsonObject> done, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<Buffer> r = t.api.call(t.operator, "GET", "/api/v1/cameras/door/recordings?tenantId=shop&from=" + enc(t0.minusSeconds(60))
          + "&to=" + enc(Instant.now().plusSeconds(60)), null);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      last = r.bodyAsJsonObject();
      if (done.test(last)) return last;
      Thread.sleep(500);
    }
    throw new AssertionError("not reached within " + max + "; last answer " + (last == null ? null : last.encode()));
  }

  /** The recordings answer over exactly the span from the first segment's start to the last one's end. */
  private static JsonObject overSegments(TestNode t, JsonObject answer) throws Exception {
    JsonArray segs = answer.getJsonArray("segments");
    Instant from = Instant.parse(segs.getJsonObject(0).getString("start"));
    Instant to = Instant.parse(segs.getJsonObject(segs.size() - 1).getString("end"));
    HttpResponse<Buffer> r = t.api.call(t.operator, "GET", "/api/v1/cameras/door/recordings?tenantId=shop&from=" + enc(from) + "&to=" + enc(to), null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  private static String enc(Instant i) {
    return URLEncoder.encode(i.toString(), StandardCharsets.UTF_8);
  }
}
