package com.softdew.vms.platform.launch;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;
import java.util.Objects;

/**
 * Helpers to start a clustered Vert.x (event bus over TCP) with the Hazelcast cluster manager,
 * joining by TCP/IP member list (no multicast).
 */
public final class ClusterSupport {

  private ClusterSupport() {
  }

  /** Host value meaning "all interfaces": no interface pinning in that case. */
  private static final String ANY_HOST = "0.0.0.0";

  static {
    // Hazelcast's static loggers (used before an instance exists, e.g. by the XML config builder that
    // ConfigUtil.loadConfig() runs) read only the system property; the Config property below covers the
    // per-instance logging service. Don't override an explicit choice.
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
  }

  /**
   * Hazelcast config for a VMS cluster: TCP/IP join on the given members (multicast off), cluster name,
   * bind host, first port with auto-increment, phone-home off, slf4j logging.
   *
   * <p>Starts from vertx-hazelcast's default config ({@code default-cluster.xml}, or {@code cluster.xml} /
   * {@code -Dvertx.hazelcast.config} if present) so that the {@code __vertx.subs} multimap and the
   * {@code __vertx.haInfo}/{@code __vertx.nodeInfo} maps keep their settings.
   *
   * <p>Returns a NEW Config on each call: use one per node (the cluster manager mutates it: it writes the
   * vert.x node id into the member attributes).
   *
   * @param clusterName Hazelcast cluster name; members with another name refuse to join
   * @param host        address to bind and advertise (e.g. 127.0.0.1); null or 0.0.0.0 = let Hazelcast pick
   * @param port        first port; auto-increment is on, so a second node in the same host takes port+1, ...
   * @param members     TCP/IP members: "host", "host:port" or "host:port1-port2". A member without a port is
   *                    probed on port .. port+2 only (hazelcast.tcp.join.port.try.count = 3)
   */
  public static Config hazelcastConfig(String clusterName, String host, int port, List<String> members) {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(members, "members");
    Config cfg = ConfigUtil.loadConfig();
    if (cfg == null) { // loadConfig logs and returns null on I/O error
      cfg = new Config();
    }
    cfg.setClusterName(clusterName);

    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(port);
    net.setPortAutoIncrement(true);
    net.setPortCount(100);
    if (host != null && !host.isBlank() && !ANY_HOST.equals(host)) {
      // bind the server socket to that address only (default is 0.0.0.0) and advertise it
      net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
      cfg.setProperty("hazelcast.socket.bind.any", "false");
    }

    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(members)).setConnectionTimeoutSeconds(2);

    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    // Faster formation: default 5 s wait (and up to 20 s) before the master admits joiners.
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.max.wait.seconds.before.join", "5");
    // Faster detection of a crashed member (default 60 s); a clean shutdown is announced and is immediate.
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    // Bound the graceful shutdown (partition hand-off) instead of the default 600 s.
    cfg.setProperty("hazelcast.graceful.shutdown.max.wait", "20");
    return cfg;
  }

  /**
   * {@code Vertx.builder()} with the Hazelcast cluster manager for that config and the event bus host set;
   * {@code buildClustered()}.
   *
   * <p>The event bus host is taken from the config's pinned interface (see {@link #hazelcastConfig}) when
   * the options don't already set one; the event bus port stays as in the options (0 = random free port).
   * The given options are copied, not modified.
   */
  public static Future<Vertx> startClustered(VertxOptions options, Config hz) {
    Objects.requireNonNull(hz, "hz");
    VertxOptions opts = options == null ? new VertxOptions() : new VertxOptions(options);
    if (opts.getEventBusOptions().getHost() == null) {
      String host = pinnedHost(hz);
      if (host != null) {
        opts.getEventBusOptions().setHost(host);
      }
    }
    return Vertx.builder()
      .with(opts)
      .withClusterManager(new HazelcastClusterManager(hz))
      .buildClustered();
  }

  private static String pinnedHost(Config hz) {
    var itf = hz.getNetworkConfig().getInterfaces();
    if (itf.isEnabled() && !itf.getInterfaces().isEmpty()) {
      String h = itf.getInterfaces().iterator().next();
      // interface entries may be wildcards such as 10.10.1.*; those are not usable as a host
      if (!h.contains("*") && !h.contains("-")) {
        return h;
      }
    }
    return null;
  }
}
