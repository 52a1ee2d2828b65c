package com.softdew.vms.platform.launch;

import com.softdew.vms.platform.config.VmsConfig;

/**
 * Hands log format and level to logback.xml as system properties ({@code vmslog.format},
 * {@code vmslog.level}); must run before the first logger is created. Vert.x is pointed at SLF4J.
 */
public final class LoggingSetup {
  private LoggingSetup() {}

  public static void apply(VmsConfig cfg) {
    System.setProperty("vmslog.format", cfg.string("log.format").toUpperCase(java.util.Locale.ROOT));
    System.setProperty("vmslog.level", cfg.string("log.level"));
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
  }
}
