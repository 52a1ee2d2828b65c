package com.softdew.vms.edge.ai.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecodeCacheTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  @TempDir
  Path dir;
  Vertx vertx;
  WorkerExecutor pool;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    pool = vertx.createSharedWorkerExecutor("vms-ai-decode", 2);
  }

  @AfterEach
  void tearDown() throws Exception {
    await(pool.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** An H.264 MP4 of {@code n} blob frames at 15 fps, 320x240. */
  static byte[] clip(Path dir, String name, int n) throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < n; i++) frames.add(BlobFrames.frame(i, 320, 240));
    Path f = dir.resolve(name + ".mp4");
    new SyntheticClip(name, 320, 240, 15, frames, List.of(), List.of(), List.of()).writeMp4(f);
    return Files.readAllBytes(f);
  }

  static VideoJob job(byte[] mp4, long seq) {
    return new VideoJob(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), seq, T0, mp4, null,
        new VideoJob.Metadata("320x240", 500_000, 1, 15, List.of("test-bright", "test-dark"), Priority.MEDIUM,
            new VideoJob.SourceQuality("320x240", 500_000, 15, "h264")));
  }

  @Test
  void concurrentRequestsShareOneDecodeAndFramesCarryCaptureTimes() throws Exception {
    byte[] mp4 = clip(dir, "a", 15);
    VideoJob j = job(mp4, 0);
    DecodeCache cache = new DecodeCache(new SegmentDecoder(new SegmentStore(dir)), pool, 4, null);
    Future<DecodeCache.Lease> f1 = cache.acquire(j);
    Future<DecodeCache.Lease> f2 = cache.acquire(j); // while the first decode runs
    DecodeCache.Lease l1 = await(f1), l2 = await(f2);
    assertEquals(1, cache.decodes(), "one decode for two users");
    assertEquals(1, cache.misses());
    assertEquals(1, cache.hits());
    assertTrue(l2.hit());
    assertEquals(15, l1.frames().size());
    assertTrue(l1.frames() == l2.frames(), "the same frames are shared");
    for (int i = 0; i < 15; i++) {
      FrameView f = l1.frames().get(i);
      assertEquals(i, f.index());
      assertEquals(T0.toEpochMilli() + Math.round(i * 1000 / 15.0), f.ptsMs(), 1.0, "ptsMs = job timestamp + frame time");
      assertEquals(320, f.width());
      // the white box is at x = (20 + 4 i) / 2 .. + 40, y 50..80: check decoded pixels inside and outside it
      int x = (20 + 4 * i) / 2 + 20, y = 65;
      int inside = f.rgb()[(y * 320 + x) * 3] & 0xff;
      int outside = f.rgb()[(200 * 320 + 10) * 3] & 0xff;
      assertTrue(inside > 230 && Math.abs(outside - 120) < 12, "frame " + i + ": inside " + inside + " outside " + outside);
    }
    l1.close();
    l2.close();
    assertEquals(0, cache.freed(), "released but still cached: not closed");
    cache.close();
    assertEquals(1, cache.freed());
  }

  @Test
  void evictedFramesAreClosedOnlyWhenEveryLeaseIsReleased() throws Exception {
    byte[] mp4 = clip(dir, "b", 5);
    DecodeCache cache = new DecodeCache(new SegmentDecoder(new SegmentStore(dir)), pool, 1, null);
    VideoJob a = job(mp4, 1), b = job(mp4, 2), c = job(mp4, 3);
    DecodeCache.Lease la = await(cache.acquire(a));
    DecodeCache.Lease lb = await(cache.acquire(b)); // evicts a, which is still leased
    assertEquals(1, cache.evictions());
    assertEquals(0, cache.freed());
    la.frames().get(0).bgr(); // still usable
    la.close();
    assertEquals(1, cache.freed(), "evicted and released: closed");
    assertThrows(IllegalStateException.class, () -> la.frames().get(0).bgr());
    lb.close();
    assertEquals(1, cache.freed(), "b released but still cached");
    await(cache.acquire(c)).close(); // evicts b
    assertEquals(2, cache.freed());
    assertEquals(3, cache.decodes());
    assertEquals(1, cache.size());
    DecodeCache.Lease again = await(cache.acquire(a));
    assertFalse(again.hit(), "a was evicted: decoded again");
    again.close();
    cache.close();
  }

  @Test
  void claimCheckSegmentAndBadInput() throws Exception {
    byte[] mp4 = clip(dir, "c", 6);
    SegmentStore store = new SegmentStore(dir);
    String tenant = UUID.randomUUID().toString(), camera = UUID.randomUUID().toString();
    Path p = store.path(tenant, camera, T0, 7);
    Files.createDirectories(p.getParent());
    Files.write(p, mp4);
    VideoJob claim = new VideoJob(UUID.randomUUID(), UUID.fromString(tenant), UUID.fromString(camera), 7, T0, null, store.uri(p).toString(),
        job(mp4, 7).metadata());
    DecodeCache cache = new DecodeCache(new SegmentDecoder(store), pool, 4, null);
    DecodeCache.Lease l = await(cache.acquire(claim));
    assertEquals(6, l.frames().size());
    l.close();
    VideoJob junk = job(new byte[] {1, 2, 3, 4}, 9);
    Exception e = assertThrows(Exception.class, () -> await(cache.acquire(junk)));
    assertTrue(e.getMessage().contains(junk.jobId().toString()), e.getMessage());
    cache.close();
  }
}
