package com.softdew.vms.edge.plugin;

import com.softdew.vms.edge.isapi.IsapiClient;
import com.softdew.vms.edge.ptz.IsapiPtzDriver;
import com.softdew.vms.edge.ptz.PtzDriver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Hikvision ISAPI as a camera plugin: identity from /ISAPI/System/deviceInfo, PTZ through PTZCtrl. */
public final class IsapiPlugin implements CameraPlugin {
  @Override
  public String id() {
    return "isapi";
  }

  @Override
  public Future<JsonObject> identify(Vertx vertx, String baseUrl, String user, String secret) {
    return new IsapiClient(vertx, baseUrl, user, secret).deviceInfo().map(d -> new JsonObject().put("serial", d.serialNumber())
        .put("model", d.model()).put("firmware", d.firmwareVersion()).put("name", d.deviceName()));
  }

  @Override
  public boolean isAuthFailure(Throwable failure) {
    return failure instanceof IsapiClient.IsapiException e && e.status() == 401;
  }

  @Override
  public int httpStatus(Throwable failure) {
    return failure instanceof IsapiClient.IsapiException e ? e.status() : 0;
  }

  @Override
  public PtzDriver ptz(Vertx vertx, String baseUrl, String user, String secret) {
    return new IsapiPtzDriver(new IsapiClient(vertx, baseUrl, user, secret));
  }
}
