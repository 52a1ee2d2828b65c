package com.softdew.vms.edge.onvif;

/**
 * Answer of tptz:GetStatus in the generic spaces: pan and tilt in [-1, 1], zoom in [0, 1].
 *
 * @param panTiltMove IDLE, MOVING or UNKNOWN as reported; null when absent
 * @param zoomMove IDLE, MOVING or UNKNOWN as reported; null when absent
 */
public record PtzStatus(double pan, double tilt, double zoom, String panTiltMove, String zoomMove, String utcTime) {

  public boolean moving() {
    return "MOVING".equals(panTiltMove) || "MOVING".equals(zoomMove);
  }
}
