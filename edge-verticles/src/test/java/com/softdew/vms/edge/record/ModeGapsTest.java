package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gap means "not recorded although a mode wanted it": the camera drops while one recorder is inside an event window
 * and another wants nothing; only the first reports a gap, and it ends where its next segment starts.
 */
class ModeGapsTest {
  @TempDir
  Path data;

  static RecordingListener into(List<RecordingSegment> segs, List<RecordingGap> gaps) {
    return new RecordingListener() {
      @Override
      public void segment(RecordingSegment s) {
        segs.add(s);
      }

      @Override
      public void gap(RecordingGap g) {
        gaps.add(g);
      }
    };
  }

  @Test
  void aDropInsideAWantedWindowIsAGapOutsideItIsNot() throws Exception {
    var vertx = MainStreamRecorderTest.vertx == null ? io.vertx.core.Vertx.vertx() : MainStreamRecorderTest.vertx;
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    try {
      CameraSimulator.Descriptor d = MainStreamRecorderTest.await(com.softdew.vms.sim.SimCameras.one(sim, Codec.H264));
      RecordingModes event = RecordingModes.parse("recording.main.modes", List.of("event"), 5, 5, List.of(), List.of(), "UTC");
      List<RecordingSegment> inSegs = Collections.synchronizedList(new ArrayList<>()), outSegs = Collections.synchronizedList(new ArrayList<>());
      List<RecordingGap> inGaps = Collections.synchronizedList(new ArrayList<>()), outGaps = Collections.synchronizedList(new ArrayList<>());
      MainStreamRecorder.Options base = MainStreamRecorderTest.options(d, "in-window", data).modes(event).segmentLength(Duration.ofSeconds(2));
      MainStreamRecorder in = new MainStreamRecorder(null, new SimpleMeterRegistry(), base, into(inSegs, inGaps));
      MainStreamRecorder out = new MainStreamRecorder(null, new SimpleMeterRegistry(),
          MainStreamRecorderTest.options(d, "no-window", data).modes(event).segmentLength(Duration.ofSeconds(2)).triggerLatency(Duration.ZERO),
          into(outSegs, outGaps)); // buffer horizon 5 s: older packets age out (skipped)
      Instant now = Instant.now();
      in.gate().offer("event", "intrusion", now, now.plusSeconds(60)); // wanted for the whole test (the post-roll adds 5 s)
      in.start();
      out.start();
      try {
        assertTrue(MainStreamRecorderTest.waitFor(() -> in.stats().packetsWritten() > 30 && out.stats().packetsSkipped() > 30,
            Duration.ofSeconds(20)), in.stats() + " / " + out.stats());
        d.server().refuseConnections(true);
        MainStreamRecorderTest.await(d.server().dropStream());
        Thread.sleep(2000);
        d.server().refuseConnections(false);
        assertTrue(MainStreamRecorderTest.waitFor(() -> inGaps.size() == 1, Duration.ofSeconds(15)), "gap reported: " + in.stats());
        long after = out.stats().packetsSkipped();
        assertTrue(MainStreamRecorderTest.waitFor(() -> out.stats().packetsSkipped() > after + 20 && inSegs.size() >= 2, Duration.ofSeconds(15)),
            "both back: " + out.stats());
      } finally {
        in.close();
        out.close();
      }
      RecordingGap g = inGaps.get(0);
      System.out.printf("measured event-window drop: gap %d ms; no-window recorder: %s%n", Duration.between(g.start(), g.end()).toMillis(),
          out.stats());
      assertEquals("main", g.stream());
      assertTrue(Duration.between(g.start(), g.end()).toMillis() >= 1500, g.toString());
      List<RecordingSegment> afterGap = inSegs.stream().filter(s -> !s.start().isBefore(g.end())).toList();
      assertEquals(afterGap.get(0).start(), g.end(), "the gap ends where the next segment begins");
      assertTrue(inSegs.stream().allMatch(s -> s.trigger().equals("event") && s.eventType().equals("intrusion")));
      assertTrue(outSegs.isEmpty(), "nothing wanted, nothing written");
      assertTrue(outGaps.isEmpty(), "a drop while nothing was wanted is no gap: " + outGaps);
      assertTrue(out.stats().sessions() >= 2, "it did drop and reconnect: " + out.stats());
    } finally {
      MainStreamRecorderTest.await(sim.stop());
      if (MainStreamRecorderTest.vertx == null) MainStreamRecorderTest.await(vertx.close());
    }
  }
}
