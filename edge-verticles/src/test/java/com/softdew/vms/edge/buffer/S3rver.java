package com.softdew.vms.edge.buffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server for the tests: the npm package {@code s3rver@3.7.1} (Node), installed with the
 * ordinary npm client under {@code ~/.cache/vms-s3rver} when missing
 * ({@code npm install --prefix ~/.cache/vms-s3rver --no-audit --no-fund s3rver@3.7.1}), run as
 * {@code node node_modules/s3rver/bin/s3rver.js -d DIR -a 127.0.0.1 -p PORT --configure-bucket BUCKET}.
 * Its credentials are the fixed S3RVER / S3RVER.
 */
final class S3rver implements AutoCloseable {
  static final String VERSION = "s3rver@3.7.1";
  static final Path PREFIX = Path.of(System.getProperty("user.home"), ".cache", "vms-s3rver");
  static final String ACCESS_KEY = "S3RVER", SECRET_KEY = "S3RVER";
  final Path dataDir;
  final int port;
  final String bucket;
  private Process process;
  private Path log;

  S3rver(Path dataDir, int port, String bucket) {
    this.dataDir = dataDir;
    this.port = port;
    this.bucket = bucket;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Installs s3rver when missing; returns its bin script. Throws with the npm output when that fails. */
  static Path install() throws IOException, InterruptedException {
    Path bin = PREFIX.resolve("node_modules").resolve("s3rver").resolve("bin").resolve("s3rver.js");
    if (Files.exists(bin)) return bin;
    Files.createDirectories(PREFIX);
    Path log = PREFIX.resolve("npm-install.log");
    Process p = new ProcessBuilder(List.of("npm", "install", "--prefix", PREFIX.toString(), "--no-audit", "--no-fund", VERSION))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("npm install " + VERSION + " timed out; see " + log);
    }
    if (p.exitValue() != 0 || !Files.exists(bin)) {
      throw new IllegalStateException("npm install " + VERSION + " failed (exit " + p.exitValue() + "): " + Files.readString(log, StandardCharsets.UTF_8));
    }
    return bin;
  }

  /** Starts the server and waits until its port accepts connections (30 s at most). */
  S3rver start() throws IOException, InterruptedException {
    Path bin = install();
    Files.createDirectories(dataDir);
    log = dataDir.resolveSibling(dataDir.getFileName() + "-s3rver.log");
    process = new ProcessBuilder(List.of("node", bin.toString(), "-d", dataDir.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port),
        "--configure-bucket", bucket)).directory(PREFIX.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
      if (!process.isAlive()) throw new IllegalStateException("s3rver exited " + process.exitValue() + ": " + Files.readString(log));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return this;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    close();
    throw new IllegalStateException("s3rver did not listen on " + port + " within 30 s: " + Files.readString(log));
  }

  String log() throws IOException {
    return log == null || !Files.exists(log) ? "" : Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process == null) return;
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }
}
