package com.softdew.vms.control.camera;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.discovery.MulticastSettings;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * From the API to Kafka: enabling a model for a registered (simulated) camera starts its video
 * pipeline on the node, and VideoJobs for that model arrive on its priority topic; disabling it stops
 * the pipeline.
 */
class PipelineSupervisorTest {
  @Test
  void enablingAModelStartsThePipelineAndJobsFlow() throws Exception {
    try (TestNode t = TestNode.start(Map.of())) {
      CameraSimulator sim = new CameraSimulator(t.vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      CameraSimulator.Descriptor cam = await(sim.startCameras(1, Codec.H264, port, "127.0.0.1", MulticastSettings.disabled())).get(0);
      assertEquals(201, t.api.call(t.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", "shop").put("name", "Shop")
          .put("licence", new JsonObject().put("cameraLimit", 4).put("validUntil", Instant.now().plus(Duration.ofDays(30)).toString())
              .put("models", new JsonArray().add("motion")))).statusCode());
      assertEquals(201, t.api.call(t.operator, "POST", "/api/v1/cameras?tenantId=shop", new JsonObject().put("cameraId", "till").put("name", "Till")
          .put("host", "127.0.0.1").put("rtspMain", cam.rtspMain()).put("rtspSub", cam.rtspSub()).put("authType", "DIGEST")
          .put("username", cam.user()).put("secret", cam.password())).statusCode());
      assertTrue(t.node.pipelines().runningCameras().isEmpty(), "no model enabled: no pipeline");

      List<VideoJob> jobs = new CopyOnWriteArrayList<>();
      KafkaConsumer<String, Buffer> consumer = KafkaClients.consumer(t.vertx, t.node.stores(), "test-motion-" + System.nanoTime(), Map.of(), null);
      consumer.handler(r -> jobs.add(VideoJob.fromJson(new JsonObject(r.value()))));
      await(consumer.subscribe(Addresses.TOPIC_VIDEO_JOBS_STANDARD));

      assertEquals(200, t.api.call(t.operator, "PATCH", "/api/v1/config/scopes/camera:shop:till", new JsonObject().put("patch", new JsonObject()
          .put("models", new JsonObject().put("motion", new JsonObject().put("enabled", true)))
          .put("video", new JsonObject().put("segment", new JsonObject().put("lengthSeconds", 2).put("overlapSeconds", 0.5))))).statusCode());
      long deadline = System.currentTimeMillis() + 30_000;
      while (jobs.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertEquals(java.util.Set.of("shop/till"), t.node.pipelines().runningCameras());
      assertTrue(!jobs.isEmpty(), "a job arrived on " + Addresses.TOPIC_VIDEO_JOBS_STANDARD);
      assertEquals(CameraPipeline.uuidOf("camera", "till"), jobs.get(0).cameraId());
      assertEquals(List.of("motion"), jobs.get(0).metadata().enabledModels());

      // the licence expires: the licence watcher announces it and ingest stops; a renewal resumes it
      JsonObject expired = new JsonObject().put("cameraLimit", 4).put("validFrom", Instant.now().minus(Duration.ofDays(30)).toString())
          .put("validUntil", Instant.now().minusSeconds(1).toString()).put("models", new JsonArray().add("motion"));
      assertEquals(200, t.api.call(t.operator, "PUT", "/api/v1/tenants/shop/licence", expired).statusCode());
      await(t.node.licences().check());
      deadline = System.currentTimeMillis() + 10_000;
      while (!t.node.pipelines().runningCameras().isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertTrue(t.node.pipelines().runningCameras().isEmpty(), "an expired licence stops ingest");
      assertEquals(200, t.api.call(t.operator, "PUT", "/api/v1/tenants/shop/licence", expired.copy()
          .put("validUntil", Instant.now().plus(Duration.ofDays(30)).toString())).statusCode());
      await(t.node.licences().check());
      deadline = System.currentTimeMillis() + 10_000;
      while (t.node.pipelines().runningCameras().isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertEquals(java.util.Set.of("shop/till"), t.node.pipelines().runningCameras(), "a renewal resumes it");

      assertEquals(200, t.api.call(t.operator, "PATCH", "/api/v1/config/scopes/camera:shop:till", new JsonObject().put("patch", new JsonObject()
          .put("models", new JsonObject().put("motion", new JsonObject().put("enabled", false))))).statusCode());
      deadline = System.currentTimeMillis() + 10_000;
      while (!t.node.pipelines().runningCameras().isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertTrue(t.node.pipelines().runningCameras().isEmpty(), "disabling the last model stops the pipeline");
      await(consumer.close());
      await(sim.stop());
    }
  }
}
