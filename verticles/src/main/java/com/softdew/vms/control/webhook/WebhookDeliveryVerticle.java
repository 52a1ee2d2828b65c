package com.softdew.vms.control.webhook;

import com.softdew.vms.codec.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers event changes ({@link Addresses#EVENT_UPDATED}, actions {@code created} and {@code status}) to the matching
 * webhook subscriptions of the change's tenant: signed POST (WebhookSignature), retries with capped exponential
 * backoff and jitter, 408/429 retried honouring Retry-After, 410 disables the subscription, other 4xx dead-lettered at
 * once, a bounded queue and a circuit breaker per endpoint (subscription), a delivery log and dead letters in Mongo.
 *
 * <p>Consumes with a LOCAL consumer: in a cluster each node delivers the changes its own event engine published, so a
 * change is not delivered once per node. Pending deliveries live in memory (lost on a node restart: see docs).
 * Everything runs on this verticle's event loop except the HMAC and the secret opening (worker pool).
 */
public final class WebhookDeliveryVerticle extends io.vertx.core.VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);

  /** Delivery tuning; tests shorten the delays. */
  public record Settings(Duration baseDelay, Duration maxDelay, double jitter, int maxAttempts, int maxQueuePerEndpoint,
      int maxInFlightPerEndpoint, Duration requestTimeout, Duration connectTimeout, int breakerFailures, Duration breakerOpen,
      Duration maxRetryAfter, int logKeep, Duration subscriptionCacheTtl, int maxTenants) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(1), Duration.ofMinutes(5), 0.2, 8, 1000, 4, Duration.ofSeconds(10), Duration.ofSeconds(5),
          5, Duration.ofSeconds(30), Duration.ofMinutes(10), 500, Duration.ofSeconds(10), 10_000);
    }

    /** Delay before attempt {@code next} (2, 3, ...): base·2^(next-2) capped at maxDelay, ± jitter. */
    public long backoffMillis(int next, double random) {
      double d = baseDelay.toMillis() * Math.pow(2, Math.max(0, next - 2));
      d = Math.min(d, maxDelay.toMillis());
      return Math.max(0, Math.round(d * (1 - jitter + 2 * jitter * random)));
    }
  }

  private final WebhookStore store;
  private final BiFunction<String, String, Future<String>> siteOf;
  private final MeterRegistry registry;
  private volatile Settings settings;
  private WebClient web;
  private final Map<String, Endpoint> endpoints = new java.util.concurrent.ConcurrentHashMap<>(); // read by the metrics scrape
  private final Map<String, CachedSubs> subs = new HashMap<>();
  private final Map<String, CachedSite> sites = new HashMap<>();
  private final AtomicLong seq = new AtomicLong(System.currentTimeMillis() * 1000);

  /**
   * @param siteOf (tenant, cameraKey) → site of the camera (root of its hierarchy node), for subscriptions filtered by
   *     sites; may answer null
   */
  public WebhookDeliveryVerticle(WebhookStore store, BiFunction<String, String, Future<String>> siteOf, Settings settings, MeterRegistry registry) {
    this.store = store;
    this.siteOf = siteOf;
    this.settings = settings;
    this.registry = registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  }

  /** New settings for later deliveries (tests; a runtime configuration key later). */
  public void reconfigure(Settings s) {
    settings = s;
  }

  public Settings settings() {
    return settings;
  }

  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public Future<?> start() {
    Settings s = settings;
    web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) s.connectTimeout().toMillis()).setFollowRedirects(false)
        .setUserAgent("vms-webhooks/1"));
    Gauge.builder("vms.webhook.queued", this, v -> v.queued()).description("deliveries pending in all endpoint queues").register(registry);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.EVENT_UPDATED, m -> {
      try {
        onChange(m.body());
      } catch (RuntimeException e) {
        count("vms.webhook.ignored", null);
        LOG.warn("event change not delivered to webhooks: {}", e.toString());
      }
    });
    return store.init();
  }

  @Override
  public Future<?> stop() {
    endpoints.values().forEach(e -> e.closed = true);
    return Future.succeededFuture();
  }

  private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
      Map.entry("vms.webhook.attempts", "HTTP attempts made"),
      Map.entry("vms.webhook.delivered", "deliveries acknowledged with 2xx"),
      Map.entry("vms.webhook.retries", "attempts scheduled again"),
      Map.entry("vms.webhook.dead", "deliveries dead-lettered"),
      Map.entry("vms.webhook.queue.overflow", "deliveries refused by a full endpoint queue (dead-lettered)"),
      Map.entry("vms.webhook.breaker.held", "deliveries held back (not attempted) because the endpoint's breaker was open"),
      Map.entry("vms.webhook.breaker.opened", "times an endpoint's breaker opened"),
      Map.entry("vms.webhook.disabled", "subscriptions disabled by a 410 answer"),
      Map.entry("vms.webhook.duplicates", "changes already pending for the endpoint (same deliveryId), skipped"),
      Map.entry("vms.webhook.ignored", "bus messages not delivered (action updated, or malformed)"),
      Map.entry("vms.webhook.log.failures", "delivery log / dead letter writes that failed"));

  /** Counters carry the tenant (bounded: one series per tenant and name). */
  private void count(String name, String tenant) {
    Counter.builder(name).description(DESCRIPTIONS.get(name)).tag("tenant", tenant == null ? "_unknown" : tenant).register(registry).increment();
  }

  // ------------------------------------------------------------------ intake

  void onChange(JsonObject m) {
    String action = m == null ? null : m.getString("action");
    String tenant = m == null ? null : m.getString("tenantId");
    JsonObject event = m == null ? null : m.getJsonObject("event");
    if (tenant == null || event == null || !("created".equals(action) || "status".equals(action))) {
      count("vms.webhook.ignored", tenant);
      return;
    }
    subscriptions(tenant).onSuccess(list -> onCtx(() -> {
      for (JsonObject sub : list) {
        if (!sub.getBoolean("enabled", true)) continue;
        matches(tenant, sub, m).onSuccess(ok -> {
          if (ok) onCtx(() -> enqueue(new Delivery(tenant, sub.getString("id"), sub.getString("url"), deliveryId(sub.getString("id"), m), m, 1)));
        });
      }
    })).onFailure(e -> LOG.warn("webhook subscriptions of {} not read: {}", tenant, e.getMessage()));
  }

  /** Same subscription + same change → same id (created: event; status: event + new status), so receivers can dedupe. */
  static String deliveryId(String subscriptionId, JsonObject m) {
    JsonObject e = m.getJsonObject("event");
    String key = subscriptionId + "|" + e.getString("eventId") + "|" + m.getString("action")
        + ("status".equals(m.getString("action")) ? "|" + e.getString("status") : "");
    return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
  }

  Future<Boolean> matches(String tenant, JsonObject sub, JsonObject m) {
    JsonObject e = m.getJsonObject("event");
    if (!in(sub.getJsonArray("eventTypes"), e.getString("eventType"))) return Future.succeededFuture(false);
    if (!in(sub.getJsonArray("priorities"), e.getString("priority"))) return Future.succeededFuture(false);
    JsonArray cams = sub.getJsonArray("cameras");
    if (cams != null && !cams.isEmpty() && !cams.contains(m.getString("cameraKey")) && !cams.contains(e.getString("cameraId"))) {
      return Future.succeededFuture(false);
    }
    JsonArray siteList = sub.getJsonArray("sites");
    if (siteList == null || siteList.isEmpty()) return Future.succeededFuture(true);
    String cam = m.getString("cameraKey");
    if (cam == null) return Future.succeededFuture(false);
    return site(tenant, cam).map(siteList::contains).otherwise(false);
  }

  private static boolean in(JsonArray filter, String value) {
    return filter == null || filter.isEmpty() || (value != null && filter.contains(value));
  }

  private record CachedSubs(long at, Future<List<JsonObject>> subs) {}

  private record CachedSite(long at, Future<String> site) {}

  private Future<List<JsonObject>> subscriptions(String tenant) {
    long now = System.currentTimeMillis();
    CachedSubs c = subs.get(tenant);
    if (c == null || now - c.at() > settings.subscriptionCacheTtl().toMillis() || c.subs().failed()) {
      if (subs.size() >= settings.maxTenants()) subs.clear(); // bounded: a full cache starts over
      c = new CachedSubs(now, store.list(tenant));
      subs.put(tenant, c);
    }
    return c.subs();
  }

  private Future<String> site(String tenant, String cameraKey) {
    long now = System.currentTimeMillis();
    String k = tenant + "/" + cameraKey;
    CachedSite c = sites.get(k);
    if (c == null || now - c.at() > 60_000 || c.site().failed()) {
      if (sites.size() >= settings.maxTenants()) sites.clear();
      c = new CachedSite(now, siteOf == null ? Future.succeededFuture(null) : siteOf.apply(tenant, cameraKey));
      sites.put(k, c);
    }
    return c.site();
  }

  /** The API changed a tenant's subscriptions: re-read them; a deleted or disabled one drops its pending deliveries. */
  public void invalidate(String tenant, String subscriptionId, boolean drop) {
    context.runOnContext(v -> {
      subs.remove(tenant);
      if (drop) {
        Endpoint ep = endpoints.remove(tenant + "/" + subscriptionId);
        if (ep != null) ep.closed = true;
      }
    });
  }

  /** Delivers a dead letter again, same deliveryId, attempts counted on from the dead letter's. */
  public Future<Void> redeliver(String tenant, JsonObject sub, JsonObject deadLetter) {
    Delivery d = new Delivery(tenant, sub.getString("id"), sub.getString("url"), deadLetter.getString("id"),
        deadLetter.getJsonObject("change"), deadLetter.getInteger("attempts", 0) + 1);
    d.fromDeadLetter = true;
    return store.markDeadLetter(tenant, d.id, new JsonObject().put("state", "retrying").put("retriedAt", Instant.now().toString()))
        .onSuccess(v -> onCtx(() -> enqueue(d)));
  }

  // ------------------------------------------------------------------ endpoint queues

  static final class Delivery {
    final String tenant;
    final String subscriptionId;
    String url;
    final String id;
    final JsonObject change;
    int attempt;
    final int firstAttempt;
    boolean fromDeadLetter;
    boolean heldCounted;
    Integer lastStatus;
    String lastError;

    Delivery(String tenant, String subscriptionId, String url, String id, JsonObject change, int attempt) {
      this.tenant = tenant;
      this.subscriptionId = subscriptionId;
      this.url = url;
      this.id = id;
      this.change = change;
      this.attempt = attempt;
      this.firstAttempt = attempt;
    }
  }

  static final class Endpoint {
    final String key;
    final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    final Set<String> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final WebhookBreaker breaker = new WebhookBreaker();
    int inFlight;
    final AtomicLong attempts = new AtomicLong();
    long wakeTimer = -1;
    boolean closed;

    Endpoint(String key) {
      this.key = key;
    }
  }

  private int queued() {
    int n = 0;
    for (Endpoint e : endpoints.values()) n += e.pending.size();
    return n;
  }

  /** Runs {@code r} on this verticle's event loop (all queue state is confined to it). */
  private void onCtx(Runnable r) {
    if (io.vertx.core.Vertx.currentContext() == context) r.run();
    else context.runOnContext(v -> r.run());
  }

  private void enqueue(Delivery d) {
    String key = d.tenant + "/" + d.subscriptionId;
    Endpoint ep = endpoints.computeIfAbsent(key, Endpoint::new);
    if (ep.pending.contains(d.id)) {
      count("vms.webhook.duplicates", d.tenant);
      return;
    }
    if (ep.pending.size() >= settings.maxQueuePerEndpoint()) {
      count("vms.webhook.queue.overflow", d.tenant);
      LOG.warn("webhook queue of {} full ({}): delivery {} dead-lettered", key, ep.pending.size(), d.id);
      deadLetter(d, "queue-full");
      return;
    }
    ep.pending.add(d.id);
    ep.ready.add(d);
    pump(ep);
  }

  private void pump(Endpoint ep) {
    Settings s = settings;
    while (!ep.closed && ep.inFlight < s.maxInFlightPerEndpoint() && !ep.ready.isEmpty()) {
      long now = System.currentTimeMillis();
      if (!ep.breaker.allow(now, s.breakerFailures(), s.breakerOpen().toMillis())) {
        for (Delivery d : ep.ready) {
          if (!d.heldCounted) {
            d.heldCounted = true;
            count("vms.webhook.breaker.held", d.tenant);
          }
        }
        if (ep.breaker.state() == WebhookBreaker.State.OPEN && ep.wakeTimer < 0) {
          ep.wakeTimer = vertx.setTimer(Math.max(1, ep.breaker.openUntil() - now), t -> {
            ep.wakeTimer = -1;
            pump(ep);
          });
        }
        return;
      }
      Delivery d = ep.ready.poll();
      ep.inFlight++;
      send(ep, d);
    }
  }

  private void send(Endpoint ep, Delivery d) {
    Settings s = settings;
    long started = System.nanoTime();
    Instant sentAt = Instant.now();
    JsonObject payload = new JsonObject().put("deliveryId", d.id).put("attempt", d.attempt).put("sentAt", sentAt.toString());
    d.change.forEach(e -> payload.put(e.getKey(), e.getValue()));
    long ts = sentAt.getEpochSecond();
    // the secret is opened and the HMAC computed on a worker thread (crypto off the event loop)
    store.raw(d.tenant, d.subscriptionId).compose(sub -> {
      if (sub == null || !sub.getBoolean("enabled", true)) return Future.failedFuture(new GoneLocally(sub == null ? "subscription deleted" : "subscription disabled"));
      d.url = sub.getString("url"); // a PATCHed url applies to pending deliveries too
      return vertx.executeBlocking(() -> {
        Buffer body = Buffer.buffer(payload.encode());
        String sig = WebhookSignature.sign(store.secretOf(sub), ts, body.getBytes());
        String previous = store.previousSecretOf(sub, sentAt);
        if (previous != null) sig += ", " + WebhookSignature.sign(previous, ts, body.getBytes()); // rotation overlap
        return new Object[] {body, sig};
      }, false);
    }).compose(x -> {
      count("vms.webhook.attempts", d.tenant);
      ep.attempts.incrementAndGet();
      Buffer body = (Buffer) x[0];
      return web.postAbs(d.url).timeout(s.requestTimeout().toMillis()).putHeader("content-type", "application/json")
          .putHeader(WebhookSignature.HEADER_TIMESTAMP, Long.toString(ts)).putHeader(WebhookSignature.HEADER_SIGNATURE, (String) x[1])
          .putHeader(WebhookSignature.HEADER_DELIVERY, d.id).sendBuffer(body);
    }).onComplete(ar -> onCtx(() -> {
      ep.inFlight--;
      long ms = (System.nanoTime() - started) / 1_000_000;
      if (ar.failed() && ar.cause() instanceof GoneLocally g) {
        ep.pending.remove(d.id);
        log(d, null, "dropped", g.getMessage(), ms);
      } else if (ar.succeeded()) {
        onResponse(ep, d, ar.result(), ms);
      } else {
        onFailure(ep, d, null, ar.cause().toString(), ms, 0);
      }
      pump(ep);
    }));
  }

  private static final class GoneLocally extends RuntimeException {
    GoneLocally(String m) {
      super(m, null, false, false);
    }
  }

  private void onResponse(Endpoint ep, Delivery d, HttpResponse<Buffer> r, long ms) {
    int st = r.statusCode();
    d.lastStatus = st;
    if (st >= 200 && st < 300) {
      ep.breaker.success();
      ep.pending.remove(d.id);
      count("vms.webhook.delivered", d.tenant);
      log(d, st, "delivered", null, ms);
      if (d.fromDeadLetter) {
        store.markDeadLetter(d.tenant, d.id, new JsonObject().put("state", "redelivered").put("redeliveredAt", Instant.now().toString()))
            .onFailure(e -> count("vms.webhook.log.failures", d.tenant));
      }
      return;
    }
    if (st == 408 || st == 429 || st >= 500) {
      onFailure(ep, d, st, "HTTP " + st, ms, retryAfterMillis(r.getHeader("Retry-After")));
      return;
    }
    ep.breaker.success(); // the endpoint answered: it is up
    ep.pending.remove(d.id);
    if (st == 410) {
      count("vms.webhook.disabled", d.tenant);
      log(d, st, "disabled", "410 Gone: subscription disabled", ms);
      store.update(d.tenant, d.subscriptionId, new JsonObject().put("enabled", false).put("disabledReason", "receiver answered 410 Gone at " + Instant.now()))
          .onFailure(e -> count("vms.webhook.log.failures", d.tenant));
      subs.remove(d.tenant);
      ep.closed = true;
      endpoints.remove(ep.key);
      for (Delivery other : ep.ready) deadLetter(other, "subscription-disabled");
      return;
    }
    log(d, st, "dead", "HTTP " + st + " (not retried)", ms);
    deadLetter(d, "http-" + st);
  }

  /** Retry-After as seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterMillis(String h) {
    if (h == null || h.isBlank()) return 0;
    try {
      return Math.max(0, Long.parseLong(h.trim()) * 1000);
    } catch (NumberFormatException e) {
      try {
        return Math.max(0, java.time.ZonedDateTime.parse(h.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
            - System.currentTimeMillis());
      } catch (RuntimeException e2) {
        return 0;
      }
    }
  }

  private void onFailure(Endpoint ep, Delivery d, Integer status, String error, long ms, long retryAfter) {
    Settings s = settings;
    d.lastStatus = status;
    d.lastError = error;
    if (ep.breaker.failure(System.currentTimeMillis(), s.breakerFailures(), s.breakerOpen().toMillis())) {
      count("vms.webhook.breaker.opened", d.tenant);
      LOG.warn("webhook endpoint {} breaker OPEN for {} ms after: {}", ep.key, s.breakerOpen().toMillis(), error);
    }
    if (d.attempt - d.firstAttempt + 1 >= s.maxAttempts()) {
      ep.pending.remove(d.id);
      log(d, status, "dead", error + " (attempts exhausted)", ms);
      deadLetter(d, "max-attempts");
      return;
    }
    long delay = Math.max(s.backoffMillis(d.attempt + 1, ThreadLocalRandom.current().nextDouble()), Math.min(retryAfter, s.maxRetryAfter().toMillis()));
    log(d, status, "retry", error, ms).put("retryInMs", delay);
    count("vms.webhook.retries", d.tenant);
    d.attempt++;
    vertx.setTimer(Math.max(1, delay), t -> {
      if (ep.closed) return;
      ep.ready.add(d);
      pump(ep);
    });
  }

  private JsonObject log(Delivery d, Integer status, String outcome, String error, long ms) {
    JsonObject e = d.change.getJsonObject("event");
    JsonObject entry = new JsonObject().put("seq", seq.incrementAndGet()).put("deliveryId", d.id).put("subscriptionId", d.subscriptionId)
        .put("eventId", e == null ? null : e.getString("eventId")).put("action", d.change.getString("action")).put("attempt", d.attempt)
        .put("at", Instant.now().toString()).put("status", status).put("outcome", outcome).put("error", error).put("durationMs", ms);
    store.log(d.tenant, entry).onFailure(x -> {
      count("vms.webhook.log.failures", d.tenant);
      LOG.warn("webhook delivery log write failed: {}", x.getMessage());
    });
    if (entry.getLong("seq") % 20 == 0) {
      store.trim(d.tenant, d.subscriptionId, settings.logKeep()).onFailure(x -> count("vms.webhook.log.failures", d.tenant));
    }
    return entry;
  }

  private void deadLetter(Delivery d, String reason) {
    count("vms.webhook.dead", d.tenant);
    Instant now = Instant.now();
    store.deadLetter(d.tenant, new JsonObject().put("id", d.id).put("deliveryId", d.id).put("subscriptionId", d.subscriptionId).put("url", d.url)
        .put("reason", reason).put("attempts", d.attempt).put("lastStatus", d.lastStatus).put("lastError", d.lastError)
        .put("state", "dead").put("at", now.toString()).put("atMs", now.toEpochMilli()).put("change", d.change))
        .onFailure(x -> {
          count("vms.webhook.log.failures", d.tenant);
          LOG.error("webhook dead letter {} of {} not stored: {}", d.id, d.tenant, x.getMessage());
        });
  }

  /** Snapshot for tests and diagnostics: endpoint key → {pending, inFlight, breaker}. */
  public Future<JsonObject> snapshot() {
    io.vertx.core.Promise<JsonObject> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      JsonObject o = new JsonObject();
      for (Map.Entry<String, Endpoint> e : endpoints.entrySet()) {
        o.put(e.getKey(), new JsonObject().put("pending", e.getValue().pending.size()).put("inFlight", e.getValue().inFlight)
            .put("attempts", e.getValue().attempts.get())
            .put("breaker", e.getValue().breaker.state().name()).put("opened", e.getValue().breaker.opened()));
      }
      p.complete(o);
    });
    return p.future();
  }
}
