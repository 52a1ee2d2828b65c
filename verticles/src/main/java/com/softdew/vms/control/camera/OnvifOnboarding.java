package com.softdew.vms.control.camera;

import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.edge.onvif.MediaProfile;
import com.softdew.vms.edge.onvif.OnvifClient;
import com.softdew.vms.edge.onvif.OnvifException;
import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.util.Comparator;
import java.util.List;

/**
 * One-click adding of an ONVIF camera: connect with its credentials, read device information and
 * media profiles, take the largest profile as the main stream and the smallest as the sub stream,
 * ask for their stream URIs, and register the camera. A wrong password, an unreachable address or a
 * device that is not ONVIF is a 4xx/502 naming what failed; nothing is registered then.
 */
public final class OnvifOnboarding {
  private final WebClient web;
  private final CameraService cameras;

  public OnvifOnboarding(Vertx vertx, CameraService cameras) {
    this.web = WebClient.create(vertx);
    this.cameras = cameras;
  }

  /** Reads the device (identity, profiles, stream URIs) without registering it. */
  public Future<JsonObject> inspect(String onvifUrl, String user, String password) {
    OnvifClient c = new OnvifClient(web, onvifUrl, user, password);
    return c.connect().compose(x -> c.getDeviceInformation()).compose(info -> c.getProfiles().compose(profiles -> {
      if (profiles.isEmpty()) return Future.failedFuture(ApiException.invalid("onvifUrl", "the device has no media profile"));
      List<MediaProfile> bySize = profiles.stream().sorted(Comparator.comparingInt((MediaProfile p) -> p.width() * p.height()).reversed()).toList();
      MediaProfile main = bySize.get(0);
      MediaProfile sub = bySize.get(bySize.size() - 1);
      return c.getStreamUri(main.token()).compose(mainUri -> (sub == main ? Future.succeededFuture(mainUri) : c.getStreamUri(sub.token()))
          .map(subUri -> new JsonObject().put("manufacturer", info.manufacturer()).put("model", info.model()).put("serial", info.serialNumber())
              .put("firmware", info.firmwareVersion()).put("rtspMain", stripCredentials(mainUri)).put("rtspSub", stripCredentials(subUri))
              .put("ptz", profiles.stream().anyMatch(p -> p.ptzConfigurationToken() != null))
              .put("mainQuality", new JsonObject().put("resolution", main.width() + "x" + main.height())
                  .put("bitrate", main.bitrateKbps() == null ? 0 : main.bitrateKbps() * 1000L).put("fps", main.fps() == null ? 0 : main.fps())
                  .put("codec", main.encoding() == null ? "" : main.encoding().equalsIgnoreCase("JPEG") ? "mjpeg" : main.encoding().toLowerCase()))
              .put("profiles", new JsonArray(profiles.stream().map(p -> new JsonObject().put("token", p.token()).put("name", p.name())
                  .put("encoding", p.encoding()).put("width", p.width()).put("height", p.height()).put("fps", p.fps())
                  .put("bitrateKbps", p.bitrateKbps()).put("ptz", p.ptzConfigurationToken() != null)).toList()))));
    })).recover(e -> Future.failedFuture(translate(onvifUrl, e)));
  }

  /** Inspects, then registers the camera with what the device reported. */
  public Future<JsonObject> add(Principal by, String tenantId, JsonObject req, String ip) {
    String url = req.getString("onvifUrl");
    return inspect(url, req.getString("username"), req.getString("password")).compose(d -> {
      JsonObject cam = new JsonObject().put("name", req.getString("name", d.getString("manufacturer") + " " + d.getString("model")))
          .put("host", URI.create(url).getHost()).put("onvifUrl", url).put("rtspMain", d.getString("rtspMain")).put("rtspSub", d.getString("rtspSub"))
          .put("authType", "DIGEST").put("username", req.getString("username")).put("secret", req.getString("password"))
          .put("vendor", d.getString("manufacturer")).put("model", d.getString("model")).put("serial", d.getString("serial"))
          .mergeIn(d.getJsonObject("mainQuality"));
      if (req.getString("nodeId") != null) cam.put("nodeId", req.getString("nodeId"));
      if (req.getJsonArray("tags") != null) cam.put("tags", req.getJsonArray("tags"));
      if (req.getString("cameraId") != null) cam.put("cameraId", req.getString("cameraId"));
      return cameras.create(by, tenantId, CameraInput.fromJson(cam), ip).map(created -> created.put("profiles", d.getJsonArray("profiles")));
    });
  }

  static String stripCredentials(String uri) {
    URI u = URI.create(uri);
    if (u.getUserInfo() == null) return uri;
    return uri.replace(u.getRawUserInfo() + "@", "");
  }

  static Throwable translate(String url, Throwable e) {
    if (e instanceof ApiException) return e;
    if (e instanceof OnvifException oe && oe.isNotAuthorized()) {
      return new ApiException(400, "camera-auth-failed", "Camera refused the credentials", "ONVIF at " + url + ": " + oe.getMessage(),
          new JsonObject().put("field", "password"));
    }
    return new ApiException(502, "camera-unreachable", "Camera did not answer as ONVIF", "ONVIF at " + url + ": " + e.getMessage(),
        new JsonObject().put("field", "onvifUrl"));
  }
}
