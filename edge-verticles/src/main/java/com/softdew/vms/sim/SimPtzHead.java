package com.softdew.vms.sim;

import java.time.Duration;

/**
 * The mechanics of a simulated PTZ head in the ONVIF generic spaces: pan and tilt in [-1, 1], zoom in
 * [0, 1]. Continuous moves are integrated over time (a speed of 1 covers {@value #UNITS_PER_SECOND}
 * units a second) and end at Stop or their timeout; absolute and relative moves and presets arrive at
 * once. Thread-safe.
 */
public final class SimPtzHead {
  /** Generic-space units travelled per second at velocity 1. */
  public static final double UNITS_PER_SECOND = 1.0;

  /** A position in the generic spaces. */
  public record Position(double pan, double tilt, double zoom) {}

  private double pan, tilt, zoom;
  private double vPan, vTilt, vZoom;
  private long sinceNanos = System.nanoTime();
  private long untilNanos = Long.MAX_VALUE;

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /** Folds the motion so far into the stored position; velocities stay. */
  private void settle(long now) {
    long end = Math.min(now, untilNanos);
    double dt = Math.max(0, end - sinceNanos) / 1e9;
    pan = clamp(pan + vPan * UNITS_PER_SECOND * dt, -1, 1);
    tilt = clamp(tilt + vTilt * UNITS_PER_SECOND * dt, -1, 1);
    zoom = clamp(zoom + vZoom * UNITS_PER_SECOND * dt, 0, 1);
    sinceNanos = now;
    if (now >= untilNanos) {
      vPan = vTilt = vZoom = 0;
      untilNanos = Long.MAX_VALUE;
    }
  }

  public synchronized void continuous(double panSpeed, double tiltSpeed, double zoomSpeed, Duration timeout) {
    long now = System.nanoTime();
    settle(now);
    vPan = clamp(panSpeed, -1, 1);
    vTilt = clamp(tiltSpeed, -1, 1);
    vZoom = clamp(zoomSpeed, -1, 1);
    untilNanos = timeout == null ? Long.MAX_VALUE : now + timeout.toNanos();
  }

  public synchronized void stop(boolean panTilt, boolean zoomAxis) {
    settle(System.nanoTime());
    if (panTilt) vPan = vTilt = 0;
    if (zoomAxis) vZoom = 0;
  }

  /** Moves to a position; a null axis stays (and stops). */
  public synchronized void absolute(Double p, Double t, Double z) {
    settle(System.nanoTime());
    vPan = vTilt = vZoom = 0;
    if (p != null) pan = clamp(p, -1, 1);
    if (t != null) tilt = clamp(t, -1, 1);
    if (z != null) zoom = clamp(z, 0, 1);
  }

  public synchronized void relative(double dp, double dt, double dz) {
    settle(System.nanoTime());
    vPan = vTilt = vZoom = 0;
    pan = clamp(pan + dp, -1, 1);
    tilt = clamp(tilt + dt, -1, 1);
    zoom = clamp(zoom + dz, 0, 1);
  }

  public synchronized Position position() {
    settle(System.nanoTime());
    return new Position(pan, tilt, zoom);
  }

  public synchronized boolean panTiltMoving() {
    settle(System.nanoTime());
    return vPan != 0 || vTilt != 0;
  }

  public synchronized boolean zoomMoving() {
    settle(System.nanoTime());
    return vZoom != 0;
  }
}
