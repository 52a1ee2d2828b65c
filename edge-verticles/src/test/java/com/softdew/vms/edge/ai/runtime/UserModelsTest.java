package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.job.ModelRequirements;
import com.softdew.vms.model.Priority;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserModelsTest {
  @TempDir Path dir;

  static String error(List<String> specs) {
    return assertThrows(IllegalArgumentException.class, () -> UserModels.parse(specs)).getMessage();
  }

  @Test
  void parsesSpecsAndNamesTheBadField() {
    List<UserOnnxModel> ms = UserModels.parse(List.of("forklift=/models/forklift.onnx;classes=forklift,pallet;priority=HIGH;input=320",
        "helmet=/models/ppe.onnx; classes = no-helmet"));
    assertEquals(2, ms.size());
    UserOnnxModel.Spec s = ms.get(0).spec();
    assertEquals("forklift", s.id());
    assertEquals(Path.of("/models/forklift.onnx"), s.path());
    assertEquals(List.of("forklift", "pallet"), s.classes());
    assertEquals(Priority.HIGH, s.priority());
    assertEquals(320, s.input());
    assertEquals(Priority.MEDIUM, ms.get(1).priority());
    assertEquals(640, ms.get(1).spec().input());
    assertNull(ms.get(1).spec().labels());
    // permissive requirement with the configured priority
    ModelRequirements.Requirement r = ms.get(0).requirement();
    assertEquals(new ModelRequirements.Requirement("forklift", Priority.HIGH, 360, 0, 1, 0), r);
    assertEquals(Priority.HIGH, ms.get(0).priority());

    assertTrue(error(List.of("a=/m.onnx;classes=x;priority=URGENT")).contains("ai.userModels[0]"));
    assertTrue(error(List.of("a=/m.onnx;classes=x;priority=URGENT")).contains("field priority"));
    assertTrue(error(List.of("a=/m.onnx;classes=x;input=10")).contains("field input"));
    assertTrue(error(List.of("a=/m.onnx;classes=x;input=abc")).contains("field input"));
    assertTrue(error(List.of("a=/m.onnx")).contains("field classes"));
    assertTrue(error(List.of("a=/m.onnx;classes=x;colour=red")).contains("unknown field colour"));
    assertTrue(error(List.of("1a=/m.onnx;classes=x")).contains("field id"));
    assertTrue(error(List.of("fire=/m.onnx;classes=x")).contains("built-in"));
    assertTrue(error(List.of("a=;classes=x")).contains("field path"));
    assertTrue(error(List.of("a=/m.pt;classes=x")).contains("field path"));
    assertTrue(error(List.of("/m.onnx")).contains("must start with id="));
    String dup = error(List.of("a=/m.onnx;classes=x", "a=/n.onnx;classes=y"));
    assertTrue(dup.contains("ai.userModels[1]") && dup.contains("field id"), dup);
    // from settings: a JSON array, or one spec as a string (its commas are not list separators)
    JsonObject two = new JsonObject().put("userModels", new JsonArray().add("a=/m.onnx;classes=x,y").add("b=/n.onnx;classes=z"));
    assertEquals(2, UserModels.fromSettings(two).size());
    assertEquals(List.of("x", "y"), UserModels.fromSettings(new JsonObject().put("userModels", "a=/m.onnx;classes=x,y")).get(0).spec().classes());
    assertTrue(UserModels.fromSettings(new JsonObject()).isEmpty());
  }

  @Test
  void userModelRaisesAlarmsForItsClassesInZones() throws Exception {
    Path model = TinyOnnx.write(dir.resolve("ppe.onnx"), 64, 8, OnnxYoloDetectorTest.COLOURS, true, false,
        Map.of(0, "person", 1, "no-helmet", 2, "forklift"));
    UserOnnxModel m = UserModels.parse(List.of("ppe=" + model + ";classes=no-helmet,forklift;priority=CRITICAL;input=64")).get(0);
    m.init(new ModelEnvironment(new JsonObject().put("threads", 1), Path.of("target"), InferenceDevice.CPU));
    JsonObject params = m.params().resolve(new JsonObject().put("confidence", 0.6));
    // zone "dock": the left half of the 320x240 frame
    CameraContext cam = new CameraContext("tenant-a", "cam-1", List.of(Zone.parse("dock=0,0;160,0;160,240;0,240")), params,
        FrameGeometry.identity(320, 240), 15);
    ModelSession session = m.open(cam);
    try (FrameView f0 = OnnxYoloDetectorTest.frame(0, new int[] {40, 80, 0, 255, 0}, new int[] {120, 120, 255, 0, 0},
            new int[] {240, 120, 0, 0, 255});
        FrameView f1 = OnnxYoloDetectorTest.frame(1)) {
      List<FrameResult> rs = session.analyze(List.of(f0, f1));
      assertEquals(2, rs.size());
      FrameResult r0 = rs.get(0);
      // green (no-helmet) in the dock: alarm; red (person) is not a listed class; blue (forklift) is outside every zone
      assertEquals(1, r0.detections().size(), r0.toJson().encode());
      assertEquals("no-helmet", r0.detections().get(0).objectClass());
      assertEquals("dock", r0.detections().get(0).zone());
      assertEquals(1, r0.alarms().size());
      Alarm a = r0.alarms().get(0);
      assertEquals("ppe", a.type());
      assertEquals("dock", a.zone());
      assertEquals("no-helmet", a.key());
      assertTrue(a.confidence() > 0.9, a.toString());
      assertTrue(rs.get(1).alarms().isEmpty());
      assertTrue(rs.get(1).detections().isEmpty());
    }
    // without zones the whole frame counts
    CameraContext open = new CameraContext("tenant-a", "cam-2", List.of(), params, FrameGeometry.identity(320, 240), 15);
    try (FrameView f = OnnxYoloDetectorTest.frame(0, new int[] {240, 120, 0, 0, 255})) {
      FrameResult r = m.open(open).analyze(List.of(f)).get(0);
      assertEquals(1, r.alarms().size());
      assertEquals("forklift", r.alarms().get(0).key());
      assertNull(r.alarms().get(0).zone());
    }
  }

  @Test
  void initChecksTheClassesAgainstTheModel() throws Exception {
    Path model = TinyOnnx.write(dir.resolve("three.onnx"), 64, 8, OnnxYoloDetectorTest.COLOURS, true, false, null);
    UserOnnxModel m = UserModels.parse(List.of("x=" + model + ";classes=helmet;labels=person,dog,car;input=64")).get(0);
    String e = assertThrows(IllegalArgumentException.class,
        () -> m.init(new ModelEnvironment(new JsonObject(), Path.of("target"), InferenceDevice.CPU))).getMessage();
    assertTrue(e.contains("field classes") && e.contains("helmet"), e);
    UserOnnxModel missing = UserModels.parse(List.of("y=" + dir.resolve("nope.onnx") + ";classes=a")).get(0);
    e = assertThrows(IllegalArgumentException.class,
        () -> missing.init(new ModelEnvironment(new JsonObject(), Path.of("target"), InferenceDevice.CPU))).getMessage();
    assertTrue(e.contains("field path") && e.contains("does not exist"), e);
  }
}
