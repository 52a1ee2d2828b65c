package com.softdew.vms.edge.pipeline;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.softdew.vms.codec.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assigns the wanted camera pipelines to the live {@link PipelineAgentVerticle}s of the cluster.
 *
 * <p><b>One assigner at a time.</b> Every control node runs one; only the holder of the lease acts. The
 * lease is an entry of the cluster-wide async map {@code vms.pipeline} (Hazelcast IMap when clustered):
 * {@code assigner → "id|expiresAtMillis|epoch"}, taken with putIfAbsent, renewed every heartbeat by
 * compare-and-set (replaceIfPresent), taken over by compare-and-set once expired (3 heartbeats), and
 * released on stop (marked expired, not removed, so the epoch keeps rising). Each take-over raises the epoch; agents refuse assignments of an older epoch.
 *
 * <p><b>Liveness.</b> Agents publish heartbeats; one not heard for {@code missedBeats} periods, one that
 * announces it is leaving, or (clustered on Hazelcast) whose cluster member left, is dropped at once and
 * its cameras go to the survivors.
 *
 * <p><b>Placement.</b> {@link Rendezvous} hashing with each agent's capacity; every agent is sent its
 * full list of camera specs whenever that list changes or what it reports running differs (at most one
 * request in flight per agent, retried at the next heartbeat). Cameras that no agent has room for are
 * logged and counted in {@code vms.pipeline.unassigned}.
 *
 * <p>Metrics: {@code vms.pipeline.assigned{node}} (cameras per node), {@code vms.pipeline.reassignments}
 * (cameras moved from one node to another), {@code vms.pipeline.agents}, {@code vms.pipeline.unassigned}.
 */
