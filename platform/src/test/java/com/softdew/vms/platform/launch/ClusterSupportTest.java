package com.softdew.vms.platform.launch;

import com.hazelcast.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterSupportTest {

  private static final String HOST = "127.0.0.1";
  private static final String PING = "vms.node.ping";
  private static final String BROADCAST = "vms.node.broadcast";

  private final List<Vertx> started = new ArrayList<>();

  @Test
  void twoNodesFormClusterAndForeignClusterIsIsolated() throws Exception {
    String cluster = "vms-test-" + UUID.randomUUID();
    String otherCluster = "vms-other-" + UUID.randomUUID();
    int basePort = freePortRange(HOST, 3);
    List<String> members = List.of(HOST);

    // --- formation ---------------------------------------------------------------------------------
    long t0 = System.nanoTime();
    Vertx a = start(ClusterSupport.hazelcastConfig(cluster, HOST, basePort, members));
    long tA = System.nanoTime();
    Vertx b = start(ClusterSupport.hazelcastConfig(cluster, HOST, basePort, members));
    long tB = System.nanoTime();
    System.out.printf("[timing] node A up in %d ms, node B joined in %d ms (A+B %d ms)%n",
      ms(tA - t0), ms(tB - tA), ms(tB - t0));

    assertEquals(2, hz(a).getHazelcastInstance().getCluster().getMembers().size());
    assertEquals(2, hz(b).getHazelcastInstance().getCluster().getMembers().size());

    // --- request/reply B -> A ----------------------------------------------------------------------
    MessageConsumer<String> ping = a.eventBus().<String>consumer(PING, msg -> msg.reply("pong:" + msg.body()));
    await(ping.completion()); // registration propagated to the cluster's subs multimap
    String reply = await(b.eventBus().<String>request(PING, "from-b")).body();
    assertEquals("pong:from-b", reply);

    // --- third node, other cluster name, same host/port range ----------------------------------------
    long tC0 = System.nanoTime();
    Vertx c = start(ClusterSupport.hazelcastConfig(otherCluster, HOST, basePort, members));
    System.out.printf("[timing] foreign node C up in %d ms%n", ms(System.nanoTime() - tC0));
    assertEquals(1, hz(c).getHazelcastInstance().getCluster().getMembers().size());
    assertEquals(2, hz(a).getHazelcastInstance().getCluster().getMembers().size());

    // --- publish from A, received on A and B, not on C ----------------------------------------------
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    List<MessageConsumer<String>> subs = List.of(
      a.eventBus().<String>consumer(BROADCAST, m -> got.add("A:" + m.body())),
      b.eventBus().<String>consumer(BROADCAST, m -> got.add("B:" + m.body())),
      c.eventBus().<String>consumer(BROADCAST, m -> got.add("C:" + m.body())));
    for (MessageConsumer<String> s : subs) {
      await(s.completion());
    }
    a.eventBus().publish(BROADCAST, "hello");
    List<String> received = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String m = got.poll(5, TimeUnit.SECONDS);
      assertNotNull(m, "publish not received by both A and B; got " + received);
      received.add(m);
    }
    assertTrue(received.containsAll(List.of("A:hello", "B:hello")), received.toString());
    assertNull(got.poll(500, TimeUnit.MILLISECONDS), "foreign cluster node must not receive the publish");

    // --- close ---------------------------------------------------------------------------------------
    long tClose = System.nanoTime();
    await(Future.all(a.close(), b.close(), c.close()));
    System.out.printf("[timing] closing A, B, C (in parallel) took %d ms%n", ms(System.nanoTime() - tClose));
    started.clear();
  }

  @AfterEach
  void closeLeftovers() throws Exception {
    // only reached with nodes still open when the test failed part-way
    List<Future<Void>> closes = new ArrayList<>();
    for (Vertx v : started) {
      closes.add(v.close());
    }
    if (!closes.isEmpty()) {
      Future.join(closes).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
  }

  private Vertx start(Config hz) throws Exception {
    Vertx v = await(ClusterSupport.startClustered(new VertxOptions(), hz));
    started.add(v);
    return v;
  }

  private static HazelcastClusterManager hz(Vertx v) {
    return (HazelcastClusterManager) ((VertxInternal) v).clusterManager();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /** First port p in a random high range such that p .. p+count-1 are all free on host. */
  private static int freePortRange(String host, int count) throws IOException {
    InetAddress addr = InetAddress.getByName(host);
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20000 + (int) (Math.random() * 30000);
      boolean ok = true;
      for (int p = base; p < base + count && ok; p++) {
        try (ServerSocket s = new ServerSocket(p, 1, addr)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        return base;
      }
    }
    throw new IOException("no free port range");
  }
}
