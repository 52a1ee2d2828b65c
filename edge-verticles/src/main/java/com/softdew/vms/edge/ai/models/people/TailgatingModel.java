package com.softdew.vms.edge.ai.models.people;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tailgating: people crossing into the door zone (zone named {@code doorZone}, else the first configured
 * zone). A crossing is a track whose foot point was seen outside the door zone and then inside it. Each
 * crossing opens an access window of {@code windowSeconds}; more than {@code maxPersons} crossings within
 * one window is tailgating: the alarm (zone = door, key = the track id of the extra person) is raised
 * from that person's crossing until the window closes. Without a door zone the model reports the people
 * and never alarms (logged once).
 */
public final class TailgatingModel implements AnalyticsModel {
  public static final String ID = "tailgating";
  private static final Logger log = LoggerFactory.getLogger(TailgatingModel.class);

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.string("doorZone", "", "zone of the door (empty = the first zone)"),
      ConfigKey.decimal("windowSeconds", 3, 0.1, 600, "access window opened by one crossing"),
      ConfigKey.integer("maxPersons", 1, 1, 100, "people allowed through per access window"),
      ConfigKey.decimal("minConfidence", 0.3, 0, 1, "detections below are ignored")));

  @Override
  public String id() { return ID; }

  @Override
  public ModelParams params() { return PARAMS; }

  @Override
  public boolean usesObjects() { return true; }

  @Override
  public ModelSession open(CameraContext camera) {
    return new Session(camera);
  }

  private static final class Side {
    boolean seenOutside;
    boolean inside;
  }

  private record Crossing(String trackId, long ptsMs) {}

  private static final class Session extends PeopleSession {
    private static final int MAX_CROSSINGS = 256;
    private final Zone door;
    private final double windowMs;
    private final int maxPersons;
    private final TrackMemory<Side> sides = new TrackMemory<>(ID, 1024, 10_000);
    private final Deque<Crossing> crossings = new ArrayDeque<>();
    /** Tailgaters whose alarm is on: track id → pts until which it lasts. */
    private final java.util.LinkedHashMap<String, Long> alarmUntil = new java.util.LinkedHashMap<>();

    Session(CameraContext c) {
      super(ID, c, Set.of("person"), c.params().getDouble("minConfidence"));
      String name = c.params().getString("doorZone");
      Zone d = null;
      for (Zone z : c.zones()) {
        if (name.isEmpty() || z.name().equals(name)) {
          d = z;
          break;
        }
      }
      if (d == null) {
        log.warn("tailgating on camera {}/{}: no door zone ({}): no alarms", c.tenantId(), c.cameraId(),
            name.isEmpty() ? "no zone configured" : "zone '" + name + "' not configured");
      }
      door = d;
      windowMs = c.params().getDouble("windowSeconds") * 1000;
      maxPersons = c.params().getInteger("maxPersons");
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      List<Detection> out = new ArrayList<>();
      if (door == null) return FrameResult.of(ID, f, objects, List.of());
      long now = f.ptsMs();
      while (!crossings.isEmpty() && now - crossings.peekFirst().ptsMs() > windowMs) crossings.removeFirst();
      for (Detection d : objects) {
        Side s = sides.get(d.trackId(), now, Side::new);
        boolean in = door.contains(d.box().footX(), d.box().footY());
        JsonObject attrs = new JsonObject().put("inDoor", in);
        if (in && !s.inside && s.seenOutside) {
          crossings.addLast(new Crossing(d.trackId(), now));
          if (crossings.size() > MAX_CROSSINGS) crossings.removeFirst();
          attrs.put("crossed", true);
          if (crossings.size() > maxPersons && alarmUntil.size() < MAX_CROSSINGS) {
            alarmUntil.put(d.trackId(), crossings.peekFirst().ptsMs() + (long) windowMs);
          }
        }
        if (!in) s.seenOutside = true;
        s.inside = in;
        out.add(new Detection(d.objectClass(), d.confidence(), d.box(), d.trackId(), in ? door.name() : d.zone(), attrs));
      }
      sides.prune(now);
      List<Alarm> alarms = new ArrayList<>();
      alarmUntil.values().removeIf(until -> now > until);
      for (String tailgater : alarmUntil.keySet()) {
        alarms.add(new Alarm(ID, door.name(), tailgater, 0.8, String.format(Locale.ROOT,
            "%s crossed into %s within %.1f s of another person (%d in the window, %d allowed)", tailgater, door.name(), windowMs / 1000,
            crossings.size(), maxPersons)));
      }
      return FrameResult.of(ID, f, out, alarms);
    }
  }
}
