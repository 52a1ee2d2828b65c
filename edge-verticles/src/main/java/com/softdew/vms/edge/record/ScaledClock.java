package com.softdew.vms.edge.record;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock for simulations: starts at a given instant and runs {@code scale} times faster than real time (e.g. 3600:
 * one real second is one calendar hour). A {@link MainStreamRecorder} given such a clock also stretches stream time by
 * the same factor, so segment times, schedules and trigger windows all live in the simulated calendar. Production uses
 * {@link Clock#systemUTC()} (scale 1).
 */
public final class ScaledClock extends Clock {
  private final Instant start;
  private final long t0;
  private final double scale;

  public ScaledClock(Instant start, double scale) {
    this(start, System.nanoTime(), scale);
  }

  private ScaledClock(Instant start, long t0, double scale) {
    if (!(scale > 0)) throw new IllegalArgumentException("scale must be > 0");
    this.start = start;
    this.t0 = t0;
    this.scale = scale;
  }

  public double scale() {
    return scale;
  }

  /** The rate of {@code c} against real time: its scale for a ScaledClock, else 1. */
  public static double rateOf(Clock c) {
    return c instanceof ScaledClock s ? s.scale : 1.0;
  }

  /** Simulated duration of a real duration. */
  public Duration simulated(Duration real) {
    return Duration.ofNanos(Math.round(real.toNanos() * scale));
  }

  @Override
  public Instant instant() {
    return start.plusNanos(Math.round((System.nanoTime() - t0) * scale));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
