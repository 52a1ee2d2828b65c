package com.softdew.vms.edge.onvif;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs the npm {@code onvif} package (a third-party ONVIF client for Node) under
 * {@code edge-verticles/target} when it is not there yet, with the ordinary npm client.
 *
 * <p>Two installs: 0.8.x is the current client the interop test drives; its package no longer ships
 * the test folder, so the canned camera replies (test/serverMockup, captured from real cameras) come
 * from 0.7.4, the last release that packages them.
 */
final class NpmOnvifPackage {
  static final Path TARGET = Path.of("target").toAbsolutePath();
  /** onvif 0.8.x, the client. */
  static final Path CLIENT_PREFIX = TARGET.resolve("npm-onvif");
  /** onvif 0.7.4, for its test/serverMockup fixtures. */
  static final Path FIXTURES_PREFIX = TARGET.resolve("npm-onvif-fixtures");

  private NpmOnvifPackage() {}

  static Path client() throws IOException, InterruptedException {
    return ensure(CLIENT_PREFIX, "onvif@0.8", "lib/onvif.js");
  }

  static Path fixtures() throws IOException, InterruptedException {
    return ensure(FIXTURES_PREFIX, "onvif@0.7.4", "test/serverMockup/GetProfiles.xml")
        .resolve("test").resolve("serverMockup");
  }

  /** Runs {@code npm install --prefix dir spec} unless {@code node_modules/onvif/<probe>} exists; returns the package dir. */
  private static Path ensure(Path prefix, String spec, String probe) throws IOException, InterruptedException {
    Path pkg = prefix.resolve("node_modules").resolve("onvif");
    if (Files.exists(pkg.resolve(probe))) return pkg;
    Files.createDirectories(prefix);
    Path log = prefix.resolve("npm-install.log");
    Process p = new ProcessBuilder(List.of("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund", spec))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("npm install " + spec + " timed out; see " + log);
    }
    if (p.exitValue() != 0 || !Files.exists(pkg.resolve(probe))) {
      throw new IllegalStateException("npm install " + spec + " failed (exit " + p.exitValue() + "): "
          + Files.readString(log, StandardCharsets.UTF_8));
    }
    return pkg;
  }
}
