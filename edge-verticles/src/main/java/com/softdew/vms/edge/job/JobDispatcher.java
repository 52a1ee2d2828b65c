package com.softdew.vms.edge.job;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.model.VideoJob.SourceQuality;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each closed segment into the seed's {@link VideoJob}s and produces them to the priority topics.
 *
 * <p><b>Routing.</b> The enabled models of the camera are grouped by their (configured) priority; one
 * job per priority class goes to {@link Addresses#videoJobTopic(Priority)} carrying only that class's
 * models, highest class first. MEDIUM and STANDARD share the standard topic but stay separate jobs,
 * so the scheduler there can still age MEDIUM ahead of STANDARD. Key = cameraId (per-camera order).
 *
 * <p><b>Payload.</b> JSON of {@link VideoJob#toJson()}. A segment up to {@code inlineMaxBytes} travels
 * inline (base64, so the record is ~4/3 of it); a larger one as a claim check
 * {@code vms-segment://tenant/camera/day/seq.mp4} resolved by {@link SegmentStore#resolve}. The
 * producer's {@code max.request.size} and the job topics' {@code max.message.bytes} are set to
 * {@link #maxRecordBytes(int)} so an inline job always fits.
 *
 * <p><b>Reliability.</b> Idempotent producer, acks=all ({@link KafkaClients#producer}); the client
 * retries until {@code delivery.timeout.ms}, so a broker outage shorter than that loses nothing. When
 * a send still fails with a retriable error (the broker stayed away longer, or the topic's metadata
 * could not be fetched), the segment goes back to the head of the queue and its unacknowledged jobs
 * are sent again after {@code retryDelayMs}, <b>with the same jobIds</b> (a consumer drops
 * duplicates by jobId), up to {@code sendAttempts} sends in all (counted {@code vms.jobs.retried}).
 * At most {@code maxInFlight} segments are being sent; up to {@code maxPending} more wait (retries
 * included); beyond that a new segment is refused. A refused segment, or one that failed every
 * attempt or with a non-retriable error, is counted ({@code vms.jobs.failed{reason}}) and logged with
 * its path; its file stays in the segment store.
 */
public final class JobDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(JobDispatcher.class);
  /** The three job topics (MEDIUM shares the standard one). */
  public static final List<String> TOPICS = List.of(Addresses.TOPIC_VIDEO_JOBS_CRITICAL, Addresses.TOPIC_VIDEO_JOBS_HIGH,
      Addresses.TOPIC_VIDEO_JOBS_STANDARD);

  /**
   * Settings.
   *
   * @param inlineMaxBytes    largest segment sent inline (default 1 MiB); larger ones go as a claim check
   * @param maxInFlight       segments being sent at once
   * @param maxPending        segments waiting for an in-flight slot before new ones are refused
   * @param deliveryTimeoutMs how long the Kafka client retries a job (outage it survives)
   * @param partitions        partitions of a job topic it creates
   */
  public record Options(int inlineMaxBytes, int maxInFlight, int maxPending, int deliveryTimeoutMs, int partitions, int sendAttempts,
      int retryDelayMs) {
    public Options(int inlineMaxBytes, int maxInFlight, int maxPending, int deliveryTimeoutMs, int partitions) {
      this(inlineMaxBytes, maxInFlight, maxPending, deliveryTimeoutMs, partitions, 10, 1000);
    }

    public Options {
      if (sendAttempts < 1 || retryDelayMs < 0) throw new IllegalArgumentException("sendAttempts >= 1 and retryDelayMs >= 0");
      if (inlineMaxBytes < 0 || inlineMaxBytes > 64 * 1024 * 1024) throw new IllegalArgumentException("inlineMaxBytes must be 0-64 MiB");
      if (maxInFlight < 1 || maxPending < 0) throw new IllegalArgumentException("maxInFlight >= 1 and maxPending >= 0");
      if (deliveryTimeoutMs < 10_000) throw new IllegalArgumentException("deliveryTimeoutMs must be >= 10000");
      if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
    }

    public static Options defaults() {
      return new Options(1024 * 1024, 32, 256, 120_000, 3);
    }

    public Options withInlineMaxBytes(int b) {
      return new Options(b, maxInFlight, maxPending, deliveryTimeoutMs, partitions, sendAttempts, retryDelayMs);
    }

    /** How long the Kafka client itself retries one send, and how many sends (with the same jobIds) a segment gets. */
    public Options withRetries(int deliveryTimeoutMs, int sendAttempts, int retryDelayMs) {
      return new Options(inlineMaxBytes, maxInFlight, maxPending, deliveryTimeoutMs, partitions, sendAttempts, retryDelayMs);
    }
  }

  /**
   * What the jobs of a camera carry besides the segment.
   *
   * @param enabledModels enabled model id → its configured priority
   * @param source        what the camera stream delivers (before normalisation)
   */
  public record CameraProfile(UUID customerId, UUID cameraId, Map<String, Priority> enabledModels, SourceQuality source) {
    public CameraProfile {
      Objects.requireNonNull(customerId, "customerId");
      Objects.requireNonNull(cameraId, "cameraId");
      Objects.requireNonNull(source, "source");
      enabledModels = Map.copyOf(enabledModels);
    }

    /** Each enabled model with its seed priority. */
    public static CameraProfile withDefaultPriorities(UUID customerId, UUID cameraId, Collection<String> models, SourceQuality source) {
      Map<String, Priority> m = new HashMap<>();
      for (String id : models) m.put(id, ModelRequirements.of(id).priority());
      return new CameraProfile(customerId, cameraId, m, source);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final KafkaProducer<String, Buffer> producer;
  private final SegmentStore store;
  private final Options opt;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Timer latency;
  private final Counter sentJobs;
  private final Counter inlineJobs;
  private final Counter claimJobs;
  private final Counter failed;
  private final Counter refused;
  private final Counter gaveUp;
  private final Counter retried;
  private int retrying;

  /** A segment to send; its jobIds are fixed at the first attempt and kept across retries. */
  private static final class Pending {
    final SegmentInfo segment;
    final CameraProfile profile;
    final Promise<List<VideoJob>> promise;
    final Map<Priority, UUID> ids = new EnumMap<>(Priority.class);
    final Map<Priority, VideoJob> acked = new EnumMap<>(Priority.class);
    int attempts;

    Pending(SegmentInfo segment, CameraProfile profile, Promise<List<VideoJob>> promise) {
      this.segment = segment;
      this.profile = profile;
      this.promise = promise;
    }

    SegmentInfo segment() {
      return segment;
    }

    CameraProfile profile() {
      return profile;
    }

    Promise<List<VideoJob>> promise() {
      return promise;
    }
  }

  private JobDispatcher(Vertx vertx, Context context, KafkaProducer<String, Buffer> producer, SegmentStore store, Options opt,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.context = context;
    this.producer = producer;
    this.store = store;
    this.opt = opt;
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    this.latency = Timer.builder("vms.jobs.latency").description("segment closed → every job of it acknowledged by Kafka")
        .publishPercentiles(0.5, 0.95, 0.99).register(r);
    this.sentJobs = r.counter("vms.jobs.sent");
    this.inlineJobs = r.counter("vms.jobs.payload", "kind", "inline");
    this.claimJobs = r.counter("vms.jobs.payload", "kind", "claim-check");
    this.failed = r.counter("vms.jobs.failed", "reason", "send");
    this.refused = r.counter("vms.jobs.failed", "reason", "queue-full");
    this.gaveUp = r.counter("vms.jobs.failed", "reason", "attempts");
    this.retried = r.counter("vms.jobs.retried");
    Gauge.builder("vms.jobs.inflight", inFlight, AtomicInteger::get).register(r);
    Gauge.builder("vms.jobs.pending", pending, ArrayDeque::size).register(r);
  }

  /** Largest job record for an inline limit: base64 of the segment plus room for the JSON around it. */
  public static int maxRecordBytes(int inlineMaxBytes) {
    return (int) Math.min(Integer.MAX_VALUE, 4L * ((inlineMaxBytes + 2) / 3) + 64 * 1024);
  }

  /**
   * Creates the job topics (or raises their {@code max.message.bytes}) and the producer. Call it on the
   * context the dispatcher should run on (a verticle's).
   */
  public static Future<JobDispatcher> create(Vertx vertx, Stores stores, SegmentStore store, Options options, MeterRegistry registry) {
    Context ctx = vertx.getOrCreateContext();
    int maxRecord = maxRecordBytes(options.inlineMaxBytes());
    return vertx.executeBlocking(() -> {
      ensureTopics(stores.kafkaConfig(), options.partitions(), maxRecord);
      return null;
    }, false).map(v -> {
      Map<String, String> c = new HashMap<>();
      c.put("max.request.size", Integer.toString(maxRecord));
      c.put("delivery.timeout.ms", Integer.toString(options.deliveryTimeoutMs()));
      // the client requires delivery.timeout.ms >= linger.ms + request.timeout.ms (default 30 s)
      c.put("request.timeout.ms", Integer.toString(Math.min(30_000, options.deliveryTimeoutMs() / 2)));
      c.put("max.in.flight.requests.per.connection", "5"); // idempotence keeps order up to 5
      KafkaProducer<String, Buffer> p = KafkaClients.producer(vertx, stores, "vms-jobs-" + UUID.randomUUID(), c, registry);
      return new JobDispatcher(vertx, ctx, p, store, options, registry);
    });
  }

  /** Creates missing job topics with {@code max.message.bytes >= maxRecord}; raises it on existing ones. Blocking. */
  static void ensureTopics(Map<String, String> kafkaConfig, int partitions, int maxRecord) throws Exception {
    Map<String, Object> ac = new HashMap<>(kafkaConfig);
    try (Admin admin = Admin.create(ac)) {
      Map<String, String> cfg = Map.of("max.message.bytes", Integer.toString(maxRecord));
      for (String t : TOPICS) {
        try {
          admin.createTopics(List.of(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(cfg))).all().get(30, TimeUnit.SECONDS);
          LOG.info("kafka: created topic {} ({} partitions, max.message.bytes {})", t, partitions, maxRecord);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
          ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, t);
          Config current = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
          ConfigEntry e0 = current.get("max.message.bytes");
          if (e0 == null || e0.value() == null || Long.parseLong(e0.value()) < maxRecord) {
            admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(
                new ConfigEntry("max.message.bytes", Integer.toString(maxRecord)), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            LOG.info("kafka: raised max.message.bytes of {} to {}", t, maxRecord);
          }
        }
      }
    }
  }

  /**
   * Sends the jobs of a closed segment; completes with them once Kafka acknowledged all, fails when
   * it refused them after the retries (or the dispatcher is saturated). Any thread may call it.
   */
  public Future<List<VideoJob>> dispatch(SegmentInfo segment, CameraProfile profile) {
    Promise<List<VideoJob>> promise = Promise.promise();
    context.runOnContext(v -> {
      if (profile.enabledModels().isEmpty()) {
        promise.complete(List.of());
        return;
      }
      if (pending.size() + retrying >= opt.maxPending() && inFlight.get() >= opt.maxInFlight()) {
        refused.increment();
        LOG.warn("[{}] segment {} not dispatched: {} in flight and {} waiting; kept at {}", segment.cameraId(), segment.seq(),
            inFlight.get(), pending.size(), segment.path());
        promise.fail(new IllegalStateException("job dispatcher saturated"));
        return;
      }
      pending.addLast(new Pending(segment, profile, promise));
      pump();
    });
    return promise.future();
  }

  private void pump() {
    while (inFlight.get() < opt.maxInFlight() && !pending.isEmpty()) {
      Pending p = pending.pollFirst();
      inFlight.incrementAndGet();
      p.attempts++;
      send(p)
          .onComplete(ar -> {
            inFlight.decrementAndGet();
            if (ar.succeeded()) {
              latency.record(Duration.between(p.segment().closedAt(), Instant.now()));
              if (p.attempts > 1) {
                LOG.info("[{}] jobs of segment {} delivered at attempt {}", p.segment().cameraId(), p.segment().seq(), p.attempts);
              }
              p.promise().complete(ar.result());
            } else if (retriable(ar.cause()) && p.attempts < opt.sendAttempts()) {
              retried.increment();
              retrying++;
              LOG.warn("[{}] jobs of segment {} not acknowledged (attempt {} of {}): {}; sent again in {} ms with the same jobIds",
                  p.segment().cameraId(), p.segment().seq(), p.attempts, opt.sendAttempts(), ar.cause().toString(), opt.retryDelayMs());
              vertx.setTimer(Math.max(1, opt.retryDelayMs()), t -> {
                retrying--;
                pending.addFirst(p); // ahead of newer segments: per-camera order
                pump();
              });
            } else {
              (p.attempts >= opt.sendAttempts() ? gaveUp : failed).increment();
              LOG.error("[{}] jobs of segment {} not delivered after {} attempt(s); segment kept at {}: {}", p.segment().cameraId(),
                  p.segment().seq(), p.attempts, p.segment().path(), ar.cause().toString());
              p.promise().fail(ar.cause());
            }
            pump();
          });
    }
  }

  /** A send failure worth another attempt: the Kafka client's retriable errors (timeouts, broker not available...). */
  static boolean retriable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof org.apache.kafka.common.errors.RetriableException) return true;
      if (c instanceof org.apache.kafka.common.KafkaException) return false;
    }
    return false;
  }

  private Future<List<VideoJob>> send(Pending p) {
    SegmentInfo seg = p.segment;
    CameraProfile profile = p.profile;
    boolean inline = seg.bytes() >= 0 && seg.bytes() <= opt.inlineMaxBytes();
    Future<byte[]> payload = inline ? vertx.fileSystem().readFile(seg.path().toString()).map(Buffer::getBytes) : Future.succeededFuture(null);
    return payload.compose(bytes -> {
      String uri = bytes == null ? store.uri(seg.path()).toString() : null;
      List<VideoJob> all = jobs(seg, profile, bytes, uri, p.ids);
      List<VideoJob> jobs = new ArrayList<>();
      for (VideoJob j : all) if (!p.acked.containsKey(j.metadata().priority())) jobs.add(j);
      List<Future<?>> sends = new ArrayList<>();
      for (VideoJob j : jobs) {
        Buffer value = Buffer.buffer(j.toJson().encode());
        KafkaProducerRecord<String, Buffer> rec = KafkaProducerRecord.create(Addresses.videoJobTopic(j.metadata().priority()),
            j.cameraId().toString(), value);
        rec.addHeader("jobId", j.jobId().toString());
        sends.add(producer.send(rec).onSuccess(md -> {
          p.acked.put(j.metadata().priority(), j);
          sentJobs.increment();
          (bytes != null ? inlineJobs : claimJobs).increment();
        }));
      }
      return Future.join(sends).map(cf -> all);
    });
  }

  /** The jobs of one segment: one per priority class of the enabled models, highest first. */
  static List<VideoJob> jobs(SegmentInfo seg, CameraProfile profile, byte[] inline, String uri) {
    return jobs(seg, profile, inline, uri, new EnumMap<>(Priority.class));
  }

  /** As above; {@code ids} keeps the jobId of each priority class (filled on first use), so a resend repeats them. */
  static List<VideoJob> jobs(SegmentInfo seg, CameraProfile profile, byte[] inline, String uri, Map<Priority, UUID> ids) {
    Map<Priority, Set<String>> byPriority = new EnumMap<>(Priority.class);
    profile.enabledModels().forEach((m, p) -> byPriority.computeIfAbsent(p, k -> new TreeSet<>()).add(m));
    double duration = seg.duration().toNanos() / 1e9;
    List<VideoJob> out = new ArrayList<>();
    byPriority.forEach((priority, models) -> out.add(new VideoJob(ids.computeIfAbsent(priority, k -> UUID.randomUUID()), profile.customerId(),
        profile.cameraId(),
        seg.seq(), seg.start(), inline, uri,
        new VideoJob.Metadata(seg.resolution(), seg.bitrate(), duration, seg.frameCount(), List.copyOf(models), priority,
            profile.source()))));
    return out;
  }

  /** Segments being sent now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Flushes and closes the producer (waits for in-flight sends up to the client's close timeout). */
  public Future<Void> close() {
    return producer.flush().recover(e -> Future.succeededFuture()).compose(v -> producer.close(5000));
  }
}
