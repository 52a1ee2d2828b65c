package com.softdew.vms.edge.ai.models.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.EventAccumulator;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.ai.scenes.PeopleScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each people model on a clear positive and a clear negative scene (PeopleScenes), through the real
 * perception (motion gating + tracker) fed with the scenes' known boxes, in overlapping segments.
 */
class PeopleModelsTest {
  private static void assertFiresAround(PeopleHarness.Run run, SyntheticClip.Label label, String key, int slackFrames) {
    assertFalse(run.events().isEmpty(), "no event");
    long first = run.firstAlarmFrame();
    assertTrue(Math.abs(first - label.startFrame()) <= slackFrames, "first alarm at frame " + first + ", expected ~" + label.startFrame());
    for (EventAccumulator.ModelEvent e : run.events()) {
      assertEquals(label.eventType(), e.type());
      assertEquals(label.zone(), e.zone());
      if (key != null) assertEquals(key, e.key());
      assertTrue(e.confidence() > 0 && e.confidence() <= 1);
    }
    // overlap did not duplicate events: one per key
    assertEquals(run.events().stream().map(EventAccumulator.ModelEvent::key).distinct().count(), run.events().size(), "" + run.events());
  }

  private static void assertQuiet(PeopleHarness.Run run) {
    assertEquals(List.of(), run.events());
    // ...but it saw the people
    assertTrue(run.results().stream().anyMatch(r -> !r.detections().isEmpty()), "no person seen at all");
  }

  private static void report(String what, PeopleHarness.Run run) {
    System.out.printf("%s: %.3f ms/frame (model only), events %s%n", what, run.modelMsPerFrame(), run.events());
  }

  @Test
  void servicesListTheFiveModels() {
    Map<String, AnalyticsModel> all = ModelCatalog.load();
    for (String id : List.of("intrusion", "crowd", "fallen", "tailgating", "abnormalBehavior")) {
      assertTrue(all.containsKey(id), id + " not registered: " + all.keySet());
      assertTrue(all.get(id).usesObjects());
      assertEquals(id, all.get(id).requirement().model());
    }
  }

  @Test
  void intrusion() {
    JsonObject p = new JsonObject().put("minDwellSeconds", 1.0);
    PeopleScenes.Scene in = PeopleScenes.intrusion(true, 1.0);
    PeopleHarness.Run pos = PeopleHarness.run(new IntrusionModel(), p, in);
    report("intrusion+", pos);
    assertFiresAround(pos, in.clip().labels().get(0), "t1", 3);
    // the dwell shows on the detections
    FrameResult last = pos.results().get(pos.results().size() - 1);
    assertTrue(last.detections().get(0).attributes().getDouble("dwellSeconds") > 2.5, last.toJson().encode());
    assertEquals("restricted", last.detections().get(0).zone());
    PeopleHarness.Run neg = PeopleHarness.run(new IntrusionModel(), p, PeopleScenes.intrusion(false, 1.0));
    report("intrusion-", neg);
    assertQuiet(neg);
  }

  @Test
  void crowd() {
    JsonObject p = new JsonObject().put("maxPeople", 6).put("minSeconds", 1.0);
    PeopleScenes.Scene many = PeopleScenes.crowd(8, 6, 1.0);
    PeopleHarness.Run pos = PeopleHarness.run(new CrowdModel(), p, many);
    report("crowd+", pos);
    assertFiresAround(pos, many.clip().labels().get(0), null, 4);
    // count = people in the zone, as labelled (once the tracks are born)
    for (FrameResult r : pos.results().subList(5, pos.results().size())) {
      assertEquals(many.clip().counts().get((int) r.frameIndex()), r.count(), "frame " + r.frameIndex());
    }
    PeopleHarness.Run neg = PeopleHarness.run(new CrowdModel(), p, PeopleScenes.crowd(4, 6, 1.0));
    report("crowd-", neg);
    assertQuiet(neg);
    assertEquals(4, neg.results().get(30).count());
    // density: 4 people in 42,000 px² = 0.95 per 10k px² -> crowded at maxDensity 0.9
    PeopleHarness.Run dense = PeopleHarness.run(new CrowdModel(), p.copy().put("maxDensity", 0.9), PeopleScenes.crowd(4, 6, 1.0));
    assertFalse(dense.events().isEmpty(), "density alarm expected");
  }

