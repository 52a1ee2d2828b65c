package com.softdew.vms.edge.onvif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.OnvifDeviceServer;
import com.softdew.vms.sim.RtspCameraServer;
import com.softdew.vms.sim.SimCameraInfo;
import com.softdew.vms.sim.SimSdCard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ONVIF Profile G: {@link OnvifClient} against a simulated camera whose ONVIF face ({@link OnvifDeviceServer})
 * and RTSP face ({@link RtspCameraServer}) share one {@link SimSdCard}; the replay URI is then played by
 * third-party clients (ffprobe, ffmpeg).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OnvifProfileGSimulatorTest {
  static Vertx vertx;
  static WebClient web;
  static RtspCameraServer rtsp;
  static OnvifDeviceServer sim;
  static OnvifClient client;
  static SimSdCard card;

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    card = SimSdCard.lastHour(Instant.now());
    rtsp = new RtspCameraServer(new RtspCameraServer.Options().serial("SIM-G-0001").password("g-pass")
        .mediaDir(Path.of("target", "sim-media")).sdCard(card));
    await(vertx.deployVerticle(rtsp));
    SimCameraInfo info = new SimCameraInfo("SIM-G-0001", "Softdew", "SimCam G", "1.0", rtsp.url("main"),
        rtsp.url("sub"), 1280, 720, 640, 360, "H264", "admin", "g-pass");
    sim = await(new OnvifDeviceServer(vertx, info, "127.0.0.1", 0, card).start());
    client = await(new OnvifClient(web, sim.deviceServiceUrl(), "admin", "g-pass").connect());
  }

  @AfterAll
  static void stop() {
    await(sim.close());
    web.close();
    await(vertx.close());
  }

  @Test
  void searchAndReplayAreAdvertised() {
    assertEquals(sim.baseUrl() + OnvifDeviceServer.SEARCH_PATH, client.endpoints().search());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.REPLAY_PATH, client.endpoints().replay());
    ServiceEndpoints caps = await(client.getCapabilities());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.SEARCH_PATH, caps.search());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.REPLAY_PATH, caps.replay());
    assertTrue(sim.scopes().contains("onvif://www.onvif.org/Profile/G"));
  }

  @Test
  void summaryAndRecordingsWithTheirTimeWindowsAndTheGap() {
    List<SimSdCard.Recording> recs = card.recordings();
    RecordingSummary sum = await(client.getRecordingSummary());
    assertEquals(new RecordingSummary(recs.get(0).start(), recs.get(2).end(), 3), sum);

    Instant now = Instant.now();
    long t0 = System.nanoTime();
    List<RecordingInfo> all = await(client.findRecordings(now.minus(Duration.ofHours(2)), now));
    System.out.printf("MEASURE findRecordings (FindRecordings + %d GetRecordingSearchResults pages + EndSearch): %.1f ms%n",
        (recs.size() + OnvifDeviceServer.SEARCH_PAGE - 1) / OnvifDeviceServer.SEARCH_PAGE, (System.nanoTime() - t0) / 1e6);
    assertEquals(List.of("REC001", "REC002", "REC003"), all.stream().map(RecordingInfo::token).toList());
    for (int i = 0; i < 3; i++) {
      RecordingInfo r = all.get(i);
      assertEquals(recs.get(i).start(), r.earliest(), r.token());
      assertEquals(recs.get(i).end(), r.latest(), r.token());
      assertEquals(1, r.tracks().size());
      RecordingInfo.Track t = r.tracks().get(0);
      assertEquals("Video", t.type());
      assertEquals(r.earliest(), t.dataFrom());
      assertEquals(r.latest(), t.dataTo());
      assertEquals("Stopped", r.status());
    }
    // the last hour: REC001 -60..-40 min, REC002 -40..-25 min back to back, a 10-minute gap, REC003 -15..0 min
    assertEquals(Duration.ofHours(1), Duration.between(all.get(0).earliest(), all.get(2).latest()));
    assertEquals(Duration.ZERO, Duration.between(all.get(0).latest(), all.get(1).earliest()));
    assertEquals(Duration.ofMinutes(10), Duration.between(all.get(1).latest(), all.get(2).earliest()), "the gap");
    assertEquals(0, sim.openSearches(), "EndSearch freed the search");

    // windows: one inside the gap finds nothing, one straddling its end finds only REC003
    Instant gapStart = all.get(1).latest();
    assertEquals(List.of(), await(client.findRecordings(gapStart.plusSeconds(60), gapStart.plusSeconds(300))));
    assertEquals(List.of("REC003"), await(client.findRecordings(gapStart.plusSeconds(300), null)).stream()
        .map(RecordingInfo::token).toList());
    assertEquals(0, sim.openSearches());

    assertEquals(all.get(1), await(client.getRecordingInformation("REC002")));
    OnvifException e = assertThrows(OnvifException.class, () -> await(client.getRecordingInformation("NOPE")));
    assertTrue(e.subcodes().contains("NoRecording"), e.getMessage());
    OnvifException ended = assertThrows(OnvifException.class, () -> await(client.endSearch("search-unknown")));
    assertTrue(ended.subcodes().contains("InvalidToken"), ended.getMessage());
  }

  @Test
  void replayUriPlaysInFfprobeAndFfmpeg() throws Exception {
    String uri = await(client.getReplayUri("REC002"));
    assertEquals(rtsp.url("replay/REC002"), uri);
    String withCreds = uri.replaceFirst("^rtsp://", "rtsp://admin:g-pass@");
    CompletableFuture<Result> probe = async(List.of("ffprobe", "-rtsp_transport", "tcp", "-v", "error",
        "-show_streams", "-show_format", "-of", "json", withCreds));
    CompletableFuture<Result> decode = async(List.of("ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp",
        "-i", withCreds, "-frames:v", "30", "-f", "null", "-", "-nostats", "-progress", "pipe:1"));
    Result p = probe.get();
    assertEquals(0, p.exit, p.stderr);
    JsonObject json = new JsonObject(p.stdout);
    JsonArray streams = json.getJsonArray("streams");
    assertEquals(1, streams.size());
    assertEquals("h264", streams.getJsonObject(0).getString("codec_name"));
    assertEquals(1280, streams.getJsonObject(0).getInteger("width"));
    assertEquals(720, streams.getJsonObject(0).getInteger("height"));
    // a=range:npt=0-900.000: ffprobe sees a 15-minute recording, not a live stream
    assertEquals(900.0, Double.parseDouble(json.getJsonObject("format").getString("duration")), 0.01);
    Result d = decode.get();
    assertEquals(0, d.exit, d.stderr);
    assertEquals(30, lastFrame(d.stdout), d.stdout);
    assertTrue(d.stderr.isBlank(), "decoded with errors: " + d.stderr);
    System.out.printf("MEASURE replay URI: ffprobe %d ms, ffmpeg 30 frames decoded %d ms%n", p.millis, d.millis);

    OnvifException e = assertThrows(OnvifException.class, () -> await(client.getReplayUri("NOPE")));
    assertTrue(e.subcodes().contains("NoRecording"), e.getMessage());
  }

  // ------------------------------------------------------------------ helpers

  record Result(int exit, String stdout, String stderr, long millis) {}

  private static int lastFrame(String progress) {
    Matcher m = Pattern.compile("(?m)^frame=(\\d+)").matcher(progress);
    int last = -1;
    while (m.find()) last = Integer.parseInt(m.group(1));
    return last;
  }

  private static CompletableFuture<Result> async(List<String> cmd) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        Path out = Files.createTempFile("profg", ".out");
        Path err = Files.createTempFile("profg", ".err");
        long t0 = System.nanoTime();
        try {
          Process proc = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
          if (!proc.waitFor(25, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new IllegalStateException(cmd.get(0) + " timed out: " + Files.readString(err));
          }
          return new Result(proc.exitValue(), Files.readString(out), Files.readString(err),
              (System.nanoTime() - t0) / 1_000_000);
        } finally {
          Files.deleteIfExists(out);
          Files.deleteIfExists(err);
        }
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
  }
}
