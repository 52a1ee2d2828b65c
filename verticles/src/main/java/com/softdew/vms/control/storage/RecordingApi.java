package com.softdew.vms.control.storage;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.camera.CameraService;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.store.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * REST handlers of /api/v1/cameras/{cameraId}/recordings: the recorded segments and remaining gaps of a time
 * range, and protection of footage from retention. The tenant comes from the principal (a platform operator names
 * it with ?tenantId=); a camera the tenant does not have answers 404, whatever another tenant holds.
 */
public final class RecordingApi {
  /** Longest range one request may ask for. */
  public static final Duration MAX_RANGE = Duration.ofDays(31);
  public static final int DEFAULT_LIMIT = 5000;
  public static final int MAX_HOLES = 1000;

  private final RecordingIndex index;
  private final CameraService cameras;
  private final AuditLog audit;

  public RecordingApi(RecordingIndex index, CameraService cameras, AuditLog audit) {
    this.index = index;
    this.cameras = cameras;
    this.audit = audit;
  }

  static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  static String cameraId(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getPathParameters().get("cameraId").getString();
  }

  static String tenant(RoutingContext ctx) {
    return ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
  }

  /** A required ISO-8601 instant ({@link OpenApiRouter#instant}). */
  static Instant instant(String field, String raw) {
    if (raw == null) throw ApiException.invalid(field, "is required (ISO-8601, e.g. 2026-01-31T10:00:00Z)");
    return OpenApiRouter.instant(field, raw);
  }

  /** [from, to) with to after from and at most {@link #MAX_RANGE}. */
  static Instant[] range(String from, String to) {
    Instant f = instant("from", from);
    Instant t = instant("to", to);
    if (!t.isAfter(f)) throw ApiException.invalid("to", "must be after from");
    if (Duration.between(f, t).compareTo(MAX_RANGE) > 0) throw ApiException.invalid("to", "must be at most 31 days after from");
    return new Instant[] {f, t};
  }

  static JsonArray spans(List<long[]> spans) {
    JsonArray a = new JsonArray();
    for (long[] s : spans) a.add(new JsonObject().put("start", Instant.ofEpochMilli(s[0]).toString()).put("end", Instant.ofEpochMilli(s[1]).toString()));
    return a;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("listRecordings", ctx -> {
      String t = tenant(ctx);
      String cam = cameraId(ctx);
      Instant[] r = range(query(ctx, "from"), query(ctx, "to"));
      String stream = query(ctx, "stream") == null ? "main" : query(ctx, "stream");
      String l = query(ctx, "limit");
      int limit = l == null ? DEFAULT_LIMIT : Integer.parseInt(l);
      reply(ctx, 200, cameras.get(t, cam)
          .compose(c -> index.segments(t, cam, stream, r[0], r[1], limit + 1))
          .compose(segs -> {
            boolean truncated = segs.size() > limit;
            List<SegmentRow> page = truncated ? segs.subList(0, limit) : segs;
            // a truncated answer covers [from, start of the first segment left out): coverage and gaps say so
            Instant to = truncated ? segs.get(limit).start() : r[1];
            return index.gaps(t, cam, stream, r[0], to).map(gaps -> {
              RecordingIndex.Coverage cov = RecordingIndex.coverage(page, r[0], to, MAX_HOLES);
              JsonObject out = new JsonObject().put("cameraId", cam).put("stream", stream).put("from", r[0].toString()).put("to", to.toString())
                  .put("segments", new JsonArray(page.stream().map(SegmentRow::toJson).toList()))
                  .put("gaps", new JsonArray(gaps.stream().map(GapRow::toJson).toList()))
                  .put("coverage", new JsonObject().put("recordedMs", cov.recordedMs()).put("gapMs", cov.gapMs())
                      .put("contiguous", cov.contiguous()).put("holes", spans(cov.holes())));
              if (truncated) out.put("truncated", true).put("next", to.toString());
              return out;
            });
          }));
    });
    h.put("listRecordingGaps", ctx -> {
      String t = tenant(ctx);
      String cam = cameraId(ctx);
      Instant[] r = range(query(ctx, "from"), query(ctx, "to"));
      String stream = query(ctx, "stream") == null ? "main" : query(ctx, "stream");
      reply(ctx, 200, cameras.get(t, cam).compose(c -> index.gapReports(t, cam, stream, r[0], r[1])).map(reports -> {
        JsonArray remaining = new JsonArray();
        JsonArray reported = new JsonArray();
        for (RecordingIndex.GapReport g : reports) {
          g.remaining().forEach(x -> remaining.add(x.toJson()));
          reported.add(g.gap().toJson().put("coveredMs", g.coveredMs())
              .put("remaining", new JsonArray(g.remaining().stream().map(GapRow::toJson).toList())));
        }
        return new JsonObject().put("cameraId", cam).put("stream", stream).put("from", r[0].toString()).put("to", r[1].toString())
            .put("gaps", remaining).put("reported", reported);
      }));
    });
    h.put("protectRecordings", ctx -> {
      String t = tenant(ctx);
      String cam = cameraId(ctx);
      JsonObject b = OpenApiRouter.validated(ctx).getBody().getJsonObject();
      Instant[] r = range(b.getString("from"), b.getString("to"));
      String reason = b.getString("reason");
      if (reason == null || reason.isBlank()) throw ApiException.invalid("reason", "is required");
      Principal p = ApiSecurity.require(ctx);
      reply(ctx, 200, cameras.get(t, cam).compose(c -> index.protect(t, cam, r[0], r[1], reason))
          .compose(n -> audit.append(new AuditLog.AuditEntry(t, p.actor(), "recording.protect", "camera:" + cam, null,
                  new JsonObject().put("from", r[0].toString()).put("to", r[1].toString()).put("reason", reason).put("segments", n),
                  ApiSecurity.clientIp(ctx)))
              .map(v -> new JsonObject().put("protected", n))));
    });
    h.put("unprotectRecordings", ctx -> {
      String t = tenant(ctx);
      String cam = cameraId(ctx);
      Instant[] r = range(query(ctx, "from"), query(ctx, "to"));
      Principal p = ApiSecurity.require(ctx);
      reply(ctx, 200, cameras.get(t, cam).compose(c -> index.unprotect(t, cam, r[0], r[1]))
          .compose(n -> audit.append(new AuditLog.AuditEntry(t, p.actor(), "recording.unprotect", "camera:" + cam, null,
                  new JsonObject().put("from", r[0].toString()).put("to", r[1].toString()).put("segments", n), ApiSecurity.clientIp(ctx)))
              .map(v -> new JsonObject().put("unprotected", n))));
    });
    return h;
  }

  private static void reply(RoutingContext ctx, int status, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, status, v)).onFailure(ctx::fail);
  }
}
