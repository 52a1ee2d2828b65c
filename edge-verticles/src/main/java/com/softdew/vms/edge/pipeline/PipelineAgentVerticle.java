package com.softdew.vms.edge.pipeline;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the camera pipelines a {@link PipelineAssignerVerticle} assigns to this node (roles edge and
 * all). It announces itself on {@link Addresses#PIPELINE_AGENT_HEARTBEAT} every heartbeat {nodeId,
 * capacity (start-up key {@code pipeline.maxCameras}), running cameras, last epoch seen}, answers a roll
 * call at once, and on stop announces {@code leaving: true} so its cameras move without waiting for
 * missed heartbeats.
 *
 * <p>An assignment ({@link Addresses#pipelineAgentAssign(String)}) is the node's full list of camera
 * specs with the assigner's epoch (lease term) and sequence number: a message from an older epoch, or
 * older than the last applied one, is refused as stale (a deposed assigner cannot undo its successor's
 * work). The agent starts the pipelines it does not run, stops those no longer listed, restarts those
 * whose spec changed, then replies with what runs. At most one assignment is applied at a time and at
 * most one waits (the newest; a superseded one is answered at once): bounded. Blocking starts and
 * stops run on worker threads, never on the event loop.
 *
 * <p>Node id: the Vert.x cluster node id when clustered (so the assigner can map Hazelcast member
 * departures to agents), else a random UUID. Metric: gauge {@code vms.pipeline.cameras{node}}.
 */
public final class PipelineAgentVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineAgentVerticle.class);

  /**
   * @param capacity  cameras this node runs at most (pipeline.maxCameras)
   * @param hwDecode  ingest.hwDecode of this node
   * @param heartbeat heartbeat period (the assigner declares the agent dead after 3 missed)
   */
  public record Settings(int capacity, String hwDecode, Duration heartbeat) {
    public static Settings of(int capacity, String hwDecode) {
      return new Settings(capacity, hwDecode, PipelineAssignerVerticle.Settings.defaults().heartbeat());
    }
  }

  private final Stores stores;
  private final Path dataDir;
  private final Settings settings;
  private final MeterRegistry registry;
  private final Map<String, CameraPipeline> running = new ConcurrentHashMap<>();
  private final Map<String, String> signature = new ConcurrentHashMap<>();
  private String nodeId;
  private JobDispatcher dispatcher;
  private JobDispatcher ownDispatcher;
  private SegmentStore segments;
  private long epoch = -1;
  private long seq = -1;
  private boolean applying;
  private Message<JsonObject> waiting;
  private MessageConsumer<JsonObject> assignConsumer;
  private long timer = -1;
  private volatile boolean stopped;

  public PipelineAgentVerticle(Stores stores, Path dataDir, Settings settings, MeterRegistry registry) {
    this.stores = stores;
    this.dataDir = dataDir;
    this.settings = settings;
    this.registry = registry;
  }

  /** Uses an existing dispatcher (not closed by this verticle) instead of creating one. */
  public PipelineAgentVerticle withDispatcher(JobDispatcher d) {
    this.dispatcher = d;
    return this;
  }

  @Override
  public Future<?> start() {
    var cm = ((VertxInternal) vertx).clusterManager();
    nodeId = cm != null ? cm.getNodeId() : UUID.randomUUID().toString();
    segments = new SegmentStore(dataDir);
    Future<JobDispatcher> d = dispatcher != null ? Future.succeededFuture(dispatcher)
        : JobDispatcher.create(vertx, stores, segments, JobDispatcher.Options.defaults(), registry).onSuccess(x -> ownDispatcher = x);
    return d.compose(x -> {
      dispatcher = x;
      if (registry != null) {
        Gauge.builder("vms.pipeline.cameras", running, Map::size).description("camera pipelines running on this node").tag("node", nodeId)
            .register(registry);
      }
      assignConsumer = vertx.eventBus().consumer(Addresses.pipelineAgentAssign(nodeId), this::onAssign);
      vertx.eventBus().consumer(Addresses.PIPELINE_AGENT_ROLLCALL, m -> heartbeat(false));
      return assignConsumer.completion();
    }).onSuccess(v -> {
      timer = vertx.setPeriodic(settings.heartbeat().toMillis(), id -> heartbeat(false));
      heartbeat(false);
      LOG.info("pipeline agent {} up: capacity {} cameras, hwDecode {}", nodeId, settings.capacity(), settings.hwDecode());
    });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    heartbeat(true);
    stopped = true;
    List<CameraPipeline> all = List.copyOf(running.values());
    running.clear();
    signature.clear();
    List<Future<Void>> closing = new ArrayList<>();
    for (CameraPipeline p : all) { // in parallel: a close waits for the ingest thread and flushes the writer
      closing.add(vertx.executeBlocking(() -> {
        p.close();
        return (Void) null;
      }, false));
    }
    return Future.join(closing).transform(v -> ownDispatcher == null ? Future.succeededFuture() : ownDispatcher.close());
  }

  public String nodeId() {
    return nodeId;
  }

  /** tenant/camera of the pipelines running here. */
  public Set<String> runningCameras() {
    return Set.copyOf(running.keySet());
  }

  /** The running pipeline of a camera, or null. */
  public CameraPipeline pipeline(String key) {
    return running.get(key);
  }

  private void heartbeat(boolean leaving) {
    if (stopped) return;
    vertx.eventBus().publish(Addresses.PIPELINE_AGENT_HEARTBEAT, new JsonObject().put("nodeId", nodeId)
        .put("capacity", leaving ? 0 : settings.capacity()).put("running", new JsonArray(new ArrayList<>(new TreeSet<>(running.keySet()))))
        .put("epoch", epoch).put("leaving", leaving).put("at", Instant.now().toString()));
  }

  private void onAssign(Message<JsonObject> m) {
    if (stopped) {
      m.fail(503, "agent stopping");
      return;
    }
    JsonObject b = m.body();
    long e = b.getLong("epoch", 0L);
    long s = b.getLong("seq", 0L);
    if (e < epoch || (e == epoch && s <= seq)) {
      m.fail(409, "stale assignment (epoch " + e + " seq " + s + ", applied " + epoch + "/" + seq + ")");
      return;
    }
    if (applying) {
      if (waiting != null) waiting.reply(reply().put("superseded", true));
      waiting = m;
      return;
    }
    apply(m);
  }

  private void apply(Message<JsonObject> m) {
    applying = true;
    JsonObject b = m.body();
    epoch = b.getLong("epoch", 0L);
    seq = b.getLong("seq", 0L);
    Map<String, CameraPipeline.Spec> wanted = new LinkedHashMap<>();
    JsonArray cams = b.getJsonArray("cameras", new JsonArray());
    for (int i = 0; i < cams.size(); i++) {
      CameraPipeline.Spec spec = CameraPipeline.Spec.fromJson(cams.getJsonObject(i), settings.hwDecode());
      if (wanted.size() >= settings.capacity()) {
        LOG.warn("agent {}: assignment of {} cameras exceeds capacity {}; {} not started", nodeId, cams.size(), settings.capacity(), spec.key());
        continue;
      }
      wanted.put(spec.key(), spec);
    }
    List<Future<Void>> steps = new ArrayList<>();
    for (String key : List.copyOf(running.keySet())) {
      CameraPipeline.Spec want = wanted.get(key);
      if (want == null || !want.toJson().encode().equals(signature.get(key))) {
        CameraPipeline p = running.remove(key);
        signature.remove(key);
        steps.add(vertx.executeBlocking(() -> {
          p.close();
          return (Void) null;
        }, false).onSuccess(v -> LOG.info("agent {}: pipeline of {} stopped{}", nodeId, key, want == null ? "" : " (spec changed)")));
      }
    }
    Future<Void> closing = Future.join(steps).mapEmpty();
    closing.transform(x -> {
      List<Future<Void>> starts = new ArrayList<>();
      for (CameraPipeline.Spec spec : wanted.values()) {
        if (running.containsKey(spec.key())) continue;
        String sig = spec.toJson().encode();
        starts.add(CameraPipeline.start(vertx, segments, dispatcher, spec, registry).compose(p -> {
          if (stopped) { // stopped while it started: do not leave it behind
            return vertx.executeBlocking(() -> {
              p.close();
              return (Void) null;
            }, false);
          }
          running.put(spec.key(), p);
          signature.put(spec.key(), sig);
          LOG.info("agent {}: pipeline of {} started (epoch {}): models {}, {} s segments, {} s overlap", nodeId, spec.key(), epoch,
              spec.enabledModels().keySet(), spec.segmentLengthSeconds(), spec.overlapSeconds());
          return Future.<Void>succeededFuture();
        }).recover(err -> {
          LOG.warn("agent {}: pipeline of {} not started: {}", nodeId, spec.key(), err.getMessage());
          return Future.succeededFuture();
        }));
      }
      return Future.join(starts);
    }).onComplete(ar -> {
      if (stopped) {
        m.fail(503, "agent stopping");
        if (waiting != null) waiting.fail(503, "agent stopping");
        waiting = null;
        applying = false;
        return;
      }
      m.reply(reply());
      heartbeat(false);
      applying = false;
      Message<JsonObject> next = waiting;
      waiting = null;
      if (next != null) apply(next);
    });
  }

  private JsonObject reply() {
    return new JsonObject().put("nodeId", nodeId).put("epoch", epoch).put("seq", seq)
        .put("running", new JsonArray(new ArrayList<>(new TreeSet<>(running.keySet()))));
  }
}
