package com.softdew.vms.edge.plugin;

import com.softdew.vms.edge.ptz.PtzDriver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A vendor protocol the platform speaks to a camera beyond RTSP and ONVIF (Hikvision ISAPI is the
 * first). Plugins are found with {@link java.util.ServiceLoader} ({@code META-INF/services}), so a
 * vendor SDK binding can ship as its own jar on the classpath. A camera names its plugin in the
 * registry ({@code plugin}); health probes and PTZ then go through it.
 */
public interface CameraPlugin {
  /** Registry id, lowercase (e.g. {@code isapi}). */
  String id();

  /** Device identity with these credentials: {serial, model, firmware, ...}; fails with the camera's refusal. */
  Future<JsonObject> identify(Vertx vertx, String baseUrl, String user, String secret);

  /** True when the failure means "wrong credentials" (health: AUTH_FAILED rather than ERROR). */
  boolean isAuthFailure(Throwable failure);

  /** The HTTP status the camera answered with, when {@code failure} is such an answer of this plugin; 0 otherwise. */
  default int httpStatus(Throwable failure) {
    return 0;
  }

  /** The PTZ driver, or null when this plugin has no PTZ. */
  PtzDriver ptz(Vertx vertx, String baseUrl, String user, String secret);
}
