package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ptz.PtzDriver;
import com.softdew.vms.edge.ptz.PtzTourRunner;
import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PTZ of registered cameras: picks the driver from the camera's record (ISAPI plugin today; the ONVIF
 * driver plugs in the same way), caches it per camera (dropped when the camera changes), runs tours.
 * Camera failures become 502 problems naming the camera and the cause.
 */
public final class PtzService {
  private final Vertx vertx;
  private final CameraService cameras;
  private final PtzTourRunner tours;
  private final Map<String, PtzDriver> drivers = new ConcurrentHashMap<>();
  private final io.vertx.ext.web.client.WebClient web;

  public PtzService(Vertx vertx, CameraService cameras) {
    this.vertx = vertx;
    this.cameras = cameras;
    this.tours = new PtzTourRunner(vertx, "vms.ptz.tour");
    this.web = io.vertx.ext.web.client.WebClient.create(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.CAMERA_CHANGED, m -> {
      String key = m.body().getString("tenantId") + "/" + m.body().getString("cameraId");
      drivers.remove(key);
      if ("deleted".equals(m.body().getString("action"))) tours.stop(key);
    });
  }

  public PtzTourRunner tours() {
    return tours;
  }

  /** The driver of a camera of the tenant (404 for another tenant's or an unknown camera). */
  public Future<PtzDriver> driver(String tenantId, String cameraId) {
    String key = tenantId + "/" + cameraId;
    PtzDriver d = drivers.get(key);
    if (d != null) return Future.succeededFuture(d);
    return cameras.get(tenantId, cameraId).compose(cam -> cameras.secretOf(tenantId, cameraId).map(secret -> {
      String plugin = cam.getString("plugin", "");
      PtzDriver driver;
      com.softdew.vms.edge.plugin.CameraPlugin p = com.softdew.vms.edge.plugin.CameraPlugins.get(plugin);
      if (p != null && p.ptz(vertx, baseUrl(cam), cam.getString("username"), secret) != null) {
        driver = p.ptz(vertx, baseUrl(cam), cam.getString("username"), secret);
      } else if (!cam.getString("onvifUrl", "").isEmpty()) {
        driver = new com.softdew.vms.edge.ptz.OnvifPtzDriver(new com.softdew.vms.edge.onvif.OnvifClient(web, cam.getString("onvifUrl"),
            cam.getString("username"), secret));
      } else {
        throw new ApiException(409, "ptz-unsupported", "PTZ not available",
            "camera " + cameraId + " has neither an ONVIF address nor a PTZ plugin", null);
      }
      drivers.put(key, driver);
      return driver;
    }));
  }

  static String baseUrl(JsonObject cam) {
    String onvif = cam.getString("onvifUrl", "");
    if (!onvif.isEmpty()) {
      URI u = URI.create(onvif);
      return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
    }
    return "http://" + cam.getString("host");
  }

  /** Wraps a camera call: its failure is a 502 naming the camera. */
  public static <T> Future<T> camera(String cameraId, Future<T> call) {
    return call.recover(e -> {
      if (e instanceof ApiException) return Future.failedFuture(e);
      boolean auth = com.softdew.vms.edge.plugin.CameraPlugins.isAuthFailure(e)
          || (e instanceof com.softdew.vms.edge.onvif.OnvifException oe && oe.isNotAuthorized());
      boolean notFound = com.softdew.vms.edge.plugin.CameraPlugins.httpStatus(e) == 404;
      if (notFound) return Future.failedFuture(ApiException.notFound("camera " + cameraId + ": " + e.getMessage()));
      return Future.failedFuture(new ApiException(502, auth ? "camera-auth-failed" : "camera-unreachable",
          auth ? "Camera refused the credentials" : "Camera did not answer", "camera " + cameraId + ": " + e.getMessage(), null));
    });
  }

  public void startTour(String tenantId, String cameraId, PtzDriver d, List<PtzTourRunner.Step> steps) {
    tours.start(tenantId + "/" + cameraId, d, steps);
  }

  public void stopTour(String tenantId, String cameraId) {
    tours.stop(tenantId + "/" + cameraId);
  }
}
