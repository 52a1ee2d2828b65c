package com.softdew.vms.edge.ai.models.people;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Intrusion: a tracked person or vehicle whose foot point (bottom centre of its box) has stayed inside
 * a zone for at least {@code minDwellSeconds}. Without configured zones the whole frame is protected
 * (alarm zone null). Alarm key: the track id. Dwell restarts when the track leaves the zone (or moves to
 * another zone); a track the detector misses for a few frames keeps its dwell (the tracker coasts it).
 */
public final class IntrusionModel implements AnalyticsModel {
  public static final String ID = "intrusion";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.decimal("minDwellSeconds", 1.0, 0, 3600, "seconds a person/vehicle must stay in a zone before the alarm"),
      ConfigKey.list("classes", List.of("person", "vehicle"), "object classes that intrude (person, vehicle)"),
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

  private static final class Dwell {
    boolean in;
    String zone;
    long since;
  }

  private static final class Session extends PeopleSession {
    private final double minDwellMs;
    private final boolean wholeFrame;
    private final TrackMemory<Dwell> dwell = new TrackMemory<>(ID, 1024, 10_000);

    Session(CameraContext c) {
      super(ID, c, new HashSet<>(c.params().getJsonArray("classes").getList()), c.params().getDouble("minConfidence"));
      minDwellMs = c.params().getDouble("minDwellSeconds") * 1000;
      wholeFrame = c.zones().isEmpty();
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      List<Detection> out = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      for (Detection d : objects) {
        boolean inside = wholeFrame || d.zone() != null;
        Dwell s = dwell.get(d.trackId(), f.ptsMs(), Dwell::new);
        if (!inside) {
          s.in = false;
          out.add(d);
          continue;
        }
        if (!s.in || !Objects.equals(s.zone, d.zone())) {
          s.in = true;
          s.zone = d.zone();
          s.since = f.ptsMs();
        }
        double dwellS = (f.ptsMs() - s.since) / 1000.0;
        out.add(new Detection(d.objectClass(), d.confidence(), d.box(), d.trackId(), d.zone(),
            new JsonObject().put("dwellSeconds", Math.round(dwellS * 10) / 10.0)));
        if (f.ptsMs() - s.since >= minDwellMs) {
          String where = d.zone() != null ? "zone " + d.zone() : "the frame";
          alarms.add(new Alarm(ID, d.zone(), d.trackId(), d.confidence(),
              d.objectClass() + " " + d.trackId() + " in " + where + " for " + seconds(dwellS) + " >= " + seconds(minDwellMs / 1000)));
        }
      }
      dwell.prune(f.ptsMs());
      return FrameResult.of(ID, f, out, alarms);
    }
  }
}
