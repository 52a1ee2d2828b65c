package com.softdew.vms.platform.launch;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What part of the system a process runs. */
public enum Role {
  /** Everything in one JVM, with embedded stores when no external addresses are configured. */
  ALL,
  /** Control plane: API, config, events, tenants (no cameras, no inference). */
  CLOUD,
  /** Data plane at a site: discovery, ingest, segments, recording, job dispatch. */
  EDGE,
  /** AI model workers consuming video jobs. */
  WORKER;

  public static Role parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--role must be one of "
          + Arrays.stream(values()).map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ", got '" + s + "'");
    }
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
