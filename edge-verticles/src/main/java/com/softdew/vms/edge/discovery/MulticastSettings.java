package com.softdew.vms.edge.discovery;

/**
 * How WS-Discovery uses multicast (group 239.255.255.250, port 3702).
 *
 * @param enabled false to probe by unicast only (networks that drop multicast, cameras across routers)
 * @param networkInterface interface name to send and join on (e.g. {@code eth0}); null for the OS default
 * @param ttl multicast TTL; WS-Discovery asks for 1 (one subnet); 0 keeps datagrams on this host
 */
public record MulticastSettings(boolean enabled, String networkInterface, int ttl) {
  public static final String GROUP = "239.255.255.250";
  public static final int PORT = 3702;

  /** The subnet of the default interface, TTL 1, as WS-Discovery specifies. */
  public static MulticastSettings lan() {
    return new MulticastSettings(true, null, 1);
  }

  /** Loopback only, TTL 0: nothing leaves the host (tests, simulators on one machine). */
  public static MulticastSettings loopback() {
    return new MulticastSettings(true, "lo", 0);
  }

  public static MulticastSettings disabled() {
    return new MulticastSettings(false, null, 0);
  }
}
