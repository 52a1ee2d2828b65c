package com.softdew.vms.edge.ai.sched;

import static com.softdew.vms.model.Priority.CRITICAL;
import static com.softdew.vms.model.Priority.HIGH;
import static com.softdew.vms.model.Priority.MEDIUM;
import static com.softdew.vms.model.Priority.STANDARD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.sched.BatchScheduler.Item;
import com.softdew.vms.edge.ai.sched.BatchScheduler.Options;
import com.softdew.vms.model.Priority;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deterministic tests of the scheduler's policy: the ticker is frozen unless a test advances it, a
 * "gate" batch holds the only thread while a test queues work, and batches are observed through a
 * blocking queue. The only waits are liveness bounds (a batch that never comes fails the test).
 */
class BatchSchedulerTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final List<BatchScheduler<String>> open = new ArrayList<>();
  private final CountDownLatch gateStarted = new CountDownLatch(1);
  private final CountDownLatch gateRelease = new CountDownLatch(1);

  record Batch(String model, List<Item<String>> items, String thread) {
    List<String> values() {
      return items.stream().map(Item::value).toList();
    }
  }

  @AfterEach
  void closeAll() {
    gateRelease.countDown();
    open.forEach(BatchScheduler::close);
  }

  private BatchScheduler<String> scheduler(String name, Options o, SimpleMeterRegistry reg) {
    BatchScheduler<String> s = new BatchScheduler<>(name, o, reg, now::get);
    open.add(s);
    return s;
  }

  /** Registers the models; each batch goes to the returned queue. Model "gate" blocks until gateRelease. */
  private static BlockingQueue<Batch> record(BatchScheduler<String> s, CountDownLatch started, CountDownLatch release,
      String... models) {
    BlockingQueue<Batch> out = new LinkedBlockingQueue<>();
    s.register("gate", (m, b) -> {
      started.countDown();
      release.await();
    });
    for (String model : models) {
      s.register(model, (m, b) -> out.add(new Batch(m, b, Thread.currentThread().getName())));
    }
    return out;
  }

  private void holdTheThread(BatchScheduler<String> s) throws InterruptedException {
    assertTrue(s.offer("gate", CRITICAL, "gate"));
    assertTrue(gateStarted.await(10, TimeUnit.SECONDS), "gate batch never started");
  }

  private static Batch next(BlockingQueue<Batch> q) throws InterruptedException {
    Batch b = q.poll(10, TimeUnit.SECONDS);
    assertNotNull(b, "no batch was run");
    return b;
  }

  @Test
  void withoutAgingCriticalBeforeHighBeforeMediumBeforeStandard() throws Exception {
    BatchScheduler<String> s = scheduler("order", new Options(1, 1, 0, 16, 0), null);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    holdTheThread(s);
    assertTrue(s.offer("a", STANDARD, "S"));
    assertTrue(s.offer("a", MEDIUM, "M"));
    assertTrue(s.offer("a", HIGH, "H"));
    assertTrue(s.offer("a", CRITICAL, "C"));
    assertEquals(4, s.depth("a"));
    now.addAndGet(10_000 * MS); // long waits change nothing without aging
    gateRelease.countDown();
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) order.addAll(next(q).values());
    assertEquals(List.of("C", "H", "M", "S"), order);
    assertEquals(0, s.depth("a"));
  }

  @Test
  void agedStandardIsServedBeforeNewerHigh() throws Exception {
    BatchScheduler<String> s = scheduler("aging", new Options(1, 1, 0, 16, 100), null);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    holdTheThread(s);
    assertTrue(s.offer("a", STANDARD, "old-standard"));
    now.addAndGet(300 * MS); // three classes: STANDARD -> MEDIUM -> HIGH -> CRITICAL
    assertTrue(s.offer("a", HIGH, "new-high"));
    gateRelease.countDown();
    Batch first = next(q);
    assertEquals(List.of("old-standard"), first.values());
    assertEquals(STANDARD, first.items().get(0).priority(), "the item keeps its base priority");
    assertEquals(300 * MS, first.items().get(0).waitedNanos());
    assertEquals(List.of("new-high"), next(q).values());
  }

  @Test
  void sameItemsWithoutAgingServeHighFirst() throws Exception {
    BatchScheduler<String> s = scheduler("noaging", new Options(1, 1, 0, 16, 0), null);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    holdTheThread(s);
    assertTrue(s.offer("a", STANDARD, "old-standard"));
    now.addAndGet(300 * MS);
    assertTrue(s.offer("a", HIGH, "new-high"));
    gateRelease.countDown();
    assertEquals(List.of("new-high"), next(q).values());
    assertEquals(List.of("old-standard"), next(q).values());
  }

  @Test
  void batchHoldsOneEffectiveClassOldestFirst() throws Exception {
    BatchScheduler<String> s = scheduler("classes", new Options(1, 4, 0, 16, 100), null);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    holdTheThread(s);
    assertTrue(s.offer("a", STANDARD, "s-aged"));     // waits 200 ms: effective HIGH
    now.addAndGet(200 * MS);
    assertTrue(s.offer("a", CRITICAL, "c"));
    assertTrue(s.offer("a", HIGH, "h"));
    assertTrue(s.offer("a", STANDARD, "s1"));
    assertTrue(s.offer("a", MEDIUM, "m"));
    assertTrue(s.offer("a", STANDARD, "s2"));
    gateRelease.countDown();
    assertEquals(List.of("c"), next(q).values());
    assertEquals(List.of("s-aged", "h"), next(q).values(), "an aged item shares the batch of its effective class");
    assertEquals(List.of("m"), next(q).values());
    assertEquals(List.of("s1", "s2"), next(q).values());
  }

  @Test
  void batchStartsWhenFullOrWhenTheOldestWaitedMaxDelay() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    BatchScheduler<String> s = scheduler("batching", new Options(1, 4, 20, 16, 0), reg);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    for (int i = 1; i <= 6; i++) assertTrue(s.offer("a", STANDARD, "v" + i));
    Batch full = next(q);
    assertEquals(List.of("v1", "v2", "v3", "v4"), full.values(), "maxBatch items start a batch at once");
    assertEquals(0, full.items().get(0).waitedNanos());
    assertEquals(2, s.depth("a"));
    now.addAndGet(19 * MS);
    s.wakeUp();
    now.addAndGet(1 * MS);
    s.wakeUp();
    Batch late = next(q);
    assertEquals(List.of("v5", "v6"), late.values());
    assertEquals(20 * MS, late.items().get(0).waitedNanos(), "started exactly when the oldest had waited maxDelayMs");
    assertTrue(q.isEmpty());
    assertEquals(2, reg.get("vms.ai.batch.size").tag("model", "a").summary().count());
    assertEquals(6, reg.get("vms.ai.batch.size").tag("model", "a").summary().totalAmount(), 1e-9);
    assertEquals(1.5, reg.get("vms.ai.batch.fill").tag("model", "a").summary().totalAmount(), 1e-9);
    assertEquals(6, reg.get("vms.ai.queue.wait").tags("model", "a", "priority", "STANDARD").timer().count());
    assertEquals(40.0, reg.get("vms.ai.queue.wait").tags("model", "a", "priority", "STANDARD").timer()
        .totalTime(TimeUnit.MILLISECONDS), 1e-9);
  }

  @Test
  void modelsAtTheSameClassAreServedRoundRobin() throws Exception {
    BatchScheduler<String> s = scheduler("fair", new Options(1, 2, 0, 16, 0), null);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a", "b", "c");
    holdTheThread(s);
    for (int i = 0; i < 6; i++) assertTrue(s.offer("a", STANDARD, "a" + i));
    for (int i = 0; i < 4; i++) assertTrue(s.offer("b", STANDARD, "b" + i));
    for (int i = 0; i < 2; i++) assertTrue(s.offer("c", STANDARD, "c" + i));
    assertTrue(s.offer("c", HIGH, "c-high"));
    gateRelease.countDown();
    assertEquals(List.of("c-high"), next(q).values(), "a higher class goes first whatever the model");
    List<String> models = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Batch b = next(q);
      assertEquals(2, b.items().size());
      models.add(b.model());
    }
    // a, b and c each get one batch per round while they all have work; then a and b, then a alone
    assertEquals(List.of("a", "b", "c"), models.subList(0, 3).stream().sorted().toList());
    assertEquals(List.of("a", "b"), models.subList(3, 5).stream().sorted().toList());
    assertEquals("a", models.get(5));
  }

  @Test
  void criticalRunsWhileEveryOtherThreadIsBusyWithStandardBatches() throws Exception {
    BatchScheduler<String> s = scheduler("reserve", new Options(2, 1, 0, 16, 0), null);
    CountDownLatch standardStarted = new CountDownLatch(1);
    CountDownLatch standardRelease = new CountDownLatch(1);
    BlockingQueue<Batch> q = new LinkedBlockingQueue<>();
    s.register("a", (m, b) -> {
      q.add(new Batch(m, b, Thread.currentThread().getName()));
      if (b.get(0).priority() == STANDARD) {
        standardStarted.countDown();
        standardRelease.await();
      }
    });
    try {
      assertTrue(s.offer("a", STANDARD, "s1"));
      assertTrue(standardStarted.await(10, TimeUnit.SECONDS));
      assertEquals(List.of("s1"), next(q).values());
      assertTrue(s.offer("a", STANDARD, "s2"));
      assertTrue(s.offer("a", CRITICAL, "c"));
      Batch critical = next(q);
      assertEquals(List.of("c"), critical.values(), "critical started while the standard batch still runs");
      assertEquals("vms-ai-reserve-0", critical.thread());
      assertEquals(1, s.depth("a", STANDARD), "the reserved thread does not take standard work");
    } finally {
      standardRelease.countDown();
    }
    assertEquals(List.of("s2"), next(q).values());
  }

  @Test
  void fullQueueRefusesCountsAndReportsTheDrain() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    BatchScheduler<String> s = scheduler("bounded", new Options(1, 1, 0, 2, 0), reg);
    BlockingQueue<Batch> q = record(s, gateStarted, gateRelease, "a");
    AtomicInteger drained = new AtomicInteger();
    AtomicReference<String> drainThread = new AtomicReference<>();
    List<Integer> depthAtDrain = new CopyOnWriteArrayList<>();
    s.onDrained("a", () -> {
      drained.incrementAndGet();
      drainThread.set(Thread.currentThread().getName());
      depthAtDrain.add(s.depth("a", STANDARD));
    });
    holdTheThread(s);
    assertTrue(s.offer("a", STANDARD, "s1"));
    assertTrue(s.offer("a", STANDARD, "s2"));
    assertFalse(s.offer("a", STANDARD, "s3"));
    assertFalse(s.offer("a", STANDARD, "s4"));
    assertTrue(s.offer("a", HIGH, "h"), "each priority has its own bound");
    assertEquals(2, s.depth("a", STANDARD));
    assertEquals(3, s.depth("a"));
    assertEquals(2.0, reg.get("vms.ai.queue.rejected").tags("model", "a", "priority", "STANDARD").counter().count());
    assertEquals(0.0, reg.get("vms.ai.queue.rejected").tags("model", "a", "priority", "HIGH").counter().count());
    assertEquals(2.0, reg.get("vms.ai.queue.depth").tags("model", "a", "priority", "STANDARD").gauge().value());
    assertEquals(0, drained.get());
    gateRelease.countDown();
    assertEquals(List.of("h"), next(q).values());
    assertEquals(List.of("s1"), next(q).values());
    assertEquals(List.of("s2"), next(q).values());
    assertEquals(1, drained.get(), "fires once, when STANDARD fell to capacity/2");
    assertEquals(List.of(1), depthAtDrain, "not when HIGH (never full) was taken, not again at 0");
    assertTrue(drainThread.get().startsWith("vms-ai-bounded-"), drainThread.get());
    assertEquals(0.0, reg.get("vms.ai.queue.depth").tags("model", "a", "priority", "STANDARD").gauge().value());
  }

  @Test
  void failingHandlerIsCountedAndTheSchedulerKeepsGoing() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    BatchScheduler<String> s = scheduler("fail", new Options(1, 1, 0, 8, 0), reg);
    BlockingQueue<String> done = new LinkedBlockingQueue<>();
    s.register("a", (m, b) -> {
      if (b.get(0).value().equals("boom")) throw new IllegalStateException("model crashed");
      done.add(b.get(0).value());
    });
    assertTrue(s.offer("a", STANDARD, "boom"));
    assertTrue(s.offer("a", STANDARD, "ok"));
    assertEquals("ok", done.poll(10, TimeUnit.SECONDS));
    assertEquals(1.0, reg.get("vms.ai.batch.failed").tag("model", "a").counter().count());
  }

  @Test
  void closeStopsTheThreadsAndCountsDroppedItems() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    BatchScheduler<String> s = scheduler("closing", new Options(2, 1, 0, 8, 0), reg);
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    record(s, started, never, "a");
    assertTrue(s.offer("gate", STANDARD, "gate"));
    assertTrue(started.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 3; i++) assertTrue(s.offer("a", STANDARD, "s" + i));
    assertTrue(s.offer("a", MEDIUM, "m"));
    assertEquals(2, threads("vms-ai-closing-"));
    s.close();
    assertEquals(0, threads("vms-ai-closing-"), "close interrupts the running batch and joins the threads");
    assertEquals(3.0, reg.get("vms.ai.queue.dropped").tags("model", "a", "priority", "STANDARD").counter().count());
    assertEquals(1.0, reg.get("vms.ai.queue.dropped").tags("model", "a", "priority", "MEDIUM").counter().count());
    assertEquals(0.0, reg.get("vms.ai.batch.failed").tag("model", "gate").counter().count(),
        "a batch interrupted by close is not a failure");
    assertEquals(0, s.depth("a"));
    assertFalse(s.offer("a", CRITICAL, "late"));
    assertTrue(reg.find("vms.ai.queue.depth").gauges().isEmpty(), "gauges are removed");
  }

  @Test
  void concurrentProducersLoseNothingAndBatchesStayWithinOneModelAndClass() throws Exception {
    int producers = 4;
    int perProducer = 500;
    BatchScheduler<String> s = new BatchScheduler<>("stress", new Options(3, 8, 1, 32, 0), null);
    open.add(s);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger badBatches = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(producers * perProducer);
    for (String model : List.of("a", "b")) {
      s.register(model, (m, b) -> {
        boolean ok = !b.isEmpty() && b.size() <= 8;
        for (Item<String> it : b) {
          ok &= it.priority() == b.get(0).priority() && it.value().startsWith(m + ":");
          if (!seen.add(it.value())) duplicates.incrementAndGet();
          all.countDown();
        }
        if (!ok) badBatches.incrementAndGet();
      });
    }
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      Thread t = new Thread(() -> {
        for (int i = 0; i < perProducer; i++) {
          String model = i % 2 == 0 ? "a" : "b";
          Priority prio = Priority.values()[(i / 2 + id) % 4];
          while (!s.offer(model, prio, model + ":" + id + ":" + i)) Thread.yield(); // full: retry
        }
      }, "producer-" + p);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    assertTrue(all.await(60, TimeUnit.SECONDS), "items lost: " + all.getCount());
    assertEquals(producers * perProducer, seen.size());
    assertEquals(0, duplicates.get());
    assertEquals(0, badBatches.get(), "a batch mixed models or classes, or exceeded maxBatch");
    assertEquals(0, s.depth("a") + s.depth("b"));
  }

  @Test
  void contractViolationsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Options(0, 1, 0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Options(1, 0, 0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Options(1, 1, -1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Options(1, 1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Options(1, 1, 0, 1, -1));
    BatchScheduler<String> s = scheduler("contract", new Options(1, 1, 0, 1, 0), null);
    s.register("a", (m, b) -> { });
    assertThrows(IllegalStateException.class, () -> s.register("a", (m, b) -> { }));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.offer("nope", HIGH, "x"));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    assertEquals(0, s.depth("nope"));
  }

  private static long threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
  }
}
