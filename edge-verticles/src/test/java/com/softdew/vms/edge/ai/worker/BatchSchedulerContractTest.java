package com.softdew.vms.edge.ai.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.sched.BatchScheduler;
import com.softdew.vms.model.Priority;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the AI workers rely on from the scheduler: bounded queues, drained signal, every item exactly once, batches of one model. */
class BatchSchedulerContractTest {
  @Test
  void boundedQueueDrainedSignalAndEveryItemOnce() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    CountDownLatch drained = new CountDownLatch(1);
    try (BatchScheduler<String> s = new BatchScheduler<>("test", new BatchScheduler.Options(1, 4, 0, 8, 0), null)) {
      s.register("a", (model, batch) -> {
        gate.await(30, TimeUnit.SECONDS); // hold the first batch so that the queue fills
        assertEquals("a", model);
        sizes.add(batch.size());
        for (BatchScheduler.Item<String> it : batch) seen.add(it.value());
      });
      s.onDrained("a", drained::countDown);
      List<String> offered = new ArrayList<>();
      int refused = 0;
      for (int i = 0; i < 40; i++) {
        String v = "j" + i;
        if (s.offer("a", Priority.STANDARD, v)) offered.add(v);
        else refused++;
      }
      assertTrue(refused > 0, "the STANDARD queue of capacity 8 must refuse some of 40 items");
      assertTrue(offered.size() <= 8 + 4, "at most the capacity plus one running batch: " + offered.size());
      assertFalse(s.offer("a", Priority.STANDARD, "x"));
      gate.countDown();
      assertTrue(drained.await(30, TimeUnit.SECONDS), "drained signal after having been full");
      long deadline = System.currentTimeMillis() + 30_000;
      while (seen.size() < offered.size() && System.currentTimeMillis() < deadline) Thread.sleep(10);
      List<String> a = new ArrayList<>(seen);
      List<String> b = new ArrayList<>(offered);
      Collections.sort(a);
      Collections.sort(b);
      assertEquals(b, a, "every accepted item exactly once");
      assertTrue(sizes.stream().allMatch(n -> n >= 1 && n <= 4), "batch sizes within maxBatch: " + sizes);
      assertEquals(0, s.depth("a"));
    }
  }
}
