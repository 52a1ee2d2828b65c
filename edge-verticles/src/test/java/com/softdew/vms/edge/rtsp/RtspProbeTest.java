package com.softdew.vms.edge.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The health probe against the RTSP simulator: answers, auth, and what a short PLAY really receives. */
class RtspProbeTest {
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void describesMeasuresAndTellsAuthAndReachabilityApart() throws Exception {
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<CameraSimulator.Descriptor> cams = await(sim.start(1, Codec.H264, port));
      CameraSimulator.Descriptor c = cams.get(0);
      RtspProbe probe = new RtspProbe(vertx);

      RtspProbe.Result ok = await(probe.probe(c.rtspMain(), c.user(), c.password()));
      assertTrue(ok.reachable() && ok.authenticated(), ok.toString());
      assertEquals(200, ok.status());
      assertEquals(List.of("H264"), ok.codecs());
      assertNull(ok.error());

      RtspProbe.Result wrong = await(probe.probe(c.rtspMain(), c.user(), "nope"));
      assertTrue(wrong.reachable());
      assertFalse(wrong.authenticated());
      assertEquals(401, wrong.status());

      RtspProbe.Result dead = await(probe.probe("rtsp://127.0.0.1:" + (port + 50) + "/main", "a", "b"));
      assertFalse(dead.reachable());

      RtspProbe.Measured m = await(probe.measure(c.rtspMain(), c.user(), c.password(), Duration.ofSeconds(2)));
      System.out.printf("measured %d frames, %.1f fps, %.0f kbit/s, first packet after %d ms%n", m.frames(), m.fps(), m.kbps(), m.firstPacketMillis());
      assertNull(m.error(), m.toString());
      assertTrue(m.fps() > 10 && m.fps() < 20, "the simulator sends 15 fps: " + m);
      assertTrue(m.kbps() > 50, m.toString());

      c.server().dropStream();
      c.server().refuseConnections(true);
      RtspProbe.Measured none = await(probe.measure(c.rtspMain(), c.user(), c.password(), Duration.ofMillis(800)));
      assertTrue(none.frames() == 0, none.toString());
    } finally {
      await(sim.stop());
      await(vertx.close());
    }
  }
}
