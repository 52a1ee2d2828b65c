package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * What a model session knows about the camera it analyses.
 *
 * @param tenantId   owner of the camera (every result carries it)
 * @param cameraId   camera id
 * @param zones      zones in pixels of the analysed frame (already mapped with {@code geometry})
 * @param params     the model's parameters, already resolved by {@link ModelParams#resolve}
 * @param geometry   how the source picture maps to the analysed frame
 * @param fps        frame rate of the frames the session receives
 */
public record CameraContext(String tenantId, String cameraId, List<Zone> zones, JsonObject params, FrameGeometry geometry, double fps) {
  public CameraContext {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(cameraId, "cameraId");
    zones = List.copyOf(zones);
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(geometry, "geometry");
    if (!(fps > 0)) throw new IllegalArgumentException("fps must be > 0");
  }

  /** The zone containing the point, first configured wins; null when none. */
  public Zone zoneAt(double x, double y) {
    for (Zone z : zones) if (z.contains(x, y)) return z;
    return null;
  }

  public CameraContext withParams(JsonObject p) {
    return new CameraContext(tenantId, cameraId, zones, p, geometry, fps);
  }
}
