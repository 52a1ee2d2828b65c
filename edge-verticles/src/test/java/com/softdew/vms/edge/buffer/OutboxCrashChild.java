package com.softdew.vms.edge.buffer;

import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Child JVM of {@link RecordingOutboxTest#survivesAKilledJvm}: appends records to an outbox as fast as it can
 * and prints "acked SEQ" after each append completed (fsynced), until it is killed.
 */
public final class OutboxCrashChild {
  public static void main(String[] args) throws Exception {
    RecordingOutbox o = RecordingOutbox.open(Path.of(args[0]), 1_000_000, 50, "crash", null, Tags.of("nodeId", "child"));
    for (int i = 1; ; i++) {
      long seq = o.append("segment", new JsonObject().put("segmentId", "cam.main." + i + ".rtsp").put("i", i).put("bytes", 1000)
          .put("pad", "x".repeat(200))).get();
      System.out.println("acked " + seq);
      System.out.flush();
    }
  }
}
