package com.softdew.vms.control.storage;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingListener;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The playback API over REAL recordings: the camera simulator's H.264 main stream (with a real drop → a gap) and
 * H.265 main stream, recorded by MainStreamRecorder into 4 s fMP4 segments for tenant t1, indexed by a test-only
 * {@link RecordedFilesCatalog} (the SQL RecordingCatalog is another part of issue 9). The API runs on its own router
 * built from openapi.yaml with the node's real authentication (JWT + TOTP sign-in, permissions), as the control
 * plane will mount it. Playlists are read over HTTP by the ffmpeg CLI; files are checked with ffprobe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaybackApiTest {
  static final String PW = "tenant-user-pass-phrase";
  TestNode test;
  Vertx vertx;
  CameraSimulator sim;
  Path data;
  String admin1, admin2;
  final RecordedFilesCatalog catalog = new RecordedFilesCatalog();
  final List<RecordingSegment> s264 = Collections.synchronizedList(new ArrayList<>());
  final List<RecordingSegment> s265 = Collections.synchronizedList(new ArrayList<>());
  final List<RecordingGap> gaps = Collections.synchronizedList(new ArrayList<>());
  final ShiftClock clock = new ShiftClock();
  PlaybackSigner signer;
  PlaybackApi playback;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  HttpServer server;
  WebClient web;
  int port;

  /** A clock the test moves forward to expire URLs. */
  static final class ShiftClock extends Clock {
    volatile Duration shift = Duration.ZERO;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(shift);
    }
  }

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    vertx = test.vertx;
    for (String t : List.of("t1", "t2")) {
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", t + "-viewer").put("password", PW)
          .put("role", "VIEWER").put("tenantId", t)).statusCode());
    }
    admin1 = test.api.token("t1-viewer", PW);
    admin2 = test.api.token("t2-viewer", PW);
    record();
    signer = PlaybackSigner.fromKekSpec(SecretBox.newKeySpec("k1"), clock);
    PlaybackApi.Settings d = PlaybackApi.Settings.defaults(data);
    playback = new PlaybackApi(vertx, catalog, signer, new PlaybackApi.Settings(d.urlTtl(), d.maxPlaylist(), d.maxExport(), 1, d.maxThumbnails(),
        d.workDir(), 200L << 20, 2, d.transcodeMaxHeight()), registry);
    ApiSecurity security = new ApiSecurity(test.node.auth(), test.node.stores().cache(), test.node.tenants(), 100_000, 100_000, registry);
    Router router = await(OpenApiRouter.create(vertx, "openapi.yaml", playback.handlers(), List.of(security.rootHandler()), security::guard));
    router.route().failureHandler(PlatformRouter::failure);
    playerRoutes(router);
    server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    port = server.actualPort();
    web = WebClient.create(vertx);
  }

  /** ~20 s of H.264 with a 2 s camera outage in the middle, and ~16 s of H.265, in parallel. */
  void record() throws Exception {
    data = Files.createTempDirectory("playback-api");
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    CameraSimulator.Descriptor h264 = await(sim.start(1, Codec.H264, freePort())).get(0);
    CameraSimulator.Descriptor h265 = await(sim.start(1, Codec.H265, freePort())).get(0);
    MainStreamRecorder a = new MainStreamRecorder(null, registry, options(h264, "cam-264"), new RecordingListener() {
      @Override
      public void segment(RecordingSegment s) {
        s264.add(s);
        catalog.add(s);
      }

      @Override
      public void gap(RecordingGap g) {
        gaps.add(g);
        catalog.add(g);
      }
    }).start();
    MainStreamRecorder b = new MainStreamRecorder(null, registry, options(h265, "cam-265"), s -> {
      s265.add(s);
      catalog.add(s);
    }).start();
    try {
      assertTrue(waitFor(() -> s264.size() >= 2, Duration.ofSeconds(30)), "h264 segments before the drop: " + a.stats());
      h264.server().refuseConnections(true);
      await(h264.server().dropStream());
      Thread.sleep(2000);
      h264.server().refuseConnections(false);
      assertTrue(waitFor(() -> gaps.size() == 1 && s264.size() >= 5 && s265.size() >= 4, Duration.ofSeconds(40)),
          "recorded " + s264.size() + " / " + s265.size() + ", gaps " + gaps.size());
    } finally {
      a.close();
      b.close();
    }
    s264.sort((x, y) -> x.start().compareTo(y.start()));
    s265.sort((x, y) -> x.start().compareTo(y.start()));
  }

  static MainStreamRecorder.Options options(CameraSimulator.Descriptor d, String cam) {
    return new MainStreamRecorder.Options().tenantId("t1").cameraId(cam).url(d.rtspMain()).credentials(d.user(), d.password())
        .segmentLength(Duration.ofSeconds(4)).dataDir(DATA);
  }

  /** Where the recorder writes (dataDir/recordings/t1/...). */
  static Path DATA;

  static {
    try {
      DATA = Files.createTempDirectory("playback-rec");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (playback != null) playback.close();
    if (sim != null) await(sim.stop());
    test.close();
    for (Path dir : new Path[] {data, DATA}) {
      if (dir == null || !Files.exists(dir)) continue;
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // a browser child still exiting: the temp directory stays, nothing else depends on it
        }
      }
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static boolean waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return false;
      Thread.sleep(50);
    }
    return true;
  }

  HttpResponse<Buffer> call(String token, String method, String uri, JsonObject body, String... headers) throws Exception {
    HttpRequest<Buffer> req = web.request(HttpMethod.valueOf(method), port, "127.0.0.1", uri);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    for (int i = 0; i < headers.length; i += 2) req.putHeader(headers[i], headers[i + 1]);
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  static String q(Object v) {
    return URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8);
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String s = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + s);
    return s;
  }

  static JsonObject probe(Path f) throws Exception {
    return new JsonObject(run("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
        "stream=codec_name,width,height,nb_read_packets:format=duration", "-of", "json", f.toString()));
  }

  static int packets(Path f) throws Exception {
    return Integer.parseInt(probe(f).getJsonArray("streams").getJsonObject(0).getString("nb_read_packets"));
  }

  static void problem(HttpResponse<Buffer> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("content-type"));
    if (field != null) assertEquals(field, r.bodyAsJsonObject().getString("field"), r.bodyAsString());
  }

  /** ffmpeg reads the playlist over HTTP (-c copy, nothing decoded): frames and the last time stamp it reached. */
  double[] ffmpegReads(String playlistUri, String token, String expectCodec) throws Exception {
    String out = run("/usr/bin/ffmpeg", "-nostdin", "-hide_banner", "-headers", "Authorization: Bearer " + token + "\r\n", "-i",
        "http://127.0.0.1:" + port + playlistUri, "-map", "0:v:0", "-c", "copy", "-f", "null", "-");
    assertTrue(out.contains("Video: " + expectCodec), out);
    Matcher m = Pattern.compile("frame=\\s*(\\d+).*?time=(\\d+):(\\d+):([0-9.]+)").matcher(out);
    double frames = -1, time = -1;
    while (m.find()) {
      frames = Double.parseDouble(m.group(1));
      time = Integer.parseInt(m.group(2)) * 3600 + Integer.parseInt(m.group(3)) * 60 + Double.parseDouble(m.group(4));
    }
    assertTrue(frames > 0, out);
    return new double[] {frames, time};
  }

  static double seconds(RecordingSegment s) {
    return Duration.between(s.start(), s.end()).toMillis() / 1000.0;
  }

  @Test
  void h264PlaylistWithAGapPlaysOverHttpWithFfmpeg() throws Exception {
    Instant from = s264.get(0).start().plusMillis(1000), to = s264.get(s264.size() - 1).end();
    String uri = "/api/v1/cameras/cam-264/playback.m3u8?from=" + q(from) + "&to=" + q(to);
    HttpResponse<Buffer> r = call(admin1, "GET", uri, null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("application/vnd.apple.mpegurl", r.getHeader("content-type"));
    String m3u8 = r.bodyAsString();
    assertTrue(m3u8.startsWith("#EXTM3U\n#EXT-X-VERSION:7\n"), m3u8);
    assertTrue(m3u8.contains("#EXT-X-PLAYLIST-TYPE:VOD") && m3u8.contains("#EXT-X-ENDLIST"), m3u8);
    assertEquals(s264.size(), count(m3u8, "#EXT-X-MAP:URI=\"/api/v1/media/segments/"), m3u8);
    assertEquals(s264.size(), count(m3u8, ",BYTERANGE=\""), "init byte ranges: " + m3u8);
    assertEquals(s264.size(), count(m3u8, "#EXT-X-BYTERANGE:"));
    assertEquals(s264.size() - 1, count(m3u8, "#EXT-X-DISCONTINUITY\n"));
    assertEquals(s264.size(), count(m3u8, "#EXT-X-PROGRAM-DATE-TIME:"));
    assertTrue(m3u8.contains("#EXT-X-START:TIME-OFFSET=1.000,PRECISE=YES"), m3u8);
    RecordingGap g = gaps.get(0);
    assertTrue(m3u8.contains("## gap " + g.start() + "/" + g.end()), "the drop is listed: " + m3u8);
    double expected = s264.stream().mapToDouble(PlaybackApiTest::seconds).sum();
    int expectedFrames = 0;
    for (RecordingSegment s : s264) expectedFrames += packets(s.path());
    double[] read = ffmpegReads(uri, admin1, "h264");
    System.out.printf("measured h264 playlist: %d files, EXTINF sum %.3f s, ffmpeg read %d frames, time %.2f s (gap %d ms)%n", s264.size(),
        expected, (int) read[0], read[1], Duration.between(g.start(), g.end()).toMillis());
    assertEquals(expectedFrames, (int) read[0], "every frame of every file over HTTP byte ranges");
    assertEquals(expected, read[0] / 15.0, 1.0, "15 fps frames vs the playlist duration");
    assertEquals(expected, read[1], 1.0, "ffmpeg's time vs the playlist duration");
  }

  static int count(String s, String sub) {
    return s.split(Pattern.quote(sub), -1).length - 1;
  }

  @Test
  void h265PlaylistIsTranscodedToH264ForBrowsersOrServedAsRecorded() throws Exception {
    List<RecordingSegment> two = s265.subList(1, 3);
    Instant from = two.get(0).start(), to = two.get(1).end().minusMillis(100);
    String uri = "/api/v1/cameras/cam-265/playback.m3u8?from=" + q(from) + "&to=" + q(to);
    String m3u8 = call(admin1, "GET", uri, null).bodyAsString();
    assertEquals(2, count(m3u8, "&codec=h264&part=init\""), m3u8);
    assertEquals(0, count(m3u8, "BYTERANGE"), "transcoded files are served by part, not by byte range: " + m3u8);
    int frames = packets(two.get(0).path()) + packets(two.get(1).path());
    long t0 = System.nanoTime();
    double[] read = ffmpegReads(uri, admin1, "h264");
    System.out.printf("measured hevc->h264 playlist of 2 files (%.1f s): %d ms on first read (transcode), frames %d%n",
        seconds(two.get(0)) + seconds(two.get(1)), (System.nanoTime() - t0) / 1_000_000, (int) read[0]);
    assertEquals(frames, (int) read[0]);
    assertEquals(2.0, registry.get("vms.playback.transcodes").counter().count(), "one transcode per segment");
    ffmpegReads(uri, admin1, "h264");
    assertEquals(2.0, registry.get("vms.playback.transcodes").counter().count(), "the second read is served from the cache");
    // as recorded
    double[] copy = ffmpegReads(uri + "&codec=copy", admin1, "hevc");
    assertEquals(frames, (int) copy[0]);
    // one segment, transcoded: ffprobe says h264
    String seg = firstSegmentUrl(m3u8).replace("&part=init", "");
    HttpResponse<Buffer> f = call(null, "GET", seg, null);
    assertEquals(200, f.statusCode(), f.bodyAsString());
    Path out = data.resolve("transcoded.mp4");
    Files.write(out, f.body().getBytes());
    JsonObject p = probe(out);
    assertEquals("h264", p.getJsonArray("streams").getJsonObject(0).getString("codec_name"));
    assertEquals(packets(two.get(0).path()), packets(out));
    assertEquals(seconds(two.get(0)), Double.parseDouble(p.getJsonObject("format").getString("duration")), 0.2);
  }

  static String firstSegmentUrl(String m3u8) {
    Matcher m = Pattern.compile("URI=\"([^\"]+)\"").matcher(m3u8);
    assertTrue(m.find(), m3u8);
    return m.group(1);
  }

  @Test
  void segmentFilesAreServedWithByteRanges() throws Exception {
    RecordingSegment s = s264.get(1);
    String url = "/api/v1/media/segments/" + s.segmentId() + "/video.mp4?" + signer.query("t1", "segment:" + s.segmentId(), Duration.ofMinutes(5));
    byte[] file = Files.readAllBytes(s.path());
    HttpResponse<Buffer> all = call(null, "GET", url, null);
    assertEquals(200, all.statusCode());
    assertEquals("video/mp4", all.getHeader("content-type"));
    assertEquals("bytes", all.getHeader("accept-ranges"));
    assertArrayEquals(file, all.body().getBytes());
    HttpResponse<Buffer> r = call(null, "GET", url, null, "Range", "bytes=100-1099");
    assertEquals(206, r.statusCode());
    assertEquals("bytes 100-1099/" + file.length, r.getHeader("content-range"));
    assertArrayEquals(Arrays.copyOfRange(file, 100, 1100), r.body().getBytes());
    HttpResponse<Buffer> tail = call(null, "GET", url, null, "Range", "bytes=-50");
    assertEquals(206, tail.statusCode());
    assertArrayEquals(Arrays.copyOfRange(file, file.length - 50, file.length), tail.body().getBytes());
    HttpResponse<Buffer> open = call(null, "GET", url, null, "Range", "bytes=" + (file.length - 10) + "-");
    assertEquals(206, open.statusCode());
    assertEquals(10, open.body().length());
    problem(call(null, "GET", url, null, "Range", "bytes=" + file.length + "-"), 416, "Range");
  }

  @Test
  void signedUrlsRefuseTamperingExpiryAndOtherTenants() throws Exception {
    RecordingSegment s = s264.get(1), other = s264.get(2);
    String good = "/api/v1/media/segments/" + s.segmentId() + "/video.mp4?" + signer.query("t1", "segment:" + s.segmentId(), Duration.ofMinutes(10));
    assertEquals(200, call(null, "GET", good, null).statusCode());
    Matcher m = Pattern.compile("t=([^&]+)&exp=(\\d+)&sig=([^&]+)").matcher(good);
    assertTrue(m.find());
    String exp = m.group(2), sig = m.group(3);
    // the tenant altered to t2 (the URL was signed for t1)
    problem(call(null, "GET", good.replace("t=t1", "t=t2"), null), 403, "sig");
    // another segment with this signature
    problem(call(null, "GET", good.replace(s.segmentId(), other.segmentId()), null), 403, "sig");
    // a later expiry
    problem(call(null, "GET", good.replace("exp=" + exp, "exp=" + (Long.parseLong(exp) + 3600)), null), 403, "sig");
    // a flipped signature character
    String bad = sig.charAt(sig.length() - 1) == 'A' ? sig.substring(0, sig.length() - 1) + "B" : sig.substring(0, sig.length() - 1) + "A";
    problem(call(null, "GET", good.replace("sig=" + sig, "sig=" + bad), null), 403, "sig");
    // no signature at all: the contract requires it
    assertEquals(400, call(null, "GET", "/api/v1/media/segments/" + s.segmentId() + "/video.mp4?t=t1&exp=" + exp, null).statusCode());
    // a key this node does not have (another cluster's)
    PlaybackSigner foreign = PlaybackSigner.fromKekSpec(SecretBox.newKeySpec("k1"), clock);
    problem(call(null, "GET", "/api/v1/media/segments/" + s.segmentId() + "/video.mp4?" + foreign.query("t1", "segment:" + s.segmentId(), Duration.ofMinutes(5)),
        null), 403, "sig");
    // expired: the clock moves past exp
    clock.shift = Duration.ofMinutes(11);
    try {
      problem(call(null, "GET", good, null), 403, "exp");
    } finally {
      clock.shift = Duration.ZERO;
    }
    assertEquals(200, call(null, "GET", good, null).statusCode());
    // a URL genuinely signed for t2 still finds nothing of t1: the catalog is asked as t2
    problem(call(null, "GET", "/api/v1/media/segments/" + s.segmentId() + "/video.mp4?" + signer.query("t2", "segment:" + s.segmentId(), Duration.ofMinutes(5)),
        null), 404, null);
    assertTrue(registry.get("vms.playback.signature.refused").counter().count() >= 6);
    // a key rotation: URLs signed with the previous key still verify
    String spec1 = SecretBox.newKeySpec("k1");
    PlaybackSigner before = PlaybackSigner.fromKekSpec(spec1, clock);
    PlaybackSigner after = PlaybackSigner.fromKekSpec(SecretBox.newKeySpec("k2") + "," + spec1, clock);
    String q = before.query("t1", "segment:x", Duration.ofMinutes(1));
    Matcher mq = Pattern.compile("exp=(\\d+)&sig=([^&]+)").matcher(q);
    assertTrue(mq.find());
    after.verify("t1", "segment:x", mq.group(1), java.net.URLDecoder.decode(mq.group(2), StandardCharsets.UTF_8));
  }

  @Test
  void tenantsSeeOnlyTheirOwnFootage() throws Exception {
    Instant from = s264.get(0).start(), to = s264.get(s264.size() - 1).end();
    String range = "?from=" + q(from) + "&to=" + q(to);
    problem(call(admin2, "GET", "/api/v1/cameras/cam-264/playback.m3u8" + range, null), 404, null);
    problem(call(admin2, "GET", "/api/v1/cameras/cam-264/thumbnails" + range, null), 404, null);
    problem(call(admin2, "POST", "/api/v1/cameras/cam-264/export", new JsonObject().put("from", from.toString()).put("to", to.toString())), 404, null);
    // another tenant's id as tenantId: not found, not forbidden (existence is not revealed)
    problem(call(admin2, "GET", "/api/v1/cameras/cam-264/playback.m3u8" + range + "&tenantId=t1", null), 404, null);
    // no token at all
    problem(call(null, "GET", "/api/v1/cameras/cam-264/playback.m3u8" + range, null), 401, null);
    // the owner does see it
    assertEquals(200, call(admin1, "GET", "/api/v1/cameras/cam-264/playback.m3u8" + range, null).statusCode());
    // thumbnail URLs: signed for t1, altered to t2
    JsonObject list = call(admin1, "GET", "/api/v1/cameras/cam-264/thumbnails" + range + "&count=2", null).bodyAsJsonObject();
    String url = list.getJsonArray("items").getJsonObject(0).getString("url");
    problem(call(null, "GET", url.replace("t=t1", "t=t2"), null), 403, "sig");
  }

  @Test
  void badInputNamesTheField() throws Exception {
    Instant from = s264.get(0).start();
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/playback.m3u8?from=yesterday&to=" + q(from), null), 400, "from");
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/playback.m3u8?from=" + q(from) + "&to=" + q(from.minusSeconds(1)), null), 400, "to");
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/playback.m3u8?from=" + q(from), null), 400, "to");
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/playback.m3u8?from=" + q(from) + "&to=" + q(from.plus(Duration.ofDays(2))), null), 400, "to");
    problem(call(admin1, "POST", "/api/v1/cameras/cam-264/export", new JsonObject().put("from", from.toString())
        .put("to", from.plus(Duration.ofMinutes(61)).toString())), 400, "to");
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/thumbnails?from=" + q(from) + "&to=" + q(from.plusSeconds(10)) + "&count=1000", null), 400,
        "count");
    problem(call(admin1, "GET", "/api/v1/cameras/cam-264/thumbnails?from=" + q(from) + "&to=" + q(from.plusSeconds(10)) + "&width=5", null), 400,
        "width");
    problem(call(admin1, "GET", "/api/v1/cameras/nowhere/playback.m3u8?from=" + q(from) + "&to=" + q(from.plusSeconds(10)), null), 404, null);
  }

  @Test
  void exportDownloadsTheRangeAsOneMp4WithoutReEncoding() throws Exception {
    for (List<RecordingSegment> segs : List.of(contiguousPair(s264), contiguousPair(s265))) {
      String codec = segs.get(0).codec(), cam = segs.get(0).cameraId();
      Instant from = segs.get(0).start().plusMillis(1500), to = segs.get(1).start().plusMillis(2200);
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r = call(admin1, "POST", "/api/v1/cameras/" + cam + "/export", new JsonObject().put("from", from.toString())
          .put("to", to.toString()));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals("video/mp4", r.getHeader("content-type"));
      assertTrue(r.getHeader("content-disposition").startsWith("attachment; filename=\"" + cam + "_"));
      assertEquals("false", r.getHeader("x-vms-export-partial"), r.headers().toString());
      assertEquals("true", r.getHeader("x-vms-export-protected"));
      Instant start = Instant.parse(r.getHeader("x-vms-export-start"));
      long lead = Duration.between(start, from).toMillis();
      assertTrue(lead >= 0 && lead <= 1000, "key-frame lead-in (GOP 1 s): " + lead);
      Path out = data.resolve("api-export-" + codec + ".mp4");
      Files.write(out, r.body().getBytes());
      JsonObject p = probe(out);
      assertEquals(codec, p.getJsonArray("streams").getJsonObject(0).getString("codec_name"), "codec unchanged");
      double dur = Double.parseDouble(p.getJsonObject("format").getString("duration"));
      double asked = Duration.between(from, to).toMillis() / 1000.0;
      System.out.printf("measured API export %s: asked %.1f s, got %.2f s (lead-in %d ms), %d bytes in %d ms%n", codec, asked, dur, lead,
          r.body().length(), ms);
      assertEquals(asked + lead / 1000.0, dur, 1.0, "asked range + key-frame lead-in");
      // remux: the packets are the recorded ones (same count per frame time, no decoder involved: sizes match)
      int frames = packets(out);
      assertEquals(Math.round((asked + lead / 1000.0) * 15), frames, 2);
    }
    assertTrue(catalog.protectCalls.stream().anyMatch(c -> c.startsWith("t1/cam-264 ") && c.endsWith(" export")), catalog.protectCalls.toString());
    try (var files = Files.walk(data.resolve("playback").resolve("exports"))) {
      assertEquals(0, files.filter(Files::isRegularFile).count(), "exported files are removed once sent");
    }
  }

  // ------------------------------------------------------------------ browser (headless Chromium + hls.js)

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  final java.util.concurrent.CompletableFuture<JsonObject> playerReport = new java.util.concurrent.CompletableFuture<>();

  /** The player page, hls.js (npm) and the report endpoint, on the test server (same origin as the API). */
  void playerRoutes(Router router) {
    router.get("/player/hls.min.js").handler(ctx -> {
      try {
        ctx.response().putHeader("content-type", "application/javascript").sendFile(hlsJs().toString());
      } catch (Exception e) {
        ctx.fail(e);
      }
    });
    router.get("/player/index.html").handler(ctx -> ctx.response().putHeader("content-type", "text/html").end(PLAYER_HTML));
    router.post("/player/report").handler(ctx -> {
      playerReport.complete(ctx.body().asJsonObject());
      ctx.response().setStatusCode(204).end();
    });
  }

  /** npm install hls.js under verticles/target (the ordinary npm client), once. */
  static Path hlsJs() throws IOException, InterruptedException {
    Path prefix = Path.of("target").toAbsolutePath().resolve("npm-hlsjs");
    Path js = prefix.resolve("node_modules/hls.js/dist/hls.min.js");
    if (Files.exists(js)) return js;
    Files.createDirectories(prefix);
    Process p = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund", "hls.js@1")
        .redirectErrorStream(true).redirectOutput(prefix.resolve("npm-install.log").toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "npm install hls.js");
    assertTrue(Files.exists(js), "hls.js installed: " + Files.readString(prefix.resolve("npm-install.log")));
    return js;
  }

  /**
   * Plays two playlists at once with hls.js in a muted video element: `a` must reach `ta` seconds of media time
   * and `b` `tb`; reports currentTime, size, decoded frames, discontinuities crossed and fatal errors.
   */
  static final String PLAYER_HTML = """
      <!doctype html><html><body>
      <video id="a" muted playsinline></video><video id="b" muted playsinline></video>
      <script src="/player/hls.min.js"></script>
      <script>
      const q = new URLSearchParams(location.search);
      const token = q.get('token');
      const st = {};
      function play(id, src, target) {
        const v = document.getElementById(id);
        const s = st[id] = {target, errors: [], fragments: 0, ccs: []};
        const hls = new Hls({xhrSetup: (x, url) => { if (url.indexOf('/playback.m3u8') >= 0) x.setRequestHeader('Authorization', 'Bearer ' + token); }});
        hls.on(Hls.Events.ERROR, (e, d) => s.errors.push((d.fatal ? 'FATAL ' : '') + d.type + ' ' + d.details));
        hls.on(Hls.Events.FRAG_CHANGED, (e, d) => { s.fragments++; s.ccs.push(d.frag.cc); });
        hls.loadSource(src);
        hls.attachMedia(v);
        v.play().catch(err => s.errors.push('play ' + err));
        return v;
      }
      const va = play('a', q.get('a'), +q.get('ta')), vb = play('b', q.get('b'), +q.get('tb'));
      const t0 = Date.now();
      let sent = false;
      setInterval(() => {
        for (const [id, v] of [['a', va], ['b', vb]]) {
          const s = st[id];
          s.currentTime = v.currentTime; s.width = v.videoWidth; s.height = v.videoHeight;
          s.frames = v.getVideoPlaybackQuality().totalVideoFrames; s.ended = v.ended;
        }
        const done = ['a', 'b'].every(id => st[id].currentTime >= st[id].target || st[id].errors.some(e => e.startsWith('FATAL')));
        if (!sent && (done || Date.now() - t0 > 45000)) {
          sent = true;
          st.avc = MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f"');
          st.hevc = MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"');
          fetch('/player/report', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(st)});
        }
      }, 250);
      </script></body></html>
      """;

  @Test
  void browserPlaysBothPlaylistsWithHlsJs() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "needs Debian's chromium (apt-get install chromium)");
    hlsJs();
    Instant fa = s264.get(0).start().plusMillis(1000), ta = s264.get(s264.size() - 1).end();
    String a = "/api/v1/cameras/cam-264/playback.m3u8?from=" + q(fa) + "&to=" + q(ta);
    List<RecordingSegment> two = s265.subList(1, 3);
    String b = "/api/v1/cameras/cam-265/playback.m3u8?from=" + q(two.get(0).start()) + "&to=" + q(two.get(1).end().minusMillis(100));
    // a: from 1 s in, across the file boundaries and the gap, 1 s into the first file after the gap; b: across its one boundary
    RecordingGap gap = gaps.get(0);
    int afterGap = 0;
    while (s264.get(afterGap).start().isBefore(gap.end())) afterGap++;
    double targetA = s264.subList(0, afterGap).stream().mapToDouble(PlaybackApiTest::seconds).sum() + 1, targetB = seconds(two.get(0)) + 1.5;
    String page = "http://127.0.0.1:" + port + "/player/index.html?token=" + q(admin1) + "&a=" + q(a) + "&b=" + q(b) + "&ta=" + targetA
        + "&tb=" + targetB;
    Path profile = Files.createTempDirectory(data, "chromium");
    Process chrome = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio",
        "--autoplay-policy=no-user-gesture-required", "--no-first-run", "--user-data-dir=" + profile, page)
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    JsonObject rep;
    try {
      rep = playerReport.get(90, TimeUnit.SECONDS);
    } finally {
      chrome.descendants().forEach(ProcessHandle::destroyForcibly);
      chrome.destroyForcibly();
      chrome.waitFor(10, TimeUnit.SECONDS);
    }
    System.out.println("measured browser (Chromium " + "headless, hls.js): " + rep.encode());
    assertTrue(rep.getBoolean("avc"), "Chromium's MSE takes H.264");
    for (String id : List.of("a", "b")) {
      JsonObject s = rep.getJsonObject(id);
      assertFalse(s.getJsonArray("errors").stream().anyMatch(e -> String.valueOf(e).startsWith("FATAL")), id + ": " + s.encode());
      assertTrue(s.getDouble("currentTime") >= s.getDouble("target"), id + " played to its target: " + s.encode());
      assertEquals(1280, s.getInteger("width"), id + ": " + s.encode());
      assertEquals(720, s.getInteger("height"));
      assertTrue(s.getInteger("frames") >= (int) (s.getDouble("target") - 1.5) * 15 * 0.8, id + " decoded frames: " + s.encode());
    }
    // a crossed the discontinuity of every file up to the first one after the gap, b crossed its one
    JsonArray ccs = rep.getJsonObject("a").getJsonArray("ccs");
    assertTrue(ccs.getInteger(ccs.size() - 1) >= afterGap, "discontinuity sequence reached " + ccs + ", file after the gap: " + afterGap);
    for (int i = 1; i < ccs.size(); i++) assertEquals(ccs.getInteger(i - 1) + 1, ccs.getInteger(i), "one file after the other: " + ccs);
    JsonArray ccb = rep.getJsonObject("b").getJsonArray("ccs");
    assertEquals(1, ccb.getInteger(ccb.size() - 1));
  }

  @Test
  void exportsBeyondTheConcurrencyBoundAreRefusedWith429() throws Exception {
    // a second API on its own router whose bound is 0: every export is refused, deterministically
    PlaybackApi.Settings d = PlaybackApi.Settings.defaults(data.resolve("busy"));
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    PlaybackApi busy = new PlaybackApi(vertx, catalog, signer, new PlaybackApi.Settings(d.urlTtl(), d.maxPlaylist(), d.maxExport(), 0,
        d.maxThumbnails(), d.workDir(), 1 << 20, 1, 0), reg);
    ApiSecurity security = new ApiSecurity(test.node.auth(), test.node.stores().cache(), test.node.tenants(), 100_000, 100_000, reg);
    Router router = await(OpenApiRouter.create(vertx, "openapi.yaml", busy.handlers(), List.of(security.rootHandler()), security::guard));
    router.route().failureHandler(PlatformRouter::failure);
    HttpServer srv = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    try {
      Instant from = s264.get(0).start();
      HttpResponse<Buffer> r = await(web.post(srv.actualPort(), "127.0.0.1", "/api/v1/cameras/cam-264/export")
          .putHeader("Authorization", "Bearer " + admin1).sendJsonObject(new JsonObject().put("from", from.toString())
              .put("to", from.plusSeconds(3).toString())));
      problem(r, 429, null);
      assertEquals("10", r.getHeader("Retry-After"));
      assertEquals(1.0, reg.get("vms.playback.exports.refused").counter().count());
    } finally {
      await(srv.close());
      busy.close();
    }
  }

  /** Two adjacent full segments (not the short one closed by close()). */
  static List<RecordingSegment> contiguousPair(List<RecordingSegment> segs) {
    for (int i = 0; i + 2 < segs.size(); i++) {
      if (segs.get(i).end().equals(segs.get(i + 1).start())) return segs.subList(i, i + 2);
    }
    throw new AssertionError("no two adjacent segments: " + segs);
  }

  @Test
  void thumbnailsAlongTheTimelineAreSignedJpegsOfTheAskedWidth() throws Exception {
    Instant from = s264.get(0).start(), to = s264.get(s264.size() - 1).end();
    HttpResponse<Buffer> r = call(admin1, "GET", "/api/v1/cameras/cam-264/thumbnails?from=" + q(from) + "&to=" + q(to) + "&count=12&width=200",
        null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
    assertEquals(12, items.size());
    int gapsSeen = 0;
    for (int i = 0; i < items.size(); i++) {
      JsonObject it = items.getJsonObject(i);
      if (it.getBoolean("gap")) {
        gapsSeen++;
        continue;
      }
      HttpResponse<Buffer> img = call(null, "GET", it.getString("url"), null);
      assertEquals(200, img.statusCode(), img.bodyAsString());
      assertEquals("image/jpeg", img.getHeader("content-type"));
      BufferedImage bi = ImageIO.read(new ByteArrayInputStream(img.body().getBytes()));
      assertNotNull(bi);
      assertEquals(200, bi.getWidth());
      assertEquals(112, bi.getHeight());
    }
    RecordingGap g = gaps.get(0);
    long gapMs = Duration.between(g.start(), g.end()).toMillis();
    long slotMs = Duration.between(from, to).toMillis() / 12;
    if (gapMs > 2 * slotMs) assertTrue(gapsSeen >= 1, "a slot inside the " + gapMs + " ms gap is marked gap");
    assertFalse(gapsSeen == items.size());
    // the same thumbnail again: from the server's cache, the same bytes
    String url = items.getJsonObject(0).getString("url");
    double hits = registry.get("vms.playback.thumbnail.cache.hits").counter().count();
    byte[] first = call(null, "GET", url, null).body().getBytes();
    assertArrayEquals(first, call(null, "GET", url, null).body().getBytes());
    assertEquals(hits + 2, registry.get("vms.playback.thumbnail.cache.hits").counter().count());
    // tampered width
    problem(call(null, "GET", url.replace("w=200", "w=400"), null), 403, "sig");
  }
}
