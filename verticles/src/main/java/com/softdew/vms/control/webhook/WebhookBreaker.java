package com.softdew.vms.control.webhook;

/**
 * A per-endpoint circuit breaker (closed → open after {@code threshold} consecutive failures → half-open after
 * {@code openMillis}: one trial delivery → closed on success, open again on failure). Hand-written because
 * io.vertx:vertx-circuit-breaker is not a dependency of this module (see docs/webhooks.md); used on the event loop
 * only (not thread-safe).
 */
final class WebhookBreaker {
  enum State { CLOSED, OPEN, HALF_OPEN }

  private State state = State.CLOSED;
  private int failures;
  private long openUntil;
  private boolean trialInFlight;
  private long opened;

  /** May a delivery be attempted now? Moves open → half-open when the open period is over (one trial at a time). */
  boolean allow(long now, int threshold, long openMillis) {
    switch (state) {
      case CLOSED:
        return true;
      case OPEN:
        if (now < openUntil) return false;
        state = State.HALF_OPEN;
        trialInFlight = true;
        return true;
      default:
        if (trialInFlight) return false;
        trialInFlight = true;
        return true;
    }
  }

  void success() {
    state = State.CLOSED;
    failures = 0;
    trialInFlight = false;
  }

  /** Returns true when this failure opened the breaker. */
  boolean failure(long now, int threshold, long openMillis) {
    trialInFlight = false;
    if (state == State.HALF_OPEN || (state == State.CLOSED && ++failures >= threshold)) {
      state = State.OPEN;
      openUntil = now + openMillis;
      opened++;
      return true;
    }
    return false;
  }

  /** When an open breaker lets the next trial through (epoch ms). */
  long openUntil() {
    return openUntil;
  }

  /** How many times it opened. */
  long opened() {
    return opened;
  }

  State state() {
    return state;
  }
}
