package com.softdew.vms.edge.ptz;

import com.softdew.vms.edge.isapi.IsapiClient;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PTZ through Hikvision ISAPI. ISAPI speaks -100..100 speeds and tenths of a degree; this driver maps
 * them to the normalised units of {@link PtzDriver}. Preset names are kept here because the simulator
 * (like many firmwares) does not list them back; ids are ISAPI's 1..300.
 */
public final class IsapiPtzDriver implements PtzDriver {
  private final IsapiClient client;
  private final Map<String, String> names = new ConcurrentHashMap<>();

  public IsapiPtzDriver(IsapiClient client) {
    this.client = client;
  }

  @Override
  public Future<Void> continuousMove(double panSpeed, double tiltSpeed, double zoomSpeed) {
    return client.ptzContinuous((int) Math.round(panSpeed * 100), (int) Math.round(tiltSpeed * 100), (int) Math.round(zoomSpeed * 100));
  }

  @Override
  public Future<Void> stop() {
    return client.ptzContinuous(0, 0, 0);
  }

  @Override
  public Future<Void> absoluteMove(Position t) {
    return client.ptzAbsolute((int) Math.round(Math.floorMod(Math.round((t.pan() + 1) * 1800), 3600)), (int) Math.round(t.tilt() * 900),
        (int) Math.round(10 + t.zoom() * 90));
  }

  @Override
  public Future<Position> status() {
    return client.ptzStatus().map(s -> {
      double pan = s.azimuth() / 1800.0 - 1;
      return new Position(pan, s.elevation() / 900.0, (s.zoom() - 10) / 90.0);
    });
  }

  @Override
  public Future<List<Preset>> presets() {
    return Future.succeededFuture(names.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> new Preset(e.getKey(), e.getValue())).toList());
  }

  @Override
  public Future<String> setPreset(String id, String name) {
    String pid = id != null ? id : Integer.toString(names.keySet().stream().mapToInt(Integer::parseInt).max().orElse(0) + 1);
    int n = Integer.parseInt(pid);
    return client.setPreset(n, name == null ? "preset " + pid : name).map(v -> {
      names.put(pid, name == null ? "preset " + pid : name);
      return pid;
    });
  }

  @Override
  public Future<Void> gotoPreset(String id) {
    return client.gotoPreset(Integer.parseInt(id));
  }

  @Override
  public Future<Void> removePreset(String id) {
    return client.removePreset(Integer.parseInt(id)).onSuccess(v -> names.remove(id));
  }
}
