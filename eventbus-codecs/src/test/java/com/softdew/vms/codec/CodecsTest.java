package com.softdew.vms.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.model.Event;
import com.softdew.vms.model.Incident;
import com.softdew.vms.model.InvalidFieldException;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CodecsTest {

  static VideoJob job(byte[] bytes) {
    return new VideoJob(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), 42,
        Instant.parse("2026-11-29T10:00:00.123Z"), bytes, bytes == null ? "segments/t1/c1/42.mp4" : null,
        new VideoJob.Metadata("640x480", 800_000, 5.0, 75, List.of("fire", "intrusion"), Priority.CRITICAL,
            new VideoJob.SourceQuality("1920x1080", 4_000_000, 25.0, "h264")));
  }

  @Test
  void recordsSurviveTheWireForm() {
    VideoJob inline = job(new byte[] {0, 1, 2, (byte) 255});
    JsonRecordCodec<VideoJob> codec = new JsonRecordCodec<>(VideoJob.class, VideoJob::fromJson);
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, inline);
    VideoJob back = codec.decodeFromWire(6, wire);
    assertEquals(inline, back);
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, back.videoSegment());

    VideoJob claim = job(null);
    assertEquals(claim, VideoJob.fromJson(claim.toJson()));
    assertNull(VideoJob.fromJson(claim.toJson()).videoSegment());

    Event ev = new Event(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "fire", 0.93, Instant.now(),
        new Event.DetectionMetadata(new Event.BoundingBox(0.1, 0.2, 0.3, 0.4), "smoke", UUID.randomUUID()),
        "https://x/clip.mp4", Priority.CRITICAL, Event.Status.NEW);
    assertEquals(ev, Event.fromJson(ev.toJson()));
    Incident inc = new Incident(UUID.randomUUID(), Instant.now(), null, null, "fire",
        Incident.Type.LATENCY_BREACH, 812, 500, Incident.Severity.HIGH);
    assertEquals(inc, Incident.fromJson(inc.toJson()));
  }

  @Test
  void badInputNamesTheField() {
    JsonObject j = job(null).toJson();
    j.getJsonObject("metadata").getJsonObject("sourceQuality").put("fps", "fast");
    InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> VideoJob.fromJson(j));
    assertEquals("metadata.sourceQuality.fps", e.field());

    JsonObject k = job(null).toJson().put("customerId", "not-a-uuid");
    assertEquals("customerId", assertThrows(InvalidFieldException.class, () -> VideoJob.fromJson(k)).field());

    JsonObject both = job(new byte[] {1}).toJson().put("segmentUri", "x");
    assertEquals("videoSegment", assertThrows(InvalidFieldException.class, () -> VideoJob.fromJson(both)).field());

    JsonObject p = job(null).toJson();
    p.getJsonObject("metadata").put("priority", "URGENT");
    InvalidFieldException pe = assertThrows(InvalidFieldException.class, () -> VideoJob.fromJson(p));
    assertEquals("metadata.priority", pe.field());
    assertTrue(pe.getMessage().contains("CRITICAL"), pe.getMessage());
  }

  @Test
  void recordsTravelTheBusAfterOneRegistration(Vertx vertx, VertxTestContext ctx) {
    Codecs.registerAll(vertx);
    Codecs.registerAll(vertx); // idempotent
    VideoJob sent = job(new byte[] {9});
    vertx.eventBus().<VideoJob>consumer("test.jobs", m -> m.reply(m.body().segmentSequence()));
    vertx.eventBus().<Long>request("test.jobs", sent)
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(42L, r.body());
          ctx.completeNow();
        })));
  }

  @Test
  void clientAddressesCarryTheTenant() {
    assertEquals("client.tenant.acme.events", Addresses.clientEvents("acme"));
    assertEquals("acme", Addresses.tenantOfClientAddress(Addresses.clientEvents("acme")));
    assertNull(Addresses.tenantOfClientAddress("vms.config.changed"));
    assertThrows(IllegalArgumentException.class, () -> Addresses.clientEvents("a.b"));
    assertEquals(Addresses.TOPIC_VIDEO_JOBS_STANDARD, Addresses.videoJobTopic(Priority.MEDIUM));
  }
}
