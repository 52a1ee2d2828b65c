package com.softdew.vms.edge.ai.sched;

import com.softdew.vms.model.Priority;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Micro-benchmark of {@link BatchScheduler} (not a CI test; run by {@code scripts/bench/scheduler.sh}):
 * throughput of batched against unbatched dispatch of a CPU-bound handler whose cost is a fixed
 * overhead per call plus a cost per item, the shape of a neural network's inference (weights read and
 * kernels launched once per call, activations per item).
 *
 * <p>The handler does real floating-point work, a dependent multiply-add chain whose length is
 * calibrated once so that the overhead and the per-item cost take the given microseconds on one idle
 * core; the work stays the same when the machine is busy, so both runs are slowed alike. Items are
 * offered by one producer thread as fast as the bounded queues accept them (a refused offer pauses the
 * producer until the scheduler's onDrained callback, as a Kafka partition is paused and resumed),
 * priorities cycling CRITICAL, HIGH, MEDIUM, STANDARD over two models.
 *
 * <p>Usage: {@code SchedulerBenchmark [items] [overheadUs] [perItemUs] [threads] [maxBatch] [maxDelayMs]}.
 * Prints {@code RESULT <mode> <items> <seconds> <items/s> <mean batch> <p99 wait ms CRITICAL> <p99 wait ms STANDARD>}
 * for mode unbatched and batched, then {@code RESULT ratio <batched/unbatched>}.
 */
public final class SchedulerBenchmark {
  private static volatile double sink;
  private static long opsPerMicro;

  private SchedulerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int items = arg(args, 0, 2000);
    int overheadUs = arg(args, 1, 1000);
    int perItemUs = arg(args, 2, 200);
    int threads = arg(args, 3, 2);
    int maxBatch = arg(args, 4, 8);
    int maxDelayMs = arg(args, 5, 5);
    opsPerMicro = calibrate();
    System.out.printf(Locale.ROOT, "calibrated: %d multiply-adds per microsecond; items=%d overhead=%dus perItem=%dus "
        + "threads=%d maxBatch=%d maxDelayMs=%d%n", opsPerMicro, items, overheadUs, perItemUs, threads, maxBatch, maxDelayMs);
    run("warmup", Math.max(100, items / 10), overheadUs, perItemUs, threads, maxBatch, maxDelayMs, false);
    double unbatched = run("unbatched", items, overheadUs, perItemUs, threads, 1, 0, true);
    double batched = run("batched", items, overheadUs, perItemUs, threads, maxBatch, maxDelayMs, true);
    System.out.printf(Locale.ROOT, "RESULT ratio %.2f%n", batched / unbatched);
  }

  private static double run(String mode, int items, int overheadUs, int perItemUs, int threads, int maxBatch,
      int maxDelayMs, boolean print) throws InterruptedException {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    CountDownLatch done = new CountDownLatch(items);
    AtomicLong batches = new AtomicLong();
    String[] models = {"m1", "m2"};
    Priority[] prios = Priority.values();
    long refused = 0;
    long t0;
    long t1;
    try (BatchScheduler<Integer> s = new BatchScheduler<>("bench-" + mode, new BatchScheduler.Options(threads, maxBatch,
        maxDelayMs, 64, 2000), reg)) {
      Object resume = new Object();
      AtomicLong drains = new AtomicLong();
      for (String m : models) {
        s.register(m, (model, batch) -> {
          work((long) overheadUs * opsPerMicro + (long) perItemUs * opsPerMicro * batch.size());
          batches.incrementAndGet();
          for (int i = 0; i < batch.size(); i++) done.countDown();
        });
        s.onDrained(m, () -> {
          synchronized (resume) {
            drains.incrementAndGet();
            resume.notifyAll();
          }
        });
      }
      t0 = System.nanoTime();
      for (int i = 0; i < items; i++) {
        while (true) {
          long seen = drains.get();
          if (s.offer(models[i % 2], prios[(i / 2) % prios.length], i)) break;
          refused++;
          synchronized (resume) { // paused like a Kafka partition until the scheduler reports the drain
            if (drains.get() == seen) resume.wait(50);
          }
        }
      }
      if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException(mode + ": items were lost");
      t1 = System.nanoTime();
    }
    double secs = (t1 - t0) / 1e9;
    double rate = items / secs;
    if (print) {
      System.out.printf(Locale.ROOT, "RESULT %s %d %.3f %.1f %.2f %.1f %.1f%n", mode, items, secs, rate,
          items / (double) batches.get(), p99(reg, Priority.CRITICAL), p99(reg, Priority.STANDARD));
      System.out.printf(Locale.ROOT, "  %s: %d offers refused (queue full), retried after onDrained%n", mode, refused);
    }
    return rate;
  }

  private static double p99(SimpleMeterRegistry reg, Priority p) {
    double worst = 0;
    for (Timer t : reg.find("vms.ai.queue.wait").tag("priority", p.name()).timers()) {
      for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
        if (v.percentile() == 0.99) worst = Math.max(worst, v.value(TimeUnit.MILLISECONDS));
      }
    }
    return worst;
  }

  /** A dependent multiply-add chain: cannot be vectorised or skipped. */
  private static void work(long ops) {
    double x = 1.0;
    for (long i = 0; i < ops; i++) x = x * 0.999_999_9 + 1e-9;
    sink += x;
  }

  private static long calibrate() {
    long ops = 1_000_000;
    work(ops * 20); // JIT
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      work(ops * 10);
      best = Math.min(best, (System.nanoTime() - t0) / 1000.0);
    }
    return Math.max(1, Math.round(ops * 10 / best));
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i]) : dflt;
  }
}
