package com.softdew.vms.control.storage;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.edge.record.playback.HlsPlaylist;
import com.softdew.vms.edge.record.playback.Mp4Boxes;
import com.softdew.vms.edge.record.playback.RangeExporter;
import com.softdew.vms.edge.record.playback.Thumbnailer;
import com.softdew.vms.edge.record.playback.Transcoder;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Playback REST handlers (operationIds in openapi.yaml, tag {@code playback}): HLS VOD playlists over recorded
 * segments, signed media URLs serving the files (HTTP Range), H.265 → H.264 on demand, MP4 export of a range,
 * thumbnails along a timeline. Wiring: {@code handlers.putAll(new PlaybackApi(vertx, catalog, signer, settings,
 * registry).handlers())} next to the other APIs; the two media operations are public in the contract (no
 * {@code x-vms-permission}): their signed URL is the credential, so players fetch them without a bearer token.
 *
 * <p>All blocking media work (box walks, remux, transcode, decode, file checks) runs on the shared worker pool
 * {@code vms-playback}; the event loop only parses, signs and sends files (zero-copy {@code sendFile}).
 */
public final class PlaybackApi {
  private static final Logger log = LoggerFactory.getLogger(PlaybackApi.class);
  public static final String POOL = "vms-playback";
  static final Duration TOLERANCE = RangeExporter.TOLERANCE;

  /**
   * @param urlTtl            lifetime of a signed URL (plus the playlist's span for playlist URLs: a player fetches
   *                          the last segment that much later)
   * @param maxPlaylist       longest range of a playlist or thumbnail timeline
   * @param maxExport         longest range of an export
   * @param maxExports        exports running at once (more: 429)
   * @param maxThumbnails     largest {@code count} of a timeline
   * @param workDir           exports in progress ({@code exports/}) and the transcode cache ({@code transcoded/})
   * @param transcodeCacheBytes bound of the transcode cache
   * @param workers           size of the {@code vms-playback} pool
   * @param transcodeMaxHeight a taller H.265 source is transcoded at this height (0: the source's)
   */
  public record Settings(Duration urlTtl, Duration maxPlaylist, Duration maxExport, int maxExports, int maxThumbnails, Path workDir,
      long transcodeCacheBytes, int workers, int transcodeMaxHeight) {
    /**
     * 10 min URLs, 24 h playlists, 1 h exports (2 at once), 100 thumbnails, 2 GiB of transcodes at most 1080p high,
     * 4 workers.
     */
    public static Settings defaults(Path dataDir) {
      return new Settings(Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofHours(1), 2, 100, dataDir.resolve("playback"),
          2L << 30, 4, 1080);
    }
  }

  private final Vertx vertx;
  private final RecordingCatalog catalog;
  private final PlaybackSigner signer;
  private final Settings s;
  private final WorkerExecutor pool;
  private final Transcoder transcoder;
  private final AtomicInteger exports = new AtomicInteger();
  private final Counter exportsRefused, signatureRefused, missingFiles, thumbHits;

  public PlaybackApi(Vertx vertx, RecordingCatalog catalog, PlaybackSigner signer, Settings settings, MeterRegistry registry) {
    this.vertx = vertx;
    this.catalog = catalog;
    this.signer = signer;
    this.s = settings;
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    this.pool = vertx.createSharedWorkerExecutor(POOL, settings.workers(), 10, TimeUnit.MINUTES);
    this.transcoder = new Transcoder(settings.workDir().resolve("transcoded"), settings.transcodeCacheBytes(),
        settings.transcodeMaxHeight(), r);
    exportsRefused = Counter.builder("vms.playback.exports.refused").description("exports refused: too many running").register(r);
    signatureRefused = Counter.builder("vms.playback.signature.refused").description("media requests with a bad or expired signature")
        .register(r);
    thumbHits = Counter.builder("vms.playback.thumbnail.cache.hits").register(r);
    missingFiles = Counter.builder("vms.playback.files.missing").description("indexed segments whose local file is missing").register(r);
  }

  public Transcoder transcoder() {
    return transcoder;
  }

