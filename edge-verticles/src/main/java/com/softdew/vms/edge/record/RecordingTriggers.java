package com.softdew.vms.edge.record;

import com.softdew.vms.codec.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes {@link Addresses#RECORDING_TRIGGER} messages {@code {tenantId, cameraId, kind: motion|event, eventType, at,
 * until}} to the {@link ModeGate}s of that camera's recorders: one (cluster-wide) consumer per Vert.x instance, a map
 * lookup per message. A camera is addressed by its registry ids or by the name-based UUIDs the video jobs carry (the
 * AI workers only know those, see {@code CameraPipeline.uuidOf}); both forms are registered.
 */
public final class RecordingTriggers {
  private static final Logger log = LoggerFactory.getLogger(RecordingTriggers.class);
  private static final Map<Vertx, RecordingTriggers> BY_VERTX = Collections.synchronizedMap(new WeakHashMap<>());

  private final Map<String, Set<ModeGate>> gates = new ConcurrentHashMap<>();
  private final AtomicLong received = new AtomicLong(), invalid = new AtomicLong(), unmatched = new AtomicLong();
  private final MessageConsumer<Object> consumer;

  private RecordingTriggers(Vertx vertx) {
    consumer = vertx.eventBus().<Object>consumer(Addresses.RECORDING_TRIGGER, m -> {
      if (m.body() instanceof JsonObject j) {
        deliver(j);
      } else {
        invalid.incrementAndGet();
      }
    });
  }

  /** The router of a Vert.x instance (created, and subscribed, on first use). */
  public static RecordingTriggers of(Vertx vertx) {
    return BY_VERTX.computeIfAbsent(vertx, RecordingTriggers::new);
  }

  /** The trigger message (what the AI workers publish). */
  public static JsonObject message(String tenantId, String cameraId, String kind, String eventType, Instant at, Instant until) {
    return new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("kind", kind).put("eventType", eventType == null ? "" : eventType)
        .put("at", at.toString()).put("until", (until == null ? at : until).toString());
  }

  /** Name-based UUID of a registry id as the job dispatcher makes it (same as {@code CameraPipeline.uuidOf}). */
  static String uuidOf(String kind, String id) {
    try {
      return UUID.fromString(id).toString();
    } catch (IllegalArgumentException e) {
      return UUID.nameUUIDFromBytes(("vms:" + kind + ":" + id).getBytes(StandardCharsets.UTF_8)).toString();
    }
  }

  /** Registers a gate for a camera; closing the returned handle removes it. */
  public AutoCloseable register(String tenantId, String cameraId, ModeGate gate) {
    String a = tenantId + "/" + cameraId, b = uuidOf("tenant", tenantId) + "/" + uuidOf("camera", cameraId);
    gates.computeIfAbsent(a, k -> new CopyOnWriteArraySet<>()).add(gate);
    gates.computeIfAbsent(b, k -> new CopyOnWriteArraySet<>()).add(gate);
    return () -> {
      remove(a, gate);
      remove(b, gate);
    };
  }

  private void remove(String key, ModeGate gate) {
    gates.computeIfPresent(key, (k, s) -> {
      s.remove(gate);
      return s.isEmpty() ? null : s;
    });
  }

  /** Hands one trigger message to the gates of its camera; returns how many took it. */
  public int deliver(JsonObject j) {
    received.incrementAndGet();
    String tenant = j.getValue("tenantId") instanceof String s ? s : null, camera = j.getValue("cameraId") instanceof String s ? s : null;
    String kind = j.getValue("kind") instanceof String s ? s : null;
    Instant at, until;
    try {
      at = Instant.parse(j.getString("at"));
      until = j.getString("until") == null ? at : Instant.parse(j.getString("until"));
    } catch (RuntimeException e) {
      at = null;
      until = null;
    }
    if (tenant == null || camera == null || at == null || !("motion".equals(kind) || "event".equals(kind))) {
      long n = invalid.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.warn("recording trigger ignored ({} so far): needs tenantId, cameraId, kind motion|event, at and until as ISO instants: {}", n,
            j.encode());
      }
      return 0;
    }
    Set<ModeGate> s = gates.get(tenant + "/" + camera);
    if (s == null) {
      unmatched.incrementAndGet();
      return 0;
    }
    int n = 0;
    for (ModeGate g : s) if (g.offer(kind, j.getString("eventType", ""), at, until)) n++;
    return n;
  }

  /** Messages received, malformed, and for no local camera. */
  public long[] counts() {
    return new long[] {received.get(), invalid.get(), unmatched.get()};
  }
}
