package com.softdew.vms.edge.ptz;

import io.vertx.core.Future;
import java.util.List;

/**
 * One camera's pan/tilt/zoom, whatever protocol it speaks (ONVIF PTZ service, ISAPI PTZCtrl).
 * Normalised units: pan and tilt in [-1, 1], zoom in [0, 1]; speeds in [-1, 1].
 */
public interface PtzDriver {
  /** Position in normalised units. */
  record Position(double pan, double tilt, double zoom) {}

  /** A stored preset. */
  record Preset(String id, String name) {}

  Future<Void> continuousMove(double panSpeed, double tiltSpeed, double zoomSpeed);

  Future<Void> stop();

  Future<Void> absoluteMove(Position target);

  Future<Position> status();

  /** Relative move: by default a read of the position followed by an absolute move. */
  default Future<Void> relativeMove(double dPan, double dTilt, double dZoom) {
    return status().compose(p -> absoluteMove(new Position(clamp(p.pan() + dPan, -1, 1), clamp(p.tilt() + dTilt, -1, 1),
        clamp(p.zoom() + dZoom, 0, 1))));
  }

  Future<List<Preset>> presets();

  /** Stores the current position under {@code id} (a new one when null); returns the id. */
  Future<String> setPreset(String id, String name);

  Future<Void> gotoPreset(String id);

  Future<Void> removePreset(String id);

  static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
