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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Crowd: tracked people counted per zone (foot point inside; a person counts in the first zone that
 * holds it) or over the whole frame when no zone is configured, and their density in people per
 * 10,000 px² of the zone's area. A zone is crowded when count >= {@code maxPeople} or (when
 * {@code maxDensity} > 0) density >= {@code maxDensity}; the alarm (zone = the zone, key null) is raised
 * once the condition has held for {@code minSeconds}. {@link FrameResult#count()} is the number of people
 * counted (in zones, or in the frame).
 */
public final class CrowdModel implements AnalyticsModel {
  public static final String ID = "crowd";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.integer("maxPeople", 10, 1, 100_000, "people in one zone (or the frame) at which it is crowded"),
      ConfigKey.decimal("maxDensity", 0, 0, 10_000, "people per 10,000 px² of zone area at which it is crowded (0 = off)"),
      ConfigKey.decimal("minSeconds", 2, 0, 3600, "seconds the crowd must last before the alarm"),
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

  private static final class Session extends PeopleSession {
    private static final String FRAME = "\u0000frame";
    private final int maxPeople;
    private final double maxDensity;
    private final double minMs;
    private final Map<String, Long> crowdedSince = new HashMap<>();

    Session(CameraContext c) {
      super(ID, c, Set.of("person"), c.params().getDouble("minConfidence"));
      maxPeople = c.params().getInteger("maxPeople");
      maxDensity = c.params().getDouble("maxDensity");
      minMs = c.params().getDouble("minSeconds") * 1000;
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      boolean zoned = !camera.zones().isEmpty();
      Map<String, Double> areas = new LinkedHashMap<>();
      if (zoned) for (Zone z : camera.zones()) areas.putIfAbsent(z.name(), z.area());
      else areas.put(FRAME, (double) f.width() * f.height());
      Map<String, Integer> counts = new HashMap<>();
      List<Detection> counted = new ArrayList<>();
      for (Detection d : objects) {
        String key = zoned ? d.zone() : FRAME;
        if (key == null) continue;
        counts.merge(key, 1, Integer::sum);
        counted.add(d);
      }
      List<Alarm> alarms = new ArrayList<>();
      for (Map.Entry<String, Double> e : areas.entrySet()) {
        int n = counts.getOrDefault(e.getKey(), 0);
        double density = e.getValue() > 0 ? n / (e.getValue() / 10_000) : 0;
        boolean crowded = n >= maxPeople || maxDensity > 0 && density >= maxDensity;
        if (!crowded) {
          crowdedSince.remove(e.getKey());
          continue;
        }
        long since = crowdedSince.computeIfAbsent(e.getKey(), k -> f.ptsMs());
        double held = (f.ptsMs() - since) / 1000.0;
        if (f.ptsMs() - since >= minMs) {
          String zone = FRAME.equals(e.getKey()) ? null : e.getKey();
          double ratio = Math.max(n / (double) maxPeople, maxDensity > 0 ? density / maxDensity : 0);
          double conf = Math.min(1, 0.6 + 0.4 * (ratio - 1));
          alarms.add(new Alarm(ID, zone, null, conf, String.format(Locale.ROOT,
              "%d people (%.2f per 10k px²) in %s for %s, limits %d people%s", n, density, zone == null ? "the frame" : "zone " + zone,
              seconds(held), maxPeople, maxDensity > 0 ? String.format(Locale.ROOT, " / %.2f per 10k px²", maxDensity) : "")));
        }
      }
      return FrameResult.of(ID, f, counted, alarms).withCount(counted.size());
    }
  }
}
