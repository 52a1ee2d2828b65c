package com.softdew.vms.edge.discovery;

import java.util.List;

/**
 * One device found by WS-Discovery.
 *
 * @param endpointReference the device's stable WS-Addressing address (usually {@code urn:uuid:...})
 * @param xaddrs device service URLs
 * @param types e.g. {@code dn:NetworkVideoTransmitter}, as written by the device
 * @param from host:port the answer came from
 */
public record DiscoveredDevice(String endpointReference, List<String> xaddrs, List<String> scopes, List<String> types,
    String from) {

  public DiscoveredDevice {
    xaddrs = List.copyOf(xaddrs);
    scopes = List.copyOf(scopes);
    types = List.copyOf(types);
  }

  /** The value of the first scope below {@code onvif://www.onvif.org/<category>/}, URL-decoded, or null. */
  public String scope(String category) {
    String prefix = "onvif://www.onvif.org/" + category + "/";
    for (String s : scopes) {
      if (s.startsWith(prefix)) return java.net.URLDecoder.decode(s.substring(prefix.length()), java.nio.charset.StandardCharsets.UTF_8);
    }
    return null;
  }
}
