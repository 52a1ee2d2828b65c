package com.softdew.vms.control.storage;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The control plane's end of the edge outbox: consumes {@link Addresses#RECORDING_INDEX} request/reply messages
 * {@code {kind, nodeId, record}} and stores each record in the {@link RecordingIndex}, replying {@code {ok: true,
 * outcome}} only after the row is committed. Kinds and records:
 * <ul>
 *   <li>{@code segment}: {@link RecordingSegment#toJson()} (its {@code segmentId}, when sent, must be the stable id)</li>
 *   <li>{@code gap}: {@link RecordingGap#toJson()}</li>
 *   <li>{@code gapFilled}: {tenantId, cameraId, stream, start (the gap's start), fillState, fillNote}</li>
 *   <li>{@code uploaded}: {tenantId, segmentId, tier, objectKey}</li>
 *   <li>{@code localEvicted}: {tenantId, segmentId}</li>
 * </ul>
 * A malformed message is answered with failure code 400 and a message naming the field ({@code record.start: ...});
 * nothing is written and it is counted in {@code vms.recording.index.rejected}. An update of an unknown segment
 * or gap answers 404; a database failure 500 (the outbox resends). At most {@link #MAX_IN_FLIGHT} records are
 * written at once; more answer 503 (counted in {@code vms.recording.index.overflow}) and the outbox resends later.
 */
public final class RecordingIndexVerticle extends AbstractVerticle {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RecordingIndexVerticle.class);
  public static final int MAX_IN_FLIGHT = 64;
  static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** Camera ids of the registry, plus dots (the recorder's directory names allow them). */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  static final Pattern NODE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  static final Set<String> STREAMS = Set.of("main", "sub");
  static final Set<String> SOURCES = Set.of("rtsp", "sdcard");
  static final Set<String> TRIGGERS = Set.of("continuous", "motion", "event", "schedule");
  static final Set<String> TIERS = Set.of("local", "cloud");
  static final Set<String> FILL_STATES = Set.of("open", "partial", "filled", "unfillable");

  private final RecordingIndex index;
  private final TenantDirectory tenants;
  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private MessageConsumer<Object> consumer;

  /** {@code tenants} may be null (then a tenant id is only checked for its form); {@code registry} may be null. */
  public RecordingIndexVerticle(RecordingIndex index, TenantDirectory tenants, MeterRegistry registry) {
    this.index = index;
    this.tenants = tenants;
    this.registry = registry;
  }

  /** A record the index refuses, naming the field. */
  public static final class BadRecord extends RuntimeException {
    private final String field;

    BadRecord(String field, String reason) {
      super(field + ": " + reason);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /** Known-to-exist replies: code 404. */
  static final class Unknown extends RuntimeException {
    Unknown(String m) {
      super(m);
    }
  }

  @Override
  public void start(Promise<Void> started) {
    consumer = vertx.eventBus().consumer(Addresses.RECORDING_INDEX, this::handle);
    consumer.completion().onComplete(started);
  }

  private void count(String name, String tenant, String kind, String extraKey, String extraValue) {
    if (registry == null) return;
    Tags tags = Tags.of("tenant", tenant == null ? "unknown" : tenant, "kind", kind == null ? "unknown" : kind);
    if (extraKey != null) tags = tags.and(extraKey, extraValue);
    registry.counter(name, tags).increment();
  }

  void handle(Message<Object> m) {
    JsonObject body = m.body() instanceof JsonObject j ? j : null;
    String kind = body == null ? null : body.getValue("kind") instanceof String s ? s : null;
    JsonObject rec = body == null ? null : body.getValue("record") instanceof JsonObject j ? j : null;
    String tenant = rec != null && rec.getValue("tenantId") instanceof String s && TENANT.matcher(s).matches() ? s : null;
    Future<String> work;
    try {
      work = dispatch(body, kind, rec);
    } catch (BadRecord e) {
      count("vms.recording.index.rejected", tenant, kind, "field", e.field());
      LOG.warn("recording index refused a {} record from node {}: {}", kind, body == null ? null : body.getValue("nodeId"), e.getMessage());
      m.fail(400, e.getMessage());
      return;
    } catch (RuntimeException e) {
      // a bug here must still answer, or the outbox waits for its timeout on every resend
      count("vms.recording.index.errors", tenant, kind, null, null);
      LOG.error("recording index failed on a {} record", kind, e);
      m.fail(500, "index error: " + e);
      return;
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      count("vms.recording.index.overflow", tenant, kind, null, null);
      m.fail(503, "recording index busy (" + MAX_IN_FLIGHT + " records in flight): resend later");
      return;
    }
    work.onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.succeeded()) {
        count("vms.recording.index.records", tenant, kind, "outcome", ar.result());
        if ("CONFLICT".equals(ar.result())) {
          LOG.warn("segment {} of tenant {} was indexed before with another checksum, size or end: kept the first",
              rec.getValue("segmentId"), tenant);
        }
        m.reply(new JsonObject().put("ok", true).put("outcome", ar.result().toLowerCase()));
      } else if (ar.cause() instanceof BadRecord b) {
        count("vms.recording.index.rejected", tenant, kind, "field", b.field());
        m.fail(400, b.getMessage());
      } else if (ar.cause() instanceof Unknown u) {
        count("vms.recording.index.unknown", tenant, kind, null, null);
        m.fail(404, u.getMessage());
      } else {
        count("vms.recording.index.errors", tenant, kind, null, null);
        LOG.error("recording index could not store a {} record of tenant {}: {}", kind, tenant, ar.cause().toString());
        m.fail(500, "index unavailable: " + ar.cause().getMessage());
      }
    });
  }

  /** Validates synchronously (throws BadRecord) and returns the write. */
  Future<String> dispatch(JsonObject body, String kind, JsonObject rec) {
    if (body == null) throw new BadRecord("body", "a JSON object {kind, nodeId, record} is required");
    // (a String or other body arrives here as null)
    if (kind == null) throw new BadRecord("kind", "is required: segment, gap, gapFilled, uploaded or localEvicted");
    if (rec == null) throw new BadRecord("record", "is required (a JSON object)");
    String tenantId = tenant(rec);
    return switch (kind) {
      case "segment" -> {
        String nodeId = str(body, "nodeId", NODE, "");
        RecordingSegment s = segment(rec);
        yield index.indexSegment(nodeId, s).map(Enum::name).recover(RecordingIndexVerticle::asBadRecord);
      }
      case "gap" -> {
        RecordingGap g = new RecordingGap(tenantId, str(rec, "cameraId", ID, "record."), oneOf(rec, "stream", STREAMS, "main"),
            instant(rec, "start"), instant(rec, "end"), optional(rec, "reason", 100_000));
        if (!g.end().isAfter(g.start())) throw new BadRecord("record.end", "must be after record.start");
        yield index.recordGap(g).map(Enum::name).recover(RecordingIndexVerticle::asBadRecord);
      }
      case "gapFilled" -> {
        String cameraId = str(rec, "cameraId", ID, "record.");
        String stream = oneOf(rec, "stream", STREAMS, "main");
        Instant start = instant(rec, "start");
        String state = oneOf(rec, "fillState", FILL_STATES, null);
        yield index.markGapFill(tenantId, cameraId, stream, start, state, optional(rec, "fillNote", 100_000))
            .map(found -> found ? "UPDATED" : notFound("no gap of camera " + cameraId + " " + stream + " starting at " + start));
      }
      case "uploaded" -> {
        String segmentId = segmentId(rec);
        String tier = oneOf(rec, "tier", TIERS, null);
        String key = required(rec, "objectKey", 1024);
        yield index.markUploaded(tenantId, segmentId, tier, key).map(found -> found ? "UPDATED" : notFound("no segment " + segmentId));
      }
      case "localEvicted" -> {
        String segmentId = segmentId(rec);
        yield index.markLocalEvicted(tenantId, segmentId).map(found -> found ? "UPDATED" : notFound("no segment " + segmentId));
      }
      default -> throw new BadRecord("kind", "must be segment, gap, gapFilled, uploaded or localEvicted, got " + kind);
    };
  }

  private static String notFound(String what) {
    throw new Unknown(what);
  }

  private static <T> Future<T> asBadRecord(Throwable e) {
    if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith("end")) {
      return Future.failedFuture(new BadRecord("record.end", e.getMessage().replaceFirst("^end:? ?", "")));
    }
    return Future.failedFuture(e);
  }

  private String tenant(JsonObject rec) {
    String t = str(rec, "tenantId", TENANT, "record.");
    if (tenants != null && tenants.get(t) == null) throw new BadRecord("record.tenantId", "no tenant " + t);
    return t;
  }

  static RecordingSegment segment(JsonObject rec) {
    String tenantId = str(rec, "tenantId", TENANT, "record.");
    String cameraId = str(rec, "cameraId", ID, "record.");
    String stream = oneOf(rec, "stream", STREAMS, "main");
    Instant start = instant(rec, "start");
    Instant end = instant(rec, "end");
    if (!end.isAfter(start)) throw new BadRecord("record.end", "must be after record.start");
    if (end.toEpochMilli() - start.toEpochMilli() > RecordingIndex.MAX_SEGMENT_MS) {
      throw new BadRecord("record.end", "a segment may cover at most " + RecordingIndex.MAX_SEGMENT_MS / 1000 + " s");
    }
    Object b = rec.getValue("bytes");
    if (!(b instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
      throw new BadRecord("record.bytes", "must be a whole number >= 0");
    }
    String codec = required(rec, "codec", 16);
    String resolution = optional(rec, "resolution", 16);
    String sha = str(rec, "sha256", SHA256, "record.");
    String path = required(rec, "path", 4096);
    Path file;
    try {
      file = Path.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      throw new BadRecord("record.path", "is not a path: " + e.getReason());
    }
    if (!file.isAbsolute()) throw new BadRecord("record.path", "must be an absolute path");
    String source = oneOf(rec, "source", SOURCES, "rtsp");
    String trigger = oneOf(rec, "trigger", TRIGGERS, "continuous");
    String eventType = optional(rec, "eventType", 64);
    RecordingSegment s = new RecordingSegment(tenantId, cameraId, stream, start, end, n.longValue(), codec, resolution, sha, file,
        source, trigger, eventType);
    Object id = rec.getValue("segmentId");
    if (id != null && !s.segmentId().equals(id)) {
      throw new BadRecord("record.segmentId", "must be the stable id " + s.segmentId() + " (cameraId.stream.startEpochMs.source)");
    }
    return s;
  }

  static String segmentId(JsonObject rec) {
    return required(rec, "segmentId", 160);
  }

  static String str(JsonObject o, String name, Pattern p, String prefix) {
    Object v = o.getValue(name);
    String field = prefix + name;
    if (v == null) throw new BadRecord(field, "is required");
    if (!(v instanceof String s) || !p.matcher(s).matches()) throw new BadRecord(field, "must match " + p + ", got " + v);
    return s;
  }

  static String required(JsonObject rec, String name, int max) {
    Object v = rec.getValue(name);
    if (v == null || "".equals(v)) throw new BadRecord("record." + name, "is required");
    if (!(v instanceof String s) || s.length() > max) throw new BadRecord("record." + name, "must be a string of at most " + max + " characters");
    return s;
  }

  static String optional(JsonObject rec, String name, int max) {
    Object v = rec.getValue(name);
    if (v == null) return "";
    if (!(v instanceof String s) || s.length() > max) throw new BadRecord("record." + name, "must be a string of at most " + max + " characters");
    return s;
  }

  static String oneOf(JsonObject rec, String name, Set<String> allowed, String dflt) {
    Object v = rec.getValue(name);
    if ((v == null || "".equals(v)) && dflt != null) return dflt;
    if (v == null) throw new BadRecord("record." + name, "is required, one of " + allowed);
    if (!(v instanceof String s) || !allowed.contains(s)) throw new BadRecord("record." + name, "must be one of " + allowed + ", got " + v);
    return s;
  }

  static Instant instant(JsonObject rec, String name) {
    Object v = rec.getValue(name);
    if (v == null) throw new BadRecord("record." + name, "is required (ISO-8601 instant)");
    try {
      return Instant.parse(String.valueOf(v));
    } catch (DateTimeParseException e) {
      throw new BadRecord("record." + name, "must be an ISO-8601 instant such as 2026-01-31T10:00:00Z, got " + v);
    }
  }

  /** Records being written now (bounded by {@link #MAX_IN_FLIGHT}). */
  public int inFlight() {
    return inFlight.get();
  }
}
