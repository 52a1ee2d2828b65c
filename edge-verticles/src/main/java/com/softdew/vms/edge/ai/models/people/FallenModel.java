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
import java.util.List;
import java.util.Set;

/**
 * Fallen person: a tracked person seen upright (box aspect w/h below {@code uprightRatio}) on at least
 * {@code minUprightFrames} frames whose box then turns horizontal (w/h above {@code aspectRatio}) and
 * stays so for {@code minDownSeconds}. Alarm key: the track id; it lasts while the person stays down.
 * Standing up again (upright box) re-arms the track.
 *
 * <p>Limit: the box must follow the body as it goes down, which needs a detector that finds lying
 * people (the ONNX YOLO detector does; OpenCV's HOG pedestrian detector only finds upright people, so
 * with {@code detector.kind=hog} a fall usually ends the track instead of turning its box).
 */
public final class FallenModel implements AnalyticsModel {
  public static final String ID = "fallen";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.decimal("aspectRatio", 1.2, 0.5, 10, "box width/height above which a person is lying"),
      ConfigKey.decimal("uprightRatio", 0.8, 0.1, 2, "box width/height below which a person is upright"),
      ConfigKey.integer("minUprightFrames", 3, 1, 1000, "frames a track must have been upright before a fall counts"),
      ConfigKey.decimal("minDownSeconds", 2, 0, 3600, "seconds a person must stay down before the alarm"),
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

  private static final class Pose {
    int uprightFrames;
    long downSince = -1;
  }

  private static final class Session extends PeopleSession {
    private final double lying, upright, minDownMs;
    private final int minUpright;
    private final TrackMemory<Pose> poses = new TrackMemory<>(ID, 1024, 30_000);

    Session(CameraContext c) {
      super(ID, c, Set.of("person"), c.params().getDouble("minConfidence"));
      lying = c.params().getDouble("aspectRatio");
      upright = c.params().getDouble("uprightRatio");
      minUpright = c.params().getInteger("minUprightFrames");
      minDownMs = c.params().getDouble("minDownSeconds") * 1000;
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      List<Detection> out = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      for (Detection d : objects) {
        Pose p = poses.get(d.trackId(), f.ptsMs(), Pose::new);
        double ratio = d.box().h() > 0 ? d.box().w() / d.box().h() : 0;
        String state;
        if (ratio < upright) {
          p.uprightFrames++;
          p.downSince = -1;
          state = "upright";
        } else if (ratio > lying && p.uprightFrames >= minUpright) {
          if (p.downSince < 0) p.downSince = f.ptsMs();
          state = "down";
        } else {
          state = p.downSince >= 0 ? "down" : "unsure"; // between the thresholds: keep what it was
        }
        JsonObject attrs = new JsonObject().put("aspect", Math.round(ratio * 100) / 100.0).put("pose", state);
        if (p.downSince >= 0) {
          double downS = (f.ptsMs() - p.downSince) / 1000.0;
          attrs.put("downSeconds", Math.round(downS * 10) / 10.0);
          if (f.ptsMs() - p.downSince >= minDownMs) {
            double conf = Math.min(1, d.confidence() * Math.min(1, 0.5 + (ratio - lying) / lying));
            alarms.add(new Alarm(ID, d.zone(), d.trackId(), Math.max(0.05, conf), "person " + d.trackId() + " down (w/h "
                + String.format(java.util.Locale.ROOT, "%.2f", ratio) + ") for " + seconds(downS) + " >= " + seconds(minDownMs / 1000)));
          }
        }
        out.add(new Detection(d.objectClass(), d.confidence(), d.box(), d.trackId(), d.zone(), attrs));
      }
      poses.prune(f.ptsMs());
      return FrameResult.of(ID, f, out, alarms);
    }
  }
}
