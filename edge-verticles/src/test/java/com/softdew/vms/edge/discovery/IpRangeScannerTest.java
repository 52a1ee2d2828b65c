package com.softdew.vms.edge.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.IsapiDeviceServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An IP-range scan over loopback addresses finds the simulated ISAPI cameras and nothing else. */
class IpRangeScannerTest {
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void findsCamerasInARangeWithProgress(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    List<IsapiDeviceServer> sims = new ArrayList<>();
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      for (int i = 2; i <= 4; i++) {
        IsapiDeviceServer sim = new IsapiDeviceServer(vertx, new IsapiDeviceServer.Info("SCAN" + i, "DS-2CD", "V5", "H264", 1280, 720, 640, 360,
            15, "admin", "pw"), dir);
        await(sim.start("127.0.0." + i, port));
        sims.add(sim);
      }
      IpRangeScanner scanner = new IpRangeScanner(vertx, 500, 8, 1024);
      List<String> hosts = scanner.hosts("127.0.0.0/28");
      assertEquals(14, hosts.size(), "network and broadcast addresses are skipped");
      List<int[]> progress = new CopyOnWriteArrayList<>();
      long t0 = System.nanoTime();
      List<IpRangeScanner.Found> found = await(scanner.scan(hosts, List.of(port), progress::add));
      System.out.printf("scanned 14 hosts in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), found.stream().map(IpRangeScanner.Found::host).toList());
      found.forEach(f -> assertEquals(List.of("isapi"), f.protocols(), f.toJson().encode()));
      assertEquals(14, progress.size());
      assertEquals(14, progress.get(progress.size() - 1)[0]);
      assertThrows(IllegalArgumentException.class, () -> scanner.hosts("10.0.0.0/8"), "bounded per scan");
      assertThrows(IllegalArgumentException.class, () -> scanner.hosts("not-a-range"));
      assertTrue(scanner.hosts("192.168.1.7/32").contains("192.168.1.7"));
    } finally {
      for (IsapiDeviceServer s : sims) await(s.stop());
      await(vertx.close());
    }
  }
}
