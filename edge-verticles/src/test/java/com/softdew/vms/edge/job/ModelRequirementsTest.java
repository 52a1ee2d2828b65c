package com.softdew.vms.edge.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob.SourceQuality;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelRequirementsTest {

  @Test
  void refusesAnprOn720pWithReasons() {
    List<String> reasons = ModelRequirements.validate("anpr", new SourceQuality("1280x720", 2_000_000, 25, "h264"), 5);
    assertEquals(List.of("anpr needs 1080p, camera sends 1280x720", "anpr needs 3 Mbps, camera sends 2 Mbps"), reasons);
    assertEquals(List.of(), ModelRequirements.validate("anpr", new SourceQuality("1920x1080", 4_000_000, 25, "h265"), 5));
  }

  @Test
  void acceptsMotionOn360p() {
    assertEquals(List.of(), ModelRequirements.validate("motion", new SourceQuality("640x360", 512_000, 15, "h264"), 5));
    assertEquals(List.of("motion needs 512 Kbps, camera sends 256 Kbps"),
        ModelRequirements.validate("motion", new SourceQuality("640x360", 256_000, 15, "mjpeg"), 5));
    assertEquals(List.of("motion needs 360p, camera sends 320x240"),
        ModelRequirements.validate("motion", new SourceQuality("320x240", 0, 15, "h264"), 5), "bitrate 0 = unknown, not held against it");
  }

  @Test
  void segmentLengthAndCodec() {
    assertEquals(List.of("missingObject needs segments of at least 10 s, segment length is 5 s"),
        ModelRequirements.validate("missingObject", new SourceQuality("1920x1080", 4_000_000, 15, "h264"), 5));
    assertEquals(List.of("fire needs an overlap of 2 s, which a 2 s segment cannot hold", "fire needs segments of at least 5 s, segment length is 2 s").stream().sorted().toList(),
        ModelRequirements.validate("fire", new SourceQuality("1920x1080", 4_000_000, 15, "h264"), 2).stream().sorted().toList());
    assertTrue(ModelRequirements.validate("crowd", new SourceQuality("1080x1920", 4_000_000, 15, "mpeg2"), 5).get(0).contains("codec mpeg2"));
    assertEquals(List.of("unknown model nope"), ModelRequirements.validate("nope", new SourceQuality("1920x1080", 0, 0, null), 5));
  }

  @Test
  void tableMatchesTheSeed() {
    assertEquals(List.of("intrusion", "motion", "tampering", "fire", "crowd", "missingObject", "abnormalBehavior", "fallen",
        "tailgating", "anpr"), ModelRequirements.models());
    assertEquals(Priority.CRITICAL, ModelRequirements.of("fire").priority());
    assertEquals(1080, ModelRequirements.of("anpr").minLines());
    assertThrows(IllegalArgumentException.class, () -> ModelRequirements.of("x"));
  }

  @Test
  void overlapIsTheLargestOfTheEnabledModels() {
    assertEquals(1.0, ModelRequirements.effectiveOverlap(1.0, List.of("motion", "anpr"), Map.of(), 5, 15));
    assertEquals(2.0, ModelRequirements.effectiveOverlap(1.0, List.of("motion", "fire"), Map.of(), 5, 15));
    assertEquals(3.0, ModelRequirements.effectiveOverlap(1.0, List.of("motion"), Map.of("motion", 3.0), 5, 15));
    assertEquals(1.0, ModelRequirements.effectiveOverlap(1.0, List.of("fire"), Map.of("fire", 0.0), 5, 15), "override below the global one");
    assertEquals(2 - 1.0 / 15, ModelRequirements.effectiveOverlap(1.0, List.of("fire"), Map.of(), 2, 15), 1e-9, "kept below L");
  }
}
