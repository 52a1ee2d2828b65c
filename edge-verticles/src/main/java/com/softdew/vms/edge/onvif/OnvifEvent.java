package com.softdew.vms.edge.onvif;

import java.util.Map;

/**
 * One wsnt:NotificationMessage. The topic's prefix is normalised to {@code tns1:} when it names the
 * ONVIF topic namespace, whatever prefix the camera used.
 *
 * @param propertyOperation Initialized, Changed or Deleted; null when absent
 * @param source the Source SimpleItems (name to value), in document order
 * @param data the Data SimpleItems (name to value), in document order
 */
public record OnvifEvent(String topic, String utcTime, String propertyOperation, Map<String, String> source,
    Map<String, String> data) {

  /** The first boolean Data item (State, IsMotion, LogicalState...), or null when there is none. */
  public Boolean state() {
    for (String v : data.values()) {
      if ("true".equalsIgnoreCase(v) || "1".equals(v)) return true;
      if ("false".equalsIgnoreCase(v) || "0".equals(v)) return false;
    }
    return null;
  }
}
