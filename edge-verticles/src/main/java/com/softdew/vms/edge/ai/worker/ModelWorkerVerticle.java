package com.softdew.vms.edge.ai.worker;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.sched.BatchScheduler;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.model.DetectionResult;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedicated service of one model on a worker host. Consumes the three video-job topics in group
 * {@code vms-model-<id>} (manual commits); a job that does not enable the model is acknowledged without
 * work; the others are decoded once per host ({@link DecodeCache}), given their camera's context
 * ({@link ModelHost#cameraContext}) and offered to the host's {@link BatchScheduler} under the job's
 * priority. The batch handler runs the shared perception (models that use objects) across the batch's
 * cameras, then each camera's session on its jobs in segment order, and produces one
 * {@link DetectionResult} per job to {@link Addresses#TOPIC_DETECTIONS} (key cameraId, acks=all,
 * idempotent). Only then is the job's offset done; the contiguous prefix of done offsets is committed
 * every {@code commitIntervalMs} and when partitions are revoked, so nothing is lost when a worker stops
 * (duplicates after a restart are detectable by jobId).
 *
 * <p><b>Backpressure.</b> At most {@code maxInFlight} jobs are received and unfinished (the consumer is
 * paused beyond, resumed at half); when the scheduler refuses a job its partition is paused and the job
 * parked until the scheduler reports the model's queue drained ({@code vms.ai.backpressure}).
 */
public final class ModelWorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWorkerVerticle.class);
  /** Longest a batch waits for a segment's decode. */
  static final long DECODE_TIMEOUT_S = 120;

  /** Settings of one model worker. */
  public record Options(int maxInFlight, long commitIntervalMs, Map<String, String> consumerOverrides) {
    public Options {
      if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be >= 1");
      if (commitIntervalMs < 10) throw new IllegalArgumentException("commitIntervalMs must be >= 10");
      consumerOverrides = Map.copyOf(consumerOverrides);
    }

    public static Options defaults() {
      return new Options(64, 1000, Map.of());
    }
  }

  /** One job for one model, from receipt to its result. */
  public static final class Work {
    final VideoJob job;
    final TopicPartition tp;
    final long offset;
    final long receivedNanos;
    DecodeCache.Lease lease;
    CameraContext camera;
    long queuedNanos;

    Work(VideoJob job, TopicPartition tp, long offset, long receivedNanos) {
      this.job = job;
      this.tp = tp;
      this.offset = offset;
      this.receivedNanos = receivedNanos;
    }

    public VideoJob job() { return job; }
  }

  private final String model;
  private final ModelHost host;
  private final DecodeCache cache;
  private final BatchScheduler<Work> scheduler;
  private final Stores stores;
  private final String nodeId;
  private final Options opt;
  private final MeterRegistry registry;
  private final OffsetTracker<TopicPartition> tracker = new OffsetTracker<>();
  private final ArrayDeque<Work> parked = new ArrayDeque<>();
  private final Set<TopicPartition> pausedPartitions = new HashSet<>();
  private Context context;
  private KafkaConsumer<String, Buffer> consumer;
  private KafkaProducer<String, Buffer> producer;
  private boolean streamPaused;
  private volatile boolean stopping;
  private long commitTimer = -1;
  private Future<Void> committing = Future.succeededFuture();

  private Counter segments;
  private Counter skipped;
  private Counter invalid;
  private Counter failed;
  private Counter backpressure;
  private Counter recordingTriggers;
  private Timer inference;
  private final Map<Priority, Timer> latency = new HashMap<>();

  public ModelWorkerVerticle(String model, ModelHost host, DecodeCache cache, BatchScheduler<Work> scheduler, Stores stores, String nodeId,
      Options options, MeterRegistry registry) {
    this.model = model;
    this.host = host;
    this.cache = cache;
    this.scheduler = scheduler;
    this.stores = stores;
    this.nodeId = nodeId;
    this.opt = options;
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
  }

  public static String groupId(String model) {
    return "vms-model-" + model;
  }

  public String model() { return model; }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    MeterRegistry r = registry;
    segments = Counter.builder("vms.ai.segments").tag("model", model).description("segments analysed (results produced)").register(r);
    skipped = Counter.builder("vms.ai.jobs.skipped").tag("model", model).description("jobs that do not enable the model").register(r);
    invalid = Counter.builder("vms.ai.jobs.invalid").tag("model", model).register(r);
    failed = Counter.builder("vms.ai.jobs.failed").tag("model", model).description("jobs given up (decode, model or produce failure)").register(r);
    recordingTriggers = Counter.builder("vms.ai.recording.triggers").tag("model", model)
        .description("recording triggers published (one per alarm type per analysed segment)").register(r);
    backpressure = Counter.builder("vms.ai.backpressure").tag("model", model).description("jobs refused by the scheduler (partition paused)").register(r);
    inference = Timer.builder("vms.ai.inference").tag("model", model).description("perception share + session time per segment")
        .publishPercentiles(0.5, 0.99).register(r);
    for (Priority p : Priority.values()) {
      latency.put(p, Timer.builder("vms.ai.latency").tags("model", model, "priority", p.name())
          .description("job received → result acknowledged by Kafka").publishPercentiles(0.5, 0.99).register(r));
    }
    AnalyticsModel m = host.model(model); // fails fast when not loaded
    scheduler.register(model, this::runBatch);
    scheduler.onDrained(model, () -> context.runOnContext(v -> unpark()));
    // creating Kafka clients takes a while (class loading, metrics binding): not on the event loop
    return vertx.executeBlocking(() -> {
      // a name of its own: KafkaClients.producer is a shared producer by name; a redeployed instance must never be
      // handed a producer that an earlier instance is closing
      producer = KafkaClients.producer(vertx, stores, "vms-detections-" + model + "-" + java.util.UUID.randomUUID(), Map.of(), registry);
      consumer = KafkaClients.consumer(vertx, stores, groupId(model), opt.consumerOverrides(), registry);
      return null;
    }, false).compose(v -> subscribe(m));
  }

  private Future<Void> subscribe(AnalyticsModel m) {
    consumer.exceptionHandler(e -> LOG.warn("[{}] consumer: {}", model, e.toString()));
    consumer.partitionsAssignedHandler(tps -> LOG.info("[{}] assigned {}", model, tps));
    consumer.partitionsRevokedHandler(tps -> {
      LOG.info("[{}] revoked {}", model, tps);
      commit();
      for (TopicPartition tp : tps) {
        tracker.forget(tp);
        pausedPartitions.remove(tp);
      }
    });
    consumer.handler(this::onRecord);
    commitTimer = vertx.setPeriodic(opt.commitIntervalMs(), id -> {
      commit();
      if (!parked.isEmpty()) unpark(); // safety net if a drained signal was missed
    });
    LOG.info("[{}] model worker starting (group {}, priority {}, usesObjects {})", model, groupId(model), m.priority(), m.usesObjects());
    return consumer.subscribe(new HashSet<>(JobDispatcher.TOPICS));
  }

  private void onRecord(KafkaConsumerRecord<String, Buffer> rec) {
    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
    long received = System.nanoTime();
    tracker.started(tp, rec.offset());
    if (!streamPaused && tracker.inFlight() >= opt.maxInFlight()) {
      streamPaused = true;
      consumer.pause();
    }
    VideoJob job;
    try {
      job = VideoJob.fromJson(new JsonObject(rec.value()));
    } catch (RuntimeException e) {
      invalid.increment();
      LOG.warn("[{}] {}-{}@{}: not a video job ({}), skipped", model, rec.topic(), rec.partition(), rec.offset(), e.getMessage());
      done(tp, rec.offset());
      return;
    }
    if (!job.metadata().enabledModels().contains(model)) {
      skipped.increment();
      done(tp, rec.offset());
      return;
    }
    Work w = new Work(job, tp, rec.offset(), received);
    int[] size = ModelHost.parseResolution(job.metadata().resolution());
    host.cameraContext(job.customerId().toString(), job.cameraId().toString(), model, job.metadata().sourceQuality().resolution(),
            size == null ? 640 : size[0], size == null ? 480 : size[1])
        .onComplete(cr -> {
          if (cr.failed()) {
            fail(w, "config", cr.cause());
            return;
          }
          w.camera = cr.result();
          offer(w);
        });
  }

  private void offer(Work w) {
    if (stopping) {
      release(w);
      return;
    }
    if (!parked.isEmpty() || !scheduler.offer(model, w.job.metadata().priority(), w)) {
      if (parked.isEmpty()) backpressure.increment();
      parked.addLast(w);
      if (pausedPartitions.add(w.tp)) consumer.pause(Set.of(w.tp));
    }
  }

  private void unpark() {
    while (!parked.isEmpty() && !stopping) {
      Work w = parked.peekFirst();
      if (!scheduler.offer(model, w.job.metadata().priority(), w)) {
        backpressure.increment();
        return;
      }
      parked.pollFirst();
    }
    if (parked.isEmpty() && !pausedPartitions.isEmpty() && !stopping) {
      consumer.resume(new HashSet<>(pausedPartitions));
      pausedPartitions.clear();
    }
  }

  private void done(TopicPartition tp, long offset) {
    tracker.done(tp, offset);
    if (streamPaused && tracker.inFlight() <= opt.maxInFlight() / 2 && !stopping) {
      streamPaused = false;
      consumer.resume();
    }
  }

  private void fail(Work w, String stage, Throwable e) {
    failed.increment();
    LOG.error("[{}] job {} (camera {} seq {}) given up at {}: {}", model, w.job.jobId(), w.job.cameraId(), w.job.segmentSequence(), stage,
        e.toString());
    release(w);
    if (!stopping) done(w.tp, w.offset);
  }

  private static void release(Work w) {
    if (w.lease != null) w.lease.close();
  }

  /** Commits the contiguous done prefix of every partition; one commit at a time. */
  private Future<Void> commit() {
    if (consumer == null) return Future.succeededFuture();
    Map<TopicPartition, Long> offs = tracker.toCommit();
    if (offs.isEmpty()) return committing;
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    offs.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o, nodeId)));
    committing = consumer.commit(m).<Void>mapEmpty().onSuccess(v -> tracker.committed(offs)).onFailure(e -> {
      LOG.warn("[{}] commit of {} failed: {} (the jobs after the last commit will be analysed again after a restart)", model, offs,
          e.toString());
    });
    return committing;
  }

  // ----------------------------------------------------------------------- batch (scheduler thread)

  private void runBatch(String modelId, List<BatchScheduler.Item<Work>> batch) {
    AnalyticsModel m = host.model(modelId);
    long start = System.nanoTime();
    if (stopping) return; // not done: analysed again after the restart
    // decode now (shared per host, on the decode pool): queued jobs hold no frames, so memory is bounded by
    // the decode cache plus the batches running, not by the queue depth
    List<Future<DecodeCache.Lease>> leases = new ArrayList<>();
    for (BatchScheduler.Item<Work> it : batch) leases.add(cache.acquire(it.value().job));
    Map<String, List<Work>> byCamera = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      BatchScheduler.Item<Work> it = batch.get(i);
      Work w = it.value();
      w.queuedNanos = it.waitedNanos();
      try {
        w.lease = leases.get(i).toCompletionStage().toCompletableFuture().get(DECODE_TIMEOUT_S, TimeUnit.SECONDS);
      } catch (Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        context.runOnContext(v -> fail(w, "decode", cause));
        continue;
      }
      List<FrameView> frames = w.lease.frames();
      if (frames.isEmpty()) {
        context.runOnContext(v -> fail(w, "decode", new IllegalStateException("segment has no frame")));
        continue;
      }
      FrameView f0 = frames.get(0);
      if (w.camera.geometry().dstW() != f0.width() || w.camera.geometry().dstH() != f0.height()) {
        // metadata said another size than the decoder found: rebuild the context for the real frames
        w.camera = host.cachedContext(w.camera.tenantId(), w.camera.cameraId(), modelId, w.job.metadata().sourceQuality().resolution(),
            f0.width(), f0.height());
      }
      byCamera.computeIfAbsent(w.job.customerId() + "/" + w.job.cameraId(), k -> new ArrayList<>()).add(w);
    }
    byCamera.values().forEach(l -> l.sort(Comparator.comparingLong((Work w) -> w.job.segmentSequence())));
    // the shared perception once over every camera of the batch
    Map<Work, Long> perceptionShare = new HashMap<>();
    if (m.usesObjects() && host.perception() != null) {
      List<Perception.CameraFrames> pf = new ArrayList<>();
      int frames = 0;
      for (List<Work> ws : byCamera.values()) {
        List<FrameView> all = new ArrayList<>();
        for (Work w : ws) all.addAll(w.lease.frames());
        pf.add(new Perception.CameraFrames(ws.get(0).camera, all));
        frames += all.size();
      }
      long t0 = System.nanoTime();
      try {
        host.annotate(m, pf);
      } catch (RuntimeException e) {
        LOG.error("[{}] perception failed on a batch of {} jobs", model, batch.size(), e);
      }
      long ns = System.nanoTime() - t0;
      for (List<Work> ws : byCamera.values()) {
        for (Work w : ws) perceptionShare.put(w, frames == 0 ? 0 : ns * w.lease.frames().size() / frames);
      }
    }
    for (List<Work> ws : byCamera.values()) {
      for (Work w : ws) {
        long t0 = System.nanoTime();
        List<FrameResult> results;
        try {
          results = host.session(w.camera, modelId).analyze(w.lease.frames());
        } catch (RuntimeException e) {
          context.runOnContext(v -> fail(w, "model", e));
          continue;
        }
        long inferNs = System.nanoTime() - t0 + perceptionShare.getOrDefault(w, 0L);
        inference.record(inferNs, TimeUnit.NANOSECONDS);
        publishRecordingTriggers(w, modelId, results);
        JsonArray frames = new JsonArray();
        for (FrameResult fr : results) frames.add(fr.toJson());
        long postStart = System.nanoTime();
        context.runOnContext(v -> produce(w, frames, inferNs, postStart));
      }
    }
    LOG.debug("[{}] batch of {} jobs over {} cameras in {} ms", model, batch.size(), byCamera.size(), (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Recording triggers of one analysed segment ({@link Addresses#RECORDING_TRIGGER}): one message per alarm type, from
   * its first to its last alarm frame (capture times), kind "motion" for the motion model, else "event" with the alarm
   * type as event type. The camera is named by the job's UUIDs (the recorders register those too). Cheap: at most a
   * few messages per segment, none without an alarm.
   */
  public static List<JsonObject> recordingTriggers(String model, String tenantId, String cameraId, List<FrameResult> results) {
    Map<String, long[]> spans = new LinkedHashMap<>();
    for (FrameResult fr : results) {
      for (com.softdew.vms.edge.ai.Alarm a : fr.alarms()) {
        long[] sp = spans.computeIfAbsent(a.type(), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
        sp[0] = Math.min(sp[0], fr.ptsMs());
        sp[1] = Math.max(sp[1], fr.ptsMs());
      }
    }
    List<JsonObject> out = new ArrayList<>();
    spans.forEach((type, sp) -> {
      boolean motion = "motion".equals(model) && "motion".equals(type);
      out.add(com.softdew.vms.edge.record.RecordingTriggers.message(tenantId, cameraId, motion ? "motion" : "event", motion ? "" : type,
          java.time.Instant.ofEpochMilli(sp[0]), java.time.Instant.ofEpochMilli(sp[1])));
    });
    return out;
  }

  private void publishRecordingTriggers(Work w, String modelId, List<FrameResult> results) {
    List<JsonObject> triggers;
    try {
      triggers = recordingTriggers(modelId, w.job.customerId().toString(), w.job.cameraId().toString(), results);
    } catch (RuntimeException e) {
      LOG.warn("[{}] recording triggers of job {} not built: {}", model, w.job.jobId(), e.toString());
      return;
    }
    for (JsonObject t : triggers) {
      vertx.eventBus().publish(Addresses.RECORDING_TRIGGER, t);
      recordingTriggers.increment();
    }
  }

  private void produce(Work w, JsonArray frames, long inferNs, long postStart) {
    VideoJob j = w.job;
    long decodeMs = w.lease.hit() ? 0 : w.lease.decodeMs();
    release(w); // the frames are no longer needed
    if (stopping) return; // not done: analysed again after the restart
    long now = System.nanoTime();
    long segEnd = j.timestamp().toEpochMilli() + Math.round(j.metadata().duration() * 1000);
    DetectionResult.Latency provisional = new DetectionResult.Latency(ms(w.queuedNanos), decodeMs, ms(inferNs),
        ms(now - postStart), ms(now - w.receivedNanos), System.currentTimeMillis() - segEnd);
    DetectionResult r = result(w, frames, provisional);
    KafkaProducerRecord<String, Buffer> rec = KafkaProducerRecord.create(Addresses.TOPIC_DETECTIONS, j.cameraId().toString(),
        Buffer.buffer(r.toJson().encode()));
    rec.addHeader("jobId", j.jobId().toString());
    rec.addHeader("customerId", j.customerId().toString());
    producer.send(rec).onComplete(ar -> {
      if (ar.failed()) {
        fail(w, "produce", ar.cause());
        return;
      }
      long end = System.nanoTime();
      segments.increment();
      latency.get(j.metadata().priority()).record(end - w.receivedNanos, TimeUnit.NANOSECONDS);
      if (LOG.isDebugEnabled()) {
        LOG.debug("[{}] job {} seq {}: {} frames, queue {} ms, decode {} ms, inference {} ms, post {} ms, total {} ms", model, j.jobId(),
            j.segmentSequence(), frames.size(), ms(w.queuedNanos), decodeMs, ms(inferNs), ms(end - postStart), ms(end - w.receivedNanos));
      }
      done(w.tp, w.offset);
    });
  }

  private DetectionResult result(Work w, JsonArray frames, DetectionResult.Latency lat) {
    VideoJob j = w.job;
    return new DetectionResult(j.jobId(), j.customerId(), j.cameraId(), model, j.segmentSequence(), j.timestamp(), j.metadata().priority(),
        frames, lat, nodeId, host.device().isGpu() ? "cuda:" + host.device().ordinal() : host.device().kind());
  }

  private static long ms(long nanos) {
    return Math.max(0, nanos / 1_000_000);
  }

  /** Jobs received and not finished. */
  public int inFlight() {
    return tracker.inFlight();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (commitTimer >= 0) vertx.cancelTimer(commitTimer);
    parked.forEach(ModelWorkerVerticle::release);
    parked.clear();
    Future<Void> c = consumer == null ? Future.succeededFuture() : commit().recover(e -> Future.succeededFuture())
        .compose(v -> consumer.close()).recover(e -> Future.succeededFuture());
    return c.compose(v -> producer == null ? Future.succeededFuture() : producer.flush().recover(e -> Future.succeededFuture())
        .compose(x -> producer.close(5000)).recover(e -> Future.succeededFuture()))
        .onComplete(ar -> LOG.info("[{}] model worker stopped", model));
  }
}
