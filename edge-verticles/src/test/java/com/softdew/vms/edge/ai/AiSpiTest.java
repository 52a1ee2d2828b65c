package com.softdew.vms.edge.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class AiSpiTest {
  @Test
  void zoneParsesAndContains() {
    Zone z = Zone.parse("door=10,10;110,10;110,60;10,60");
    assertEquals("door", z.name());
    assertTrue(z.contains(50, 30));
    assertFalse(z.contains(5, 30));
    assertEquals(5000, z.area(), 1e-9);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Zone.parse("door=1,2;3"));
    assertTrue(e.getMessage().contains("door"), e.getMessage());
  }

  @Test
  void letterboxMapsBothWays() {
    FrameGeometry g = FrameGeometry.letterbox(1920, 1080, 640, 480);
    assertEquals(1 / 3.0, g.scale(), 1e-9);
    assertEquals(60, g.offY(), 1e-9);
    Box src = g.toSource(new Box(0, 60, 640, 360));
    assertEquals(0, src.x(), 1e-6);
    assertEquals(0, src.y(), 1e-6);
    assertEquals(1920, src.w(), 1e-6);
    assertEquals(1080, src.h(), 1e-6);
    Zone z = g.toFrame(Zone.parse("all=0,0;1920,0;1920,1080"));
    assertEquals(60, z.points().get(0)[1], 1e-9);
  }

  @Test
  void boxIou() {
    assertEquals(1, new Box(0, 0, 10, 10).iou(new Box(0, 0, 10, 10)), 1e-9);
    assertEquals(0, new Box(0, 0, 10, 10).iou(new Box(20, 20, 5, 5)), 1e-9);
    assertEquals(50.0 / 150, new Box(0, 0, 10, 10).iou(new Box(5, 0, 10, 10)), 1e-9);
  }

  @Test
  void paramsResolveAndNameBadField() {
    ModelParams p = new ModelParams("motion", List.of(ConfigKey.integer("minAreaPx", 400, 1, 100000, "smallest moving blob")));
    assertEquals(400, p.defaults().getInteger("minAreaPx"));
    assertEquals(900, p.resolve(new JsonObject().put("minAreaPx", 900)).getInteger("minAreaPx"));
    ConfigException bad = assertThrows(ConfigException.class, () -> p.resolve(new JsonObject().put("minAreaPx", 0)));
    assertTrue(bad.getMessage().contains("models.motion.params.minAreaPx"), bad.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class, () -> p.resolve(new JsonObject().put("minArea", 5)));
    assertTrue(unknown.getMessage().contains("models.motion.params.minArea"), unknown.getMessage());
  }

  @Test
  void accumulatorJoinsAlarmFramesAndIgnoresOverlap() {
    EventAccumulator acc = new EventAccumulator(200);
    int ended = 0;
    for (int i = 0; i < 30; i++) {
      List<Alarm> alarms = i >= 5 && i < 15 ? List.of(new Alarm("intrusion", "door", null, 0.5 + i / 100.0, "in door")) : List.of();
      ended += acc.accept(new FrameResult("intrusion", i, i * 100L, 0, List.of(), alarms, false)).size();
      // overlap: frame re-sent with an older timestamp is ignored
      acc.accept(new FrameResult("intrusion", i, i * 100L, 0, List.of(), List.of(new Alarm("x", null, null, 1, null)), false));
    }
    assertEquals(1, ended);
    assertTrue(acc.flush().isEmpty());
  }

  @Test
  void accumulatorReportsBounds() {
    EventAccumulator acc = new EventAccumulator(0);
    acc.accept(new FrameResult("fire", 3, 300, 0, List.of(), List.of(new Alarm("fire", null, null, 0.7, "flames")), false));
    acc.accept(new FrameResult("fire", 4, 400, 0, List.of(), List.of(new Alarm("fire", null, null, 0.9, "flames")), false));
    List<EventAccumulator.ModelEvent> ev = acc.flush();
    assertEquals(1, ev.size());
    assertEquals(3, ev.get(0).startFrame());
    assertEquals(4, ev.get(0).endFrame());
    assertEquals(0.9, ev.get(0).confidence(), 1e-9);
  }
}
