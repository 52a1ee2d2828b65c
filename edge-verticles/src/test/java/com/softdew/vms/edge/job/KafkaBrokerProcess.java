package com.softdew.vms.edge.job;

import com.softdew.vms.platform.store.embedded.EmbeddedKafka;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A KRaft broker in its own JVM, so a test can really crash it ({@link Process#destroyForcibly()}, i.e.
 * SIGKILL: no controlled shutdown, no flush) and restart it on the same data directory and port.
 * {@code main(dataDir, port)} prints {@code READY <port>} once the broker runs, then waits to be killed.
 */
public final class KafkaBrokerProcess {
  private KafkaBrokerProcess() {}

  public static void main(String[] args) throws Exception {
    EmbeddedKafka k = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]));
    System.out.println("READY " + k.port());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Starts the broker JVM (same class path as this one) and waits for READY; its output goes to {@code log}. */
  public static Process start(Path dataDir, int port, Path log) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, KafkaBrokerProcess.class.getName(), dataDir.toString(),
        Integer.toString(port)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      if (!p.isAlive()) throw new IllegalStateException("broker JVM exited with " + p.exitValue() + ", see " + log);
      if (new File(log.toString()).exists() && java.nio.file.Files.readString(log).contains("READY " + port)) return p;
      Thread.sleep(100);
    }
    p.destroyForcibly();
    throw new IllegalStateException("broker JVM not ready in 90 s, see " + log);
  }
}
