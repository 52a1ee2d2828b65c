package com.softdew.vms.control.storage;

import com.softdew.vms.control.camera.CameraService;
import com.softdew.vms.control.config.ConfigService;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which segment files of one node may be deleted, and in which order (docs/retention.md).
 * Only rows that are {@code state = 'present'}, {@code local_present} and not {@code protected} are ever
 * candidates. Order: (1) every segment past its age limit (event footage: {@code retention.eventTypeDays} of its
 * event type, else {@code retention.eventDays}; all other footage: {@code retention.continuousDays}; the
 * camera's effective configuration), (2) the oldest segments of a camera above its
 * {@code retention.maxGbPerCamera}, (3) only while {@code bytesToFree} is not met yet: continuous, schedule and
 * motion footage oldest first, then event footage oldest first. At most {@code maxCandidates} per plan (the rest
 * comes in the next round; {@code truncated} says so).
 *
 * <p>Reads across tenants ({@link TenantSql#asPlatform}): a node's volume holds footage of several tenants. The
 * API filters the result per caller.
 */
public final class RetentionPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionPlanner.class);
  private static final int PAGE = 500;
  /** Candidates per plan on the bus (a janitor round); the rest comes in the next round. */
  public static final int DEFAULT_MAX_CANDIDATES = 2000;
  static final String COLS = "tenant_id, segment_id, camera_id, path, sha256, bytes, start_ms, end_ms, trigger_kind, event_type";

  /** The retention policy of one camera (its effective runtime configuration). */
  public record Policy(int continuousDays, int eventDays, Map<String, Integer> eventTypeDays, double maxGbPerCamera) {
    public static final Policy DEFAULTS = new Policy(30, 90, Map.of(), 0);

    public Policy {
      eventTypeDays = Map.copyOf(eventTypeDays);
    }

    /** Age limit of footage recorded by {@code trigger} ("event" or another mode) of {@code eventType}. */
    public int days(String trigger, String eventType) {
      if (!"event".equals(trigger)) return continuousDays;
      Integer d = eventType == null ? null : eventTypeDays.get(eventType);
      return d != null ? d : eventDays;
    }

    public long capBytes() {
      return maxGbPerCamera <= 0 ? 0 : (long) (maxGbPerCamera * 1_000_000_000d);
    }

    /** From an effective configuration document ({@code {retention: {...}}}); bad override entries are skipped and logged. */
    public static Policy fromEffective(JsonObject effective) {
      JsonObject r = effective == null ? new JsonObject() : effective.getJsonObject("retention", new JsonObject());
      Map<String, Integer> types = new LinkedHashMap<>();
      JsonArray list = r.getJsonArray("eventTypeDays", new JsonArray());
      for (Object o : list) {
        String s = String.valueOf(o).trim();
        int eq = s.indexOf('=');
        try {
          if (eq <= 0) throw new NumberFormatException("no '='");
          int d = Integer.parseInt(s.substring(eq + 1).trim());
          if (d < 1) throw new NumberFormatException("days < 1");
          types.put(s.substring(0, eq).trim(), d);
        } catch (NumberFormatException e) {
          LOG.warn("retention.eventTypeDays entry '{}' ignored: expected 'type=days' with days >= 1", s);
        }
      }
      Number cap = (Number) r.getValue("maxGbPerCamera", 0);
      return new Policy(r.getInteger("continuousDays", DEFAULTS.continuousDays), r.getInteger("eventDays", DEFAULTS.eventDays), types,
          cap == null ? 0 : cap.doubleValue());
    }
  }

  /** Where a camera's policy comes from. */
  public interface Policies {
    Future<Policy> of(String tenantId, String cameraId);

    /** The hierarchical configuration service: system → customer (tenant) → site → camera. */
    static Policies fromConfig(Supplier<ConfigService> config, CameraService cameras) {
      return (tenantId, cameraId) -> {
        Future<String> site = cameras == null ? Future.succeededFuture(null)
            : cameras.siteOf(tenantId, cameraId).recover(e -> Future.succeededFuture(null)); // a removed camera keeps its footage policy
        return site.compose(s -> config.get().effective(tenantId, s, cameraId)).map(eff -> Policy.fromEffective(eff.getJsonObject("effective")));
      };
    }
  }

  /** One file the janitor may delete, and why. */
  public record Candidate(String tenantId, String segmentId, String cameraId, String path, String sha256, long bytes, long startMs,
      long endMs, String trigger, String eventType, String phase, String reason) {
    public JsonObject toJson() {
      return new JsonObject().put("tenantId", tenantId).put("segmentId", segmentId).put("cameraId", cameraId).put("path", path)
          .put("sha256", sha256).put("bytes", bytes).put("start", Instant.ofEpochMilli(startMs).toString())
          .put("end", Instant.ofEpochMilli(endMs).toString()).put("trigger", trigger).put("eventType", eventType).put("phase", phase)
          .put("reason", reason);
    }
  }

  /** The answer to a janitor (and the dry run). */
  public record Plan(String nodeId, long indexedSegments, long indexedBytes, long bytesToFree, long plannedBytes, boolean truncated,
      List<Candidate> candidates) {
    public JsonObject toJson() {
      JsonArray a = new JsonArray();
      candidates.forEach(c -> a.add(c.toJson()));
      return new JsonObject().put("nodeId", nodeId).put("indexedSegments", indexedSegments).put("indexedBytes", indexedBytes)
          .put("bytesToFree", bytesToFree).put("plannedBytes", plannedBytes).put("truncated", truncated).put("candidates", a);
    }
  }

  private record CameraKey(String tenantId, String cameraId) {}

  private final TenantSql sql;
  private final Policies policies;
  private final int maxCandidates;

  public RetentionPlanner(TenantSql sql, Policies policies, int maxCandidates) {
    if (maxCandidates < 1) throw new IllegalArgumentException("maxCandidates must be >= 1");
    this.sql = sql;
    this.policies = policies;
    this.maxCandidates = maxCandidates;
  }

  public int maxCandidates() {
    return maxCandidates;
  }

  /** The deletion candidates of {@code nodeId}'s local volume at {@code now}, in deletion order. */
  public Future<Plan> plan(String nodeId, long bytesToFree, Instant now) {
    if (nodeId == null || nodeId.isBlank()) return Future.failedFuture(new IllegalArgumentException("nodeId is required"));
    if (bytesToFree < 0) return Future.failedFuture(new IllegalArgumentException("bytesToFree must be >= 0"));
    SqlDialect d = sql.dialect();
    // step 1: the node's cameras with their indexed footage (protected included: it counts toward the size cap)
    return sql.asPlatform(c -> c.preparedQuery("SELECT tenant_id, camera_id, COUNT(*), CAST(COALESCE(SUM(bytes), 0) AS BIGINT)"
            + " FROM recording_segment WHERE node_id = " + d.p(1) + " AND state = 'present' AND local_present = " + d.p(2)
            + " GROUP BY tenant_id, camera_id ORDER BY tenant_id, camera_id").execute(Tuple.of(nodeId, true)))
        .compose(rows -> {
          Map<CameraKey, Long> cameraBytes = new LinkedHashMap<>();
          long segs = 0;
          long bytes = 0;
          for (Row r : rows) {
            cameraBytes.put(new CameraKey(r.getString(0), r.getString(1)), r.getLong(3));
            segs += r.getLong(2);
            bytes += r.getLong(3);
          }
          long indexedSegments = segs;
          long indexedBytes = bytes;
          Map<CameraKey, Future<Policy>> pol = new LinkedHashMap<>();
          for (CameraKey k : cameraBytes.keySet()) {
            pol.put(k, policies.of(k.tenantId(), k.cameraId()).recover(e -> {
              // without its policy a camera's footage is only deleted by volume pressure, never by age or cap
              LOG.warn("retention policy of {}/{} unavailable ({}): only volume pressure applies to it", k.tenantId(), k.cameraId(),
                  e.getMessage());
              return Future.succeededFuture((Policy) null);
            }));
          }
          return Future.all(new ArrayList<>(pol.values())).compose(v -> {
            Map<CameraKey, Policy> policy = new HashMap<>();
            pol.forEach((k, f) -> policy.put(k, f.result()));
            return sql.asPlatform(c -> new Round(c, nodeId, bytesToFree, now.toEpochMilli(), policy, cameraBytes).run())
                .map(r -> new Plan(nodeId, indexedSegments, indexedBytes, bytesToFree, r.planned, r.truncated, List.copyOf(r.out)));
          });
        });
  }

  /** One planning pass on one connection. */
  private final class Round {
    final SqlConnection c;
    final String nodeId;
    final long bytesToFree;
    final long now;
    final Map<CameraKey, Policy> policy;
    final Map<CameraKey, Long> cameraBytes;
    final List<Candidate> out = new ArrayList<>();
    final Set<String> chosen = new HashSet<>();
    final Map<CameraKey, Long> chosenPerCamera = new HashMap<>();
    long planned;
    boolean truncated;
    final SqlDialect d = sql.dialect();

    Round(SqlConnection c, String nodeId, long bytesToFree, long now, Map<CameraKey, Policy> policy, Map<CameraKey, Long> cameraBytes) {
      this.c = c;
      this.nodeId = nodeId;
      this.bytesToFree = bytesToFree;
      this.now = now;
      this.policy = policy;
      this.cameraBytes = cameraBytes;
    }

    Future<Round> run() {
      Future<Void> f = Future.succeededFuture();
      for (CameraKey k : cameraBytes.keySet()) f = f.compose(v -> age(k));
      // past their limit, across cameras: oldest first
      f = f.map(v -> {
        out.sort(java.util.Comparator.comparingLong(Candidate::startMs).thenComparing(Candidate::tenantId).thenComparing(Candidate::segmentId));
        return null;
      });
      for (CameraKey k : cameraBytes.keySet()) f = f.compose(v -> cap(k));
      f = f.compose(v -> pressure(false)).compose(v -> pressure(true));
      return f.map(v -> this);
    }

    boolean full() {
      if (out.size() >= maxCandidates) truncated = true;
      return truncated;
    }

    void add(Row r, String phase, String reason) {
      Candidate cand = new Candidate(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5),
          r.getLong(6), r.getLong(7), r.getString(8), r.getString(9), phase, reason);
      if (!chosen.add(cand.tenantId() + "\u0000" + cand.segmentId())) return;
      out.add(cand);
      planned += cand.bytes();
      chosenPerCamera.merge(new CameraKey(cand.tenantId(), cand.cameraId()), cand.bytes(), Long::sum);
    }

    boolean isChosen(Row r) {
      return chosen.contains(r.getString(0) + "\u0000" + r.getString(1));
    }

    String base() {
      return "SELECT " + COLS + " FROM recording_segment WHERE node_id = " + d.p(1) + " AND state = 'present' AND local_present = "
          + d.p(2) + " AND protected = " + d.p(3);
    }

    Tuple baseArgs() {
      return Tuple.of(nodeId, true, false);
    }

    /** Phase 1: every segment of the camera past its age limit; the limit per row is a CASE over the policy. */
    Future<Void> age(CameraKey k) {
      Policy p = policy.get(k);
      if (p == null || full()) return Future.succeededFuture();
      Tuple args = baseArgs().addString(k.tenantId()).addString(k.cameraId());
      // parameters in a CASE have no type to infer from (PostgreSQL would take them as text): cast them
      StringBuilder cutoff = new StringBuilder("CASE WHEN trigger_kind <> 'event' THEN CAST(" + d.p(6) + " AS BIGINT)");
      args.addLong(now - Duration.ofDays(p.continuousDays()).toMillis());
      int n = 7;
      for (Map.Entry<String, Integer> e : p.eventTypeDays().entrySet()) {
        cutoff.append(" WHEN event_type = ").append(d.p(n++)).append(" THEN CAST(").append(d.p(n++)).append(" AS BIGINT)");
        args.addString(e.getKey()).addLong(now - Duration.ofDays(e.getValue()).toMillis());
      }
      cutoff.append(" ELSE CAST(").append(d.p(n)).append(" AS BIGINT) END");
      args.addLong(now - Duration.ofDays(p.eventDays()).toMillis());
      // start <= end < the latest cutoff: a range on start_ms, so the (node_id, state, start_ms) index skips recent footage
      int minDays = Math.min(p.continuousDays(), Math.min(p.eventDays(), p.eventTypeDays().values().stream().mapToInt(x -> x).min().orElse(
          Integer.MAX_VALUE)));
      args.addLong(now - Duration.ofDays(minDays).toMillis());
      String q = base() + " AND tenant_id = " + d.p(4) + " AND camera_id = " + d.p(5) + " AND start_ms < " + d.p(n + 1) + " AND end_ms < " + cutoff
          + " ORDER BY start_ms, segment_id" + d.page(maxCandidates - out.size(), 0);
      return c.preparedQuery(q).execute(args).map(rows -> {
        for (Row r : rows) {
          if (full()) break;
          int days = p.days(r.getString(8), r.getString(9));
          String what = "event".equals(r.getString(8)) ? "event footage" + (r.getString(9).isEmpty() ? "" : " (" + r.getString(9) + ")")
              : r.getString(8) + " footage";
          add(r, "age", what + " older than its limit of " + days + " days");
        }
        if (rows.size() >= maxCandidates) truncated = true;
        return null;
      });
    }

    /** Phase 2: the camera's oldest unprotected segments while its footage (protected included) exceeds its cap. */
    Future<Void> cap(CameraKey k) {
      Policy p = policy.get(k);
      if (p == null || p.capBytes() <= 0 || full()) return Future.succeededFuture();
      long excess = cameraBytes.get(k) - chosenPerCamera.getOrDefault(k, 0L) - p.capBytes();
      if (excess <= 0) return Future.succeededFuture();
      String reason = "camera " + k.cameraId() + " holds " + cameraBytes.get(k) + " bytes, above its cap of " + p.maxGbPerCamera() + " GB";
      Tuple args = baseArgs().addString(k.tenantId()).addString(k.cameraId());
      String q = base() + " AND tenant_id = " + d.p(4) + " AND camera_id = " + d.p(5) + " ORDER BY start_ms, segment_id";
      return page(q, args, 0, () -> cameraBytes.get(k) - chosenPerCamera.getOrDefault(k, 0L) > p.capBytes(), "cap", reason);
    }

    /** Phase 3: only while bytesToFree is not met; continuous/schedule/motion first, then event footage. */
    Future<Void> pressure(boolean events) {
      if (planned >= bytesToFree || full()) return Future.succeededFuture();
      String q = base() + " AND trigger_kind " + (events ? "=" : "<>") + " 'event' ORDER BY start_ms, tenant_id, segment_id";
      String reason = "volume above its high-water mark: " + (events ? "event footage" : "continuous, schedule and motion footage")
          + " oldest first";
      return page(q, baseArgs(), 0, () -> planned < bytesToFree, "pressure", reason);
    }

    Future<Void> page(String q, Tuple args, int offset, Supplier<Boolean> more, String phase, String reason) {
      if (!more.get() || full()) return Future.succeededFuture();
      return c.preparedQuery(q + d.page(PAGE, offset)).execute(args).compose(rows -> {
        for (Row r : rows) {
          if (!more.get() || full()) return Future.succeededFuture();
          if (isChosen(r)) continue;
          add(r, phase, reason);
        }
        if (rows.size() < PAGE) return Future.succeededFuture();
        return page(q, args, offset + PAGE, more, phase, reason);
      });
    }
  }
}