  /** Releases the worker pool. */
  public void close() {
    pool.close();
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("getPlaybackPlaylist", this::playlist);
    h.put("getMediaSegment", this::segmentFile);
    h.put("exportRange", this::export);
    h.put("listThumbnails", this::thumbnails);
    h.put("getThumbnail", this::thumbnail);
    return h;
  }

  // ------------------------------------------------------------------------------------------- playlist

  private void playlist(RoutingContext ctx) {
    String tenant = ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
    String camera = pathParam(ctx, "cameraId");
    Instant from = instant(ctx, "from"), to = instant(ctx, "to");
    range(from, to, s.maxPlaylist());
    String stream = orDefault(query(ctx, "stream"), "main");
    boolean toH264 = !"copy".equals(orDefault(query(ctx, "codec"), "h264"));
    Duration ttl = s.urlTtl().plus(Duration.between(from, to));
    Future.all(catalog.segments(tenant, camera, stream, from, to), catalog.gaps(tenant, camera, stream, from, to).recover(e -> {
      log.warn("gaps of {}/{} unavailable: {}", tenant, camera, e.toString());
      return Future.succeededFuture(List.of());
    })).compose(cf -> {
      List<SegmentRow> rows = playableRows(cf.resultAt(0));
      List<GapRow> gapRows = cf.resultAt(1);
      if (rows.isEmpty()) return Future.failedFuture(noFootage(camera, from, to));
      return pool.executeBlocking(() -> {
        List<HlsPlaylist.Segment> segs = new ArrayList<>();
        for (SegmentRow r : rows) {
          Path p = Path.of(r.path());
          if (!Files.isRegularFile(p)) {
            missingFiles.increment();
            log.warn("segment {} of tenant {}: file {} missing", r.segmentId(), tenant, p);
            continue;
          }
          String url = "/api/v1/media/segments/" + PlaybackSigner.enc(r.segmentId()) + "/video.mp4?"
              + signer.query(tenant, "segment:" + r.segmentId(), ttl);
          if (toH264 && !"h264".equals(r.codec())) {
            segs.add(new HlsPlaylist.Segment(url + "&codec=h264&part=init", null, url + "&codec=h264&part=media", null, r.start(), r.end()));
          } else {
            Mp4Boxes.ByteRange[] l = layout(p);
            segs.add(new HlsPlaylist.Segment(url, l[0], url, l[1], r.start(), r.end()));
          }
        }
        if (segs.isEmpty()) throw noFootage(camera, from, to);
        List<HlsPlaylist.Item> items = new ArrayList<>();
        for (HlsPlaylist.Item it : HlsPlaylist.withGaps(segs, TOLERANCE, "no footage")) {
          items.add(it instanceof HlsPlaylist.Gap g ? new HlsPlaylist.Gap(g.start(), g.end(), reason(g, gapRows)) : it);
        }
        return HlsPlaylist.vod(items, from);
      }, false);
    }).onSuccess(m3u8 -> ctx.response().putHeader("content-type", "application/vnd.apple.mpegurl").putHeader("cache-control", "no-store")
        .end(m3u8)).onFailure(ctx::fail);
  }

