package com.softdew.vms.edge.ptz;

import com.softdew.vms.edge.onvif.MediaProfile;
import com.softdew.vms.edge.onvif.OnvifClient;
import io.vertx.core.Future;
import java.util.List;

/**
 * PTZ through the ONVIF PTZ service, on the first media profile that has a PTZ configuration. ONVIF's
 * generic spaces are already normalised (pan/tilt -1..1, zoom 0..1), so values pass through.
 */
public final class OnvifPtzDriver implements PtzDriver {
  private final OnvifClient client;
  private Future<String> profile;

  public OnvifPtzDriver(OnvifClient client) {
    this.client = client;
  }

  private synchronized Future<String> profile() {
    if (profile == null || profile.failed()) {
      profile = client.connect().compose(c -> c.getProfiles()).map(ps -> ps.stream().filter(p -> p.ptzConfigurationToken() != null)
          .map(MediaProfile::token).findFirst().orElseThrow(() -> new IllegalStateException("the camera has no PTZ profile")));
    }
    return profile;
  }

  @Override
  public Future<Void> continuousMove(double panSpeed, double tiltSpeed, double zoomSpeed) {
    return profile().compose(t -> client.continuousMove(t, panSpeed, tiltSpeed, zoomSpeed, null));
  }

  @Override
  public Future<Void> stop() {
    return profile().compose(client::stop);
  }

  @Override
  public Future<Void> absoluteMove(Position target) {
    return profile().compose(t -> client.absoluteMove(t, target.pan(), target.tilt(), target.zoom()));
  }

  @Override
  public Future<Void> relativeMove(double dPan, double dTilt, double dZoom) {
    return profile().compose(t -> client.relativeMove(t, dPan, dTilt, dZoom));
  }

  @Override
  public Future<Position> status() {
    return profile().compose(client::getStatus).map(s -> new Position(s.pan(), s.tilt(), s.zoom()));
  }

  @Override
  public Future<List<Preset>> presets() {
    return profile().compose(client::getPresets).map(l -> l.stream().map(p -> new Preset(p.token(), p.name())).toList());
  }

  @Override
  public Future<String> setPreset(String id, String name) {
    return profile().compose(t -> client.setPreset(t, name == null ? "preset" : name, id));
  }

  @Override
  public Future<Void> gotoPreset(String id) {
    return profile().compose(t -> client.gotoPreset(t, id));
  }

  @Override
  public Future<Void> removePreset(String id) {
    return profile().compose(t -> client.removePreset(t, id));
  }
}