  @Test
  void fallen() {
    JsonObject p = new JsonObject().put("minDownSeconds", 2.0);
    PeopleScenes.Scene falls = PeopleScenes.fallen(true, 2.0);
    PeopleHarness.Run pos = PeopleHarness.run(new FallenModel(), p, falls);
    report("fallen+", pos);
    // the box turns horizontal during the fall (frames 20..25): down from ~frame 22
    assertFiresAround(pos, falls.clip().labels().get(0), "t1", 5);
    PeopleHarness.Run neg = PeopleHarness.run(new FallenModel(), p, PeopleScenes.fallen(false, 2.0));
    report("fallen-", neg);
    assertQuiet(neg);
  }

  @Test
  void tailgating() {
    JsonObject p = new JsonObject().put("windowSeconds", 3.0).put("doorZone", "door");
    PeopleScenes.Scene close = PeopleScenes.tailgating(1.0, 3.0);
    PeopleHarness.Run pos = PeopleHarness.run(new TailgatingModel(), p, close);
    report("tailgating+", pos);
    assertFiresAround(pos, close.clip().labels().get(0), "t2", 2);
    PeopleHarness.Run neg = PeopleHarness.run(new TailgatingModel(), p, PeopleScenes.tailgating(5.0, 3.0));
    report("tailgating-", neg);
    assertQuiet(neg);
    // crossings are seen in both: attribute on the detections
    assertEquals(2, neg.results().stream().flatMap(r -> r.detections().stream()).filter(d -> d.attributes().getBoolean("crossed", false)).count());
  }

  @Test
  void abnormalBehaviorRunning() {
    JsonObject p = new JsonObject();
    PeopleScenes.Scene run = PeopleScenes.running(3.0);
    PeopleHarness.Run pos = PeopleHarness.run(new AbnormalBehaviorModel(), p, run);
    report("running+", pos);
    assertFiresAround(pos, run.clip().labels().get(0), AbnormalBehaviorModel.RUNNING, 4);
    PeopleHarness.Run neg = PeopleHarness.run(new AbnormalBehaviorModel(), p, PeopleScenes.running(0.6));
    report("running-", neg);
    assertQuiet(neg);
  }

  @Test
  void abnormalBehaviorLoitering() {
    JsonObject p = new JsonObject().put("loiterSeconds", 8.0);
    PeopleScenes.Scene stays = PeopleScenes.loitering(true, 8.0);
    PeopleHarness.Run pos = PeopleHarness.run(new AbnormalBehaviorModel(), p, stays);
    report("loitering+", pos);
    assertFiresAround(pos, stays.clip().labels().get(0), AbnormalBehaviorModel.LOITERING, 3);
    PeopleHarness.Run neg = PeopleHarness.run(new AbnormalBehaviorModel(), p, PeopleScenes.loitering(false, 8.0));
    report("loitering-", neg);
    assertQuiet(neg);
  }

  @Test
  void abnormalBehaviorFighting() {
    JsonObject p = new JsonObject();
    PeopleScenes.Scene fight = PeopleScenes.fighting(true);
    PeopleHarness.Run pos = PeopleHarness.run(new AbnormalBehaviorModel(), p, fight);
    report("fighting+", pos);
    PeopleHarness.Run neg = PeopleHarness.run(new AbnormalBehaviorModel(), p, PeopleScenes.fighting(false));
    report("fighting-", neg);
    double calm = neg.results().stream().flatMap(r -> r.detections().stream()).mapToDouble(d -> d.attributes().getDouble("fightEnergy", 0.0)).max().orElse(0);
    double wild = pos.results().stream().flatMap(r -> r.detections().stream()).mapToDouble(d -> d.attributes().getDouble("fightEnergy", 0.0)).max().orElse(0);
    System.out.printf("fight energy: walking together max %.2f, fighting max %.2f box-heights/s%n", calm, wild);
    System.out.println("fight energy per frame: " + pos.results().stream()
        .map(r -> r.detections().isEmpty() ? "-" : String.valueOf(r.detections().get(0).attributes().getDouble("fightEnergy", -1.0))).toList());
    assertTrue(wild > 2 * calm, "fight " + wild + " vs calm " + calm);
    assertFiresAround(pos, fight.clip().labels().get(0), AbnormalBehaviorModel.FIGHTING, 4);
    assertQuiet(neg);
  }
}