  /** Closed segment files never change: their init/media ranges are kept (LRU, {@link #LAYOUTS} entries). */
  static final int LAYOUTS = 50_000;
  private final Map<String, Mp4Boxes.ByteRange[]> layouts = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Mp4Boxes.ByteRange[]> e) {
          return size() > LAYOUTS;
        }
      });

  private Mp4Boxes.ByteRange[] layout(Path p) throws IOException {
    String key = p + ":" + Files.size(p); // a file replaced at the same path (another size) is walked again
    Mp4Boxes.ByteRange[] l = layouts.get(key);
    if (l == null) {
      Mp4Boxes.Layout x = Mp4Boxes.layout(p);
      l = new Mp4Boxes.ByteRange[] {x.init(), x.media()};
      layouts.put(key, l);
    }
    return l;
  }

  /** JPEGs already made (tenant|segment|offset|width), LRU bounded by {@link #THUMB_CACHE_BYTES}. */
  static final long THUMB_CACHE_BYTES = 32L << 20;
  private long thumbBytes;
  private final Map<String, byte[]> thumbs = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
    @Override
    public byte[] put(String k, byte[] v) {
      byte[] old = super.put(k, v);
      thumbBytes += v.length - (old == null ? 0 : old.length);
      return old;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> e) {
      if (thumbBytes <= THUMB_CACHE_BYTES) return false;
      thumbBytes -= e.getValue().length;
      return true;
    }
  });

  private static String reason(HlsPlaylist.Gap g, List<GapRow> rows) {
    for (GapRow r : rows) {
      if (r.start().isBefore(g.end()) && r.end().isAfter(g.start())) {
        return (r.reason() == null ? "gap" : r.reason()) + (r.fillState() == null ? "" : " (" + r.fillState() + ")");
      }
    }
    return g.reason();
  }

  // ------------------------------------------------------------------------------------------- media files

  private void segmentFile(RoutingContext ctx) {
    String id = pathParam(ctx, "segmentId");
    String tenant = query(ctx, "t");
    verify(tenant, "segment:" + id, ctx);
    boolean toH264 = "h264".equals(query(ctx, "codec"));
    String part = query(ctx, "part");
    catalog.segment(tenant, id).compose(row -> {
      if (row == null || !playable(row)) return Future.failedFuture(ApiException.notFound("no such segment"));
      return pool.executeBlocking(() -> {
        Path p = Path.of(row.path());
        if (!Files.isRegularFile(p)) {
          missingFiles.increment();
          throw ApiException.notFound("the segment's file is not on this node");
        }
        Path f = toH264 && !"h264".equals(row.codec()) ? transcoder.h264(tenant, id, p) : p;
        long size = Files.size(f);
        Mp4Boxes.ByteRange whole = new Mp4Boxes.ByteRange(0, size);
        if (part != null) {
          Mp4Boxes.Layout l = Mp4Boxes.layout(f);
          whole = part.equals("init") ? l.init() : l.media();
        }
        return new Served(f, whole);
      }, false);
    }).onSuccess(sv -> send(ctx, sv.file(), sv.range(), "video/mp4")).onFailure(ctx::fail);
  }

  record Served(Path file, Mp4Boxes.ByteRange range) {}

  /** Sends [range] of the file, honouring a single {@code Range: bytes=} request inside it (206), zero-copy. */
  static void send(RoutingContext ctx, Path file, Mp4Boxes.ByteRange whole, String type) {
    HttpServerResponse res = ctx.response().putHeader("content-type", type).putHeader("accept-ranges", "bytes")
        .putHeader("cache-control", "private, max-age=600");
    long len = whole.length(), start = 0, end = len - 1;
    String range = ctx.request().getHeader("Range");
    if (range != null && range.startsWith("bytes=") && range.indexOf(',') < 0) {
      String spec = range.substring(6).trim();
      int dash = spec.indexOf('-');
      try {
        if (dash == 0) {
          long n = Long.parseLong(spec.substring(1));
          start = Math.max(0, len - n);
        } else if (dash > 0) {
          start = Long.parseLong(spec.substring(0, dash));
          if (dash < spec.length() - 1) end = Math.min(end, Long.parseLong(spec.substring(dash + 1)));
        } else {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        start = 0;
        end = len - 1;
        range = null; // malformed: ignored (RFC 9110), the whole representation is sent
      }
      if (range != null && (start >= len || start > end)) {
        res.putHeader("content-range", "bytes */" + len);
        ctx.fail(new ApiException(416, "range-not-satisfiable", "Range not satisfiable", "Range must lie within 0-" + (len - 1),
            new JsonObject().put("field", "Range")));
        return;
      }
      if (range != null) {
        res.setStatusCode(206).putHeader("content-range", "bytes " + start + "-" + end + "/" + len);
      }
    }
    res.sendFile(file.toString(), whole.offset() + start, end - start + 1).onFailure(e -> log.debug("send {}: {}", file, e.toString()));
  }

  // ------------------------------------------------------------------------------------------- export

  private void export(RoutingContext ctx) {
    String tenant = ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
    String camera = pathParam(ctx, "cameraId");
    var b = OpenApiRouter.validated(ctx).getBody();
    JsonObject body = b == null || b.isNull() ? new JsonObject() : b.getJsonObject();
    Instant from = instant("from", body.getString("from")), to = instant("to", body.getString("to"));
    range(from, to, s.maxExport());
    String stream = body.getString("stream", "main");
    if (exports.incrementAndGet() > s.maxExports()) {
      exports.decrementAndGet();
      exportsRefused.increment();
      log.warn("export of {}/{} refused: {} exports running", tenant, camera, s.maxExports());
      throw new ApiException(429, "export-busy", "Too many exports", s.maxExports() + " exports are running: retry shortly",
          new JsonObject().put("retryAfterSeconds", 10));
    }
    Path out = s.workDir().resolve("exports").resolve(tenant).resolve(UUID.randomUUID() + ".mp4");
    catalog.segments(tenant, camera, stream, from, to).compose(rows -> {
      List<SegmentRow> ok = playableRows(rows);
      if (ok.isEmpty()) return Future.failedFuture(noFootage(camera, from, to));
      List<RangeExporter.Source> src = ok.stream().map(r -> new RangeExporter.Source(Path.of(r.path()), r.start(), r.end())).toList();
      return pool.executeBlocking(() -> RangeExporter.export(src, from, to, out), false);
    }).compose(r -> catalog.protect(tenant, camera, from, to, "export").map(n -> true).recover(e -> {
      log.error("export of {}/{}: footage not marked protected: {}", tenant, camera, e.toString());
      return Future.succeededFuture(false);
    }).map(prot -> {
      HttpServerResponse res = ctx.response();
      res.putHeader("content-disposition", "attachment; filename=\"" + camera + "_" + r.start().toString().replace(':', '-') + ".mp4\"")
          .putHeader("x-vms-export-start", r.start().toString()).putHeader("x-vms-export-end", r.end().toString())
          .putHeader("x-vms-export-partial", String.valueOf(r.partial())).putHeader("x-vms-export-protected", String.valueOf(prot))
          .putHeader("x-vms-export-holes", holes(r.holes()).encode());
      return r;
    })).onComplete(ar -> {
      if (ar.failed()) {
        exports.decrementAndGet();
        ctx.fail(ar.cause() instanceof IOException io ? new ApiException(422, "export-failed", "Export failed", io.getMessage(), null)
            : ar.cause());
        return;
      }
      ctx.response().putHeader("content-type", "video/mp4").sendFile(ar.result().file().toString()).onComplete(x -> {
        exports.decrementAndGet();
        pool.executeBlocking(() -> Files.deleteIfExists(out), false);
      });
    });
  }

  private static JsonArray holes(List<RangeExporter.Hole> holes) {
    JsonArray a = new JsonArray();
    for (RangeExporter.Hole h : holes) a.add(new JsonObject().put("start", h.start().toString()).put("end", h.end().toString()));
    return a;
  }

  // ------------------------------------------------------------------------------------------- thumbnails

  private void thumbnails(RoutingContext ctx) {
    String tenant = ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
    String camera = pathParam(ctx, "cameraId");
    Instant from = instant(ctx, "from"), to = instant(ctx, "to");
    range(from, to, s.maxPlaylist());
    int count = intParam(ctx, "count", 10, 1, s.maxThumbnails());
    int width = intParam(ctx, "width", 320, Thumbnailer.MIN_WIDTH, Thumbnailer.MAX_WIDTH);
    String stream = orDefault(query(ctx, "stream"), "main");
    catalog.segments(tenant, camera, stream, from, to).map(rows -> {
      List<SegmentRow> ok = playableRows(rows);
      if (ok.isEmpty()) throw noFootage(camera, from, to);
      Map<Path, SegmentRow> byPath = new HashMap<>();
      List<RangeExporter.Source> src = new ArrayList<>();
      for (SegmentRow r : ok) {
        RangeExporter.Source so = new RangeExporter.Source(Path.of(r.path()), r.start(), r.end());
        byPath.put(so.path(), r);
        src.add(so);
      }
      JsonArray items = new JsonArray();
      for (Thumbnailer.Point p : Thumbnailer.timeline(src, from, to, count)) {
        JsonObject it = new JsonObject().put("time", p.at().toString());
        if (p.source() == null) {
          items.add(it.put("gap", true).putNull("url"));
          continue;
        }
        SegmentRow r = byPath.get(p.source().path());
        long o = p.offset().toMillis();
        String res = "thumb:" + r.segmentId() + ":" + o + ":" + width;
        items.add(it.put("gap", false).put("segmentId", r.segmentId()).put("url", "/api/v1/media/thumbnails/" + PlaybackSigner.enc(r.segmentId())
            + "/thumb.jpg?o=" + o + "&w=" + width + "&" + signer.query(tenant, res, s.urlTtl())));
      }
      return new JsonObject().put("cameraId", camera).put("stream", stream).put("from", from.toString()).put("to", to.toString())
          .put("width", width).put("items", items);
    }).onSuccess(j -> PlatformRouter.json(ctx, 200, j)).onFailure(ctx::fail);
  }

  private void thumbnail(RoutingContext ctx) {
    String id = pathParam(ctx, "segmentId");
    String tenant = query(ctx, "t");
    long o = Long.parseLong(query(ctx, "o"));
    int w = Integer.parseInt(query(ctx, "w"));
    verify(tenant, "thumb:" + id + ":" + o + ":" + w, ctx);
    String key = tenant + "|" + id + "|" + o + "|" + w;
    catalog.segment(tenant, id).compose(row -> {
      if (row == null || !playable(row)) return Future.failedFuture(ApiException.notFound("no such segment"));
      byte[] cached = thumbs.get(key);
      if (cached != null) {
        thumbHits.increment();
        return Future.succeededFuture(cached);
      }
      return pool.executeBlocking(() -> {
        Path p = Path.of(row.path());
        if (!Files.isRegularFile(p)) throw ApiException.notFound("the segment's file is not on this node");
        byte[] jpeg = Thumbnailer.keyFrame(p, Duration.ofMillis(o), w, 0.8f).jpeg();
        thumbs.put(key, jpeg);
        return jpeg;
      }, false);
    }).onSuccess(jpeg -> ctx.response().putHeader("content-type", "image/jpeg").putHeader("cache-control", "private, max-age=600")
        .end(io.vertx.core.buffer.Buffer.buffer(jpeg))).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------------------------------- helpers

  private void verify(String tenant, String resource, RoutingContext ctx) {
    try {
      signer.verify(tenant, resource, query(ctx, "exp"), query(ctx, "sig"));
    } catch (ApiException e) {
      signatureRefused.increment();
      throw e;
    }
  }

  /** Rows that can be played from this node: present, with a local file. */
  static List<SegmentRow> playableRows(List<SegmentRow> rows) {
    return rows.stream().filter(PlaybackApi::playable).toList();
  }

  static boolean playable(SegmentRow r) {
    return r.localPresent() && !"deleted".equals(r.state()) && r.path() != null;
  }

  private static ApiException noFootage(String camera, Instant from, Instant to) {
    return new ApiException(404, "no-footage", "No footage", "no recording of camera " + camera + " in [" + from + ", " + to + ")",
        new JsonObject().put("field", "from"));
  }

  private static void range(Instant from, Instant to, Duration max) {
    if (!to.isAfter(from)) throw ApiException.invalid("to", "must be after from");
    if (Duration.between(from, to).compareTo(max) > 0) throw ApiException.invalid("to", "must be at most " + max + " after from");
  }

  private static Instant instant(RoutingContext ctx, String name) {
    return instant(name, query(ctx, name));
  }

  private static Instant instant(String name, String v) {
    if (v == null) throw ApiException.invalid(name, "is required");
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiException.invalid(name, "must be an ISO-8601 instant, e.g. 2026-01-31T12:00:00Z");
      }
    }
  }

  private static int intParam(RoutingContext ctx, String name, int def, int min, int max) {
    String v = query(ctx, name);
    if (v == null) return def;
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name, "must be an integer");
    }
    if (n < min || n > max) throw ApiException.invalid(name, "must be in [" + min + ", " + max + "]");
    return n;
  }

  private static String orDefault(String v, String d) {
    return v == null ? d : v;
  }

  static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  static String pathParam(RoutingContext ctx, String name) {
    return OpenApiRouter.validated(ctx).getPathParameters().get(name).getString();
  }
}
