package com.softdew.vms.edge.ptz;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guard tours: an ordered list of presets with a dwell time each, looped until stopped; at most one
 * tour per camera (starting another replaces it). Timers, not threads: nothing blocks. A manual move
 * should stop the tour first (the API does). Every step is published so operators see where it is.
 */
public final class PtzTourRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PtzTourRunner.class);

  /** A step of a tour. */
  public record Step(String presetId, Duration dwell) {}

  private final Vertx vertx;
  private final String address;
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  private static final class Running {
    volatile boolean stopped;
    volatile long timer = -1;
    volatile int index;
  }

  /** {@code address}: where each step is published (the camera id is in the message). */
  public PtzTourRunner(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
  }

  /** Starts (or replaces) the tour of a camera. */
  public void start(String cameraKey, PtzDriver driver, List<Step> steps) {
    if (steps.isEmpty()) throw new IllegalArgumentException("a tour needs at least one preset");
    stop(cameraKey);
    Running r = new Running();
    running.put(cameraKey, r);
    step(cameraKey, driver, steps, r);
  }

  private void step(String cameraKey, PtzDriver driver, List<Step> steps, Running r) {
    if (r.stopped) return;
    Step s = steps.get(r.index % steps.size());
    driver.gotoPreset(s.presetId()).onComplete(ar -> {
      if (r.stopped) return;
      if (ar.failed()) LOG.warn("tour of {}: goto preset {} failed: {}", cameraKey, s.presetId(), ar.cause().getMessage());
      vertx.eventBus().publish(address, new JsonObject().put("camera", cameraKey).put("presetId", s.presetId())
          .put("step", r.index % steps.size()).put("ok", ar.succeeded()));
      r.index++;
      r.timer = vertx.setTimer(Math.max(1, s.dwell().toMillis()), id -> step(cameraKey, driver, steps, r));
    });
  }

  public boolean isRunning(String cameraKey) {
    return running.containsKey(cameraKey);
  }

  public void stop(String cameraKey) {
    Running r = running.remove(cameraKey);
    if (r != null) {
      r.stopped = true;
      if (r.timer >= 0) vertx.cancelTimer(r.timer);
    }
  }

  /**
   * Auto-tracking hook (driven by the events issue): a relative move that brings the centre of a
   * bounding box (normalised 0..1 image coordinates) towards the image centre; {@code gain} scales it.
   */
  public static Future<Void> trackTowards(PtzDriver driver, double boxCenterX, double boxCenterY, double gain) {
    double dx = (boxCenterX - 0.5) * 2 * gain;
    double dy = (0.5 - boxCenterY) * 2 * gain;
    if (Math.abs(dx) < 0.02 && Math.abs(dy) < 0.02) return Future.succeededFuture();
    return driver.relativeMove(dx, dy, 0);
  }
}
