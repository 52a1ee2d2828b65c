package com.softdew.vms.edge.ai.worker;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.perception.Perceptions;
import com.softdew.vms.edge.ai.runtime.GpuManager;
import com.softdew.vms.edge.ai.runtime.OnnxSessions;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.sched.BatchScheduler;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI workers of a node (role {@code worker}, and {@code all}): one {@link ModelHost} (models loaded
 * and initialised once), one host-wide {@link DecodeCache} on the "vms-ai-decode" pool, one
 * {@link BatchScheduler} for the device, and one {@link ModelWorkerVerticle} per selected model
 * ({@code ai.models}, all models on the class path when empty). Undeploying it stops the consumers first
 * (children), then closes the scheduler threads, the decoded frames, the sessions and the models.
 *
 * <p>Start-up keys: {@code ai.models}, {@code ai.threads}, {@code ai.batch.maxSize}, {@code ai.batch.maxDelayMs},
 * {@code ai.queue.capacity}, {@code ai.scheduler.agingMs}, {@code ai.decodeCache.segments}, {@code data.dir}
 * (claim-check segments); every {@code ai.*} key reaches the models as {@link ModelEnvironment#settings()}.
 */
public final class AiWorkersVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AiWorkersVerticle.class);
  /** Sessions (tenant, camera, model) kept per host. */
  public static final int MAX_SESSIONS = 1024;
  /** Threads of the "vms-ai-decode" pool. */
  public static final int DECODE_THREADS = 2;

  private final VmsConfig cfg;
  private final Stores stores;
  private final String nodeId;
  private final MeterRegistry registry;
  private final Function<ModelEnvironment, Perception> perception;
  private InferenceDevice device;
  private GpuManager gpu;
  private ModelWorkerVerticle.Options workerOptions = ModelWorkerVerticle.Options.defaults();

  private WorkerExecutor decodePool;
  private DecodeCache cache;
  private ModelHost host;
  private BatchScheduler<ModelWorkerVerticle.Work> scheduler;
  private final List<ModelWorkerVerticle> workers = new ArrayList<>();

  /**
   * @param perception the shared perception's factory, null = {@link Perceptions#create} (detector per ai.detector.kind)
   * @param device     where inference runs, null = the GPU manager's choice (probed at start; the CPU with
   *                   the reason logged when no GPU is usable)
   */
  public AiWorkersVerticle(VmsConfig cfg, Stores stores, String nodeId, MeterRegistry registry,
      Function<ModelEnvironment, Perception> perception, InferenceDevice device) {
    this.cfg = cfg;
    this.stores = stores;
    this.nodeId = nodeId;
    this.registry = registry;
    this.perception = perception == null ? Perceptions::create : perception;
    this.device = device;
  }

  /** Overrides the model workers' settings (tests: consumer client settings). Call before deploying. */
  public AiWorkersVerticle withWorkerOptions(ModelWorkerVerticle.Options o) {
    this.workerOptions = o;
    return this;
  }

  /** The ai.* start-up keys, flat, without the prefix. */
  public static JsonObject aiSettings(VmsConfig cfg) {
    JsonObject s = new JsonObject();
    for (Map.Entry<String, Object> e : cfg.values().entrySet()) {
      if (e.getKey().startsWith("ai.")) {
        Object v = e.getValue();
        s.put(e.getKey().substring(3), v instanceof List<?> l ? new io.vertx.core.json.JsonArray(new ArrayList<>(l)) : v);
      }
    }
    return s;
  }

  @Override
  public Future<?> start() {
    if (device != null) return startOn();
    return vertx.executeBlocking(() -> {
      gpu = GpuManager.probe(aiSettings(cfg), registry);
      OnnxSessions.install(gpu, registry);
      return gpu.preferred();
    }, false).compose(d -> {
      device = d;
      return startOn();
    });
  }

  /** The GPU manager probed at start, or null when the device was given. */
  public GpuManager gpu() { return gpu; }

  private Future<?> startOn() {
    decodePool = vertx.createSharedWorkerExecutor("vms-ai-decode", DECODE_THREADS);
    Path dataDir = Path.of(cfg.string("data.dir"));
    cache = new DecodeCache(new SegmentDecoder(new SegmentStore(dataDir)), decodePool, cfg.integer("ai.decodeCache.segments"), registry);
    host = new ModelHost(vertx, aiSettings(cfg), cfg.list("ai.models"), dataDir, perception, device, MAX_SESSIONS, registry);
    int queue = cfg.integer("ai.queue.capacity");
    scheduler = new BatchScheduler<>("vms-ai-" + device.kind() + (device.isGpu() ? device.ordinal() : ""),
        new BatchScheduler.Options(cfg.integer("ai.threads"), cfg.integer("ai.batch.maxSize"), cfg.integer("ai.batch.maxDelayMs"), queue,
            cfg.integer("ai.scheduler.agingMs")), registry);
    vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, m -> host.forgetConfigs());
    ModelWorkerVerticle.Options wo = new ModelWorkerVerticle.Options(Math.max(workerOptions.maxInFlight(), 1),
        workerOptions.commitIntervalMs(), workerOptions.consumerOverrides());
    return host.start().compose(h -> {
      List<Future<?>> deploys = new ArrayList<>();
      for (AnalyticsModel m : h.models()) {
        ModelWorkerVerticle w = new ModelWorkerVerticle(m.id(), h, cache, scheduler, stores, nodeId, wo, registry);
        workers.add(w);
        deploys.add(vertx.deployVerticle(w));
      }
      if (workers.isEmpty()) LOG.warn("AI workers: no model to run (ai.models {} and none on the class path)", cfg.list("ai.models"));
      return Future.all(deploys);
    }).recover(e -> stop().transform(ar -> Future.failedFuture(e))) // a failed start is not stopped by Vert.x: free threads and pools here
        .onSuccess(v -> LOG.info("AI workers: models {} on {} (scheduler threads {}, batch {}, decode cache {} segments)",
        workers.stream().map(ModelWorkerVerticle::model).toList(), device.name(), cfg.integer("ai.threads"), cfg.integer("ai.batch.maxSize"),
        cfg.integer("ai.decodeCache.segments")));
  }

  public ModelHost host() { return host; }
  public DecodeCache decodeCache() { return cache; }
  public BatchScheduler<ModelWorkerVerticle.Work> scheduler() { return scheduler; }
  public List<ModelWorkerVerticle> workers() { return List.copyOf(workers); }

  @Override
  public Future<?> stop() {
    // children (the model workers) are undeployed by Vert.x before this runs
    return vertx.executeBlocking(() -> {
      if (scheduler != null) scheduler.close();
      if (cache != null) cache.close();
      if (host != null) host.close();
      return null;
    }, false).compose(v -> decodePool == null ? Future.succeededFuture() : decodePool.close())
        .onComplete(ar -> LOG.info("AI workers stopped"));
  }
}