public final class PipelineAssignerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineAssignerVerticle.class);
  static final String MAP = "vms.pipeline";
  static final String LEASE = "assigner";

  /** Heartbeat period (of agents and of the lease) and how many may be missed before an agent is dead. */
  public record Settings(Duration heartbeat, int missedBeats) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(2), 3);
    }

    Duration deadAfter() {
      return heartbeat.multipliedBy(missedBeats);
    }
  }

  private static final class Agent {
    final String nodeId;
    int capacity;
    Set<String> running = Set.of();
    long lastSeen;
    boolean inFlight;
    String sent; // signature of the last list it acknowledged

    Agent(String nodeId) {
      this.nodeId = nodeId;
    }
  }

  private final Settings settings;
  private final MeterRegistry registry;
  private final String assignerId = UUID.randomUUID().toString();
  private final Map<String, Agent> agents = new ConcurrentHashMap<>();
  private volatile Map<String, JsonObject> wanted = Map.of();
  private volatile Map<String, String> assignment = Map.of();
  private volatile List<String> unplaced = List.of();
  private volatile boolean leader;
  private long epoch;
  private long seq;
  private String leaseValue;
  private long timer = -1;
  private boolean leaseBusy;
  private Counter reassignments;
  private MultiGauge perNode;
  private UUID membershipRegistration;
  private HazelcastClusterManager hazelcast;

  public PipelineAssignerVerticle(Settings settings, MeterRegistry registry) {
    this.settings = settings;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    if (registry != null) {
      reassignments = Counter.builder("vms.pipeline.reassignments").description("cameras moved from one pipeline node to another")
          .register(registry);
      perNode = MultiGauge.builder("vms.pipeline.assigned").description("cameras assigned to each pipeline node").register(registry);
      Gauge.builder("vms.pipeline.agents", agents, Map::size).description("live pipeline agents").register(registry);
      Gauge.builder("vms.pipeline.unassigned", this, a -> a.unplaced.size()).description("wanted cameras no node has room for")
          .register(registry);
    }
    vertx.eventBus().<JsonObject>consumer(Addresses.PIPELINE_AGENT_HEARTBEAT, m -> onHeartbeat(m.body()));
    if (((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hz && hz.getHazelcastInstance() != null) {
      hazelcast = hz;
      membershipRegistration = hz.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          // a new agent announces itself with its first heartbeat
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          Object id = e.getMember().getAttribute("__vertx.nodeId");
          String node = id != null ? id.toString() : e.getMember().getUuid().toString();
          context.runOnContext(v -> drop(node, "left the cluster"));
        }
      });
    }
    timer = vertx.setPeriodic(settings.heartbeat().toMillis(), id -> tick());
    tick();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    if (hazelcast != null && membershipRegistration != null) {
      try {
        hazelcast.getHazelcastInstance().getCluster().removeMembershipListener(membershipRegistration);
      } catch (RuntimeException e) {
        // the instance may be shutting down
      }
    }
    if (!leader || leaseValue == null) return Future.succeededFuture();
    leader = false;
    // expire it rather than remove it: the next holder takes it over with epoch + 1
    String[] f = leaseValue.split("\\|");
    return map().compose(m -> m.replaceIfPresent(LEASE, leaseValue, f[0] + "|0|" + f[2])).recover(e -> Future.succeededFuture());
  }

  /** The cameras to run: tenant/camera → {@link CameraPipeline.Spec#toJson()}. */
  public void setWanted(Map<String, JsonObject> specs) {
    Map<String, JsonObject> copy = new LinkedHashMap<>(specs);
    context.runOnContext(v -> {
      wanted = copy;
      reassign();
    });
  }

  public boolean isLeader() {
    return leader;
  }

  public long epoch() {
    return epoch;
  }

  /** Camera → node as last computed (leader only). */
  public Map<String, String> assignment() {
    return Map.copyOf(assignment);
  }

  /** Live agents → their capacity. */
  public Map<String, Integer> agents() {
    Map<String, Integer> out = new TreeMap<>();
    agents.values().forEach(a -> out.put(a.nodeId, a.capacity));
    return out;
  }

  /** Cameras the live agents report running (reply to an assignment or heartbeat). */
  public Set<String> runningCameras() {
    Set<String> out = new TreeSet<>();
    agents.values().forEach(a -> out.addAll(a.running));
    return out;
  }

  // ---------------------------------------------------------------------------------------- lease

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  private void tick() {
    long now = System.currentTimeMillis();
    long deadline = System.nanoTime() - settings.deadAfter().toNanos();
    for (Agent a : List.copyOf(agents.values())) {
      if (a.lastSeen < deadline) drop(a.nodeId, "missed " + settings.missedBeats() + " heartbeats");
    }
    if (leaseBusy) return; // the previous lease step is still running: never race our own compare-and-set
    leaseBusy = true;
    String mine = assignerId + "|" + (now + settings.deadAfter().toMillis()) + "|";
    map().compose(m -> m.get(LEASE).compose(cur -> {
      if (cur == null) {
        String v = mine + 1;
        return m.putIfAbsent(LEASE, v).map(prev -> prev == null ? v : null);
      }
      String[] f = cur.split("\\|");
      long exp = Long.parseLong(f[1]);
      long ep = Long.parseLong(f[2]);
      if (f[0].equals(assignerId)) {
        String v = mine + ep;
        return m.replaceIfPresent(LEASE, cur, v).map(ok -> ok ? v : null);
      }
      if (exp < now) {
        String v = mine + (ep + 1);
        return m.replaceIfPresent(LEASE, cur, v).map(ok -> ok ? v : null);
      }
      return Future.succeededFuture((String) null);
    })).onComplete(ar -> {
      leaseBusy = false;
      String held = ar.succeeded() ? ar.result() : null;
      if (ar.failed()) LOG.warn("assigner {}: lease check failed: {}", assignerId, ar.cause().toString());
      boolean was = leader;
      leaseValue = held;
      leader = held != null;
      if (leader && !was) {
        epoch = Long.parseLong(held.split("\\|")[2]); // seq keeps rising: (epoch, seq) orders every message an agent gets
        agents.values().forEach(a -> a.sent = null);
        LOG.info("assigner {}: took the pipeline assignment lease, epoch {}", assignerId, epoch);
        vertx.eventBus().publish(Addresses.PIPELINE_AGENT_ROLLCALL, new JsonObject().put("assignerId", assignerId).put("epoch", epoch));
      } else if (!leader && was) {
        LOG.warn("assigner {}: lost the pipeline assignment lease (epoch {})", assignerId, epoch);
      }
      reassign();
    });
  }

  // ---------------------------------------------------------------------------------------- agents

  private void onHeartbeat(JsonObject b) {
    String node = b.getString("nodeId");
    if (node == null) return;
    if (b.getBoolean("leaving", false)) {
      drop(node, "leaving");
      return;
    }
    Agent a = agents.get(node);
    boolean fresh = a == null;
    if (fresh) {
      a = new Agent(node);
      agents.put(node, a);
    }
    int cap = b.getInteger("capacity", 0);
    boolean capChanged = cap != a.capacity;
    a.capacity = cap;
    a.lastSeen = System.nanoTime();
    a.running = toSet(b.getJsonArray("running"));
    if (fresh) LOG.info("assigner {}: pipeline agent {} joined (capacity {}, running {})", assignerId, node, cap, a.running.size());
    if (fresh || capChanged) reassign();
    else if (leader) send(a); // resend if what it runs differs from what it was given
  }

  private void drop(String node, String why) {
    Agent a = agents.remove(node);
    if (a == null) return;
    LOG.warn("assigner {}: pipeline agent {} gone ({}); its {} camera(s) go to the others", assignerId, node, why, a.running.size());
    reassign();
  }

  private static Set<String> toSet(JsonArray arr) {
    Set<String> s = new HashSet<>();
    if (arr != null) for (Object o : arr) s.add(String.valueOf(o));
    return Set.copyOf(s);
  }

  // ---------------------------------------------------------------------------------------- placement

  private void reassign() {
    if (!leader) return;
    Map<String, Integer> cap = new HashMap<>();
    agents.values().forEach(a -> cap.put(a.nodeId, a.capacity));
    Rendezvous.Placement p = Rendezvous.place(wanted.keySet(), cap);
    Map<String, String> old = assignment;
    int moved = 0;
    for (Map.Entry<String, String> e : p.assignment().entrySet()) {
      String was = old.get(e.getKey());
      if (was != null && !was.equals(e.getValue())) moved++;
    }
    if (moved > 0) {
      if (reassignments != null) reassignments.increment(moved);
      LOG.info("assigner {}: {} camera(s) reassigned", assignerId, moved);
    }
    if (!p.unplaced().isEmpty() && !p.unplaced().equals(unplaced)) {
      LOG.warn("assigner {}: {} camera(s) with enabled models left without a pipeline: no live agent has room ({} agents, capacity {}): {}",
          assignerId, p.unplaced().size(), cap.size(), cap.values().stream().mapToInt(Integer::intValue).sum(), p.unplaced());
    }
    unplaced = p.unplaced();
    assignment = p.assignment();
    if (perNode != null) {
      Map<String, Integer> count = new TreeMap<>();
      agents.keySet().forEach(n -> count.put(n, 0));
      assignment.values().forEach(n -> count.merge(n, 1, Integer::sum));
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      count.forEach((n, c) -> rows.add(MultiGauge.Row.of(Tags.of("node", n), c)));
      perNode.register(rows, true);
    }
    agents.values().forEach(this::send);
  }

  private List<String> camerasOf(String node) {
    List<String> out = new ArrayList<>();
    assignment.forEach((cam, n) -> {
      if (n.equals(node)) out.add(cam);
    });
    return out;
  }

  private void send(Agent a) {
    if (!leader || a.inFlight) return;
    List<String> cams = camerasOf(a.nodeId);
    JsonArray specs = new JsonArray();
    for (String c : cams) {
      JsonObject s = wanted.get(c);
      if (s != null) specs.add(s);
    }
    String sig = specs.encode();
    if (sig.equals(a.sent) && a.running.equals(Set.copyOf(cams))) return;
    a.inFlight = true;
    long n = ++seq;
    vertx.eventBus().<JsonObject>request(Addresses.pipelineAgentAssign(a.nodeId), new JsonObject().put("assignerId", assignerId)
            .put("epoch", epoch).put("seq", n).put("cameras", specs), new DeliveryOptions().setSendTimeout(30_000))
        .onComplete(ar -> {
          a.inFlight = false;
          if (ar.succeeded()) {
            a.sent = sig;
            a.running = toSet(ar.result().body().getJsonArray("running"));
          } else {
            a.sent = null;
            LOG.warn("assigner {}: assignment of {} camera(s) to agent {} not applied: {}", assignerId, cams.size(), a.nodeId,
                ar.cause().getMessage());
          }
        });
  }
}
