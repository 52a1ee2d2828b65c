package com.softdew.vms.edge.onvif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.OnvifDeviceServer;
import com.softdew.vms.sim.SimCameraInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link OnvifClient} against a simulated camera ({@link OnvifDeviceServer}) over real HTTP. */
class OnvifClientSimulatorTest {
  static final SimCameraInfo INFO = new SimCameraInfo("SIM-0001", "Softdew", "SimCam 4K", "1.2.3",
      "rtsp://127.0.0.1:8554/cam1/main", "rtsp://127.0.0.1:8554/cam1/sub", 1920, 1080, 640, 360, "H265", "admin",
      "s3cret!");
  static Vertx vertx;
  static WebClient web;
  static OnvifDeviceServer sim;
  static OnvifClient client;

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    sim = await(new OnvifDeviceServer(vertx, INFO).start());
    client = await(new OnvifClient(web, sim.deviceServiceUrl(), "admin", "s3cret!").connect());
  }

  @AfterAll
  static void stop() {
    await(sim.close());
    web.close();
    await(vertx.close());
  }

  @Test
  void connectLearnsServicesAndClock() {
    ServiceEndpoints ep = client.endpoints();
    assertEquals(sim.baseUrl() + OnvifDeviceServer.MEDIA2_PATH, ep.media2());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.PTZ_PATH, ep.ptz());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.EVENTS_PATH, ep.events());
    assertTrue(client.clockOffset().abs().toMillis() < 1500, client.clockOffset().toString());
    ServiceEndpoints caps = await(client.getCapabilities());
    assertEquals(sim.baseUrl() + OnvifDeviceServer.MEDIA_PATH, caps.media());
  }

  @Test
  void deviceInformation() {
    assertEquals(new DeviceInformation("Softdew", "SimCam 4K", "1.2.3", "SIM-0001", "SimCam 4K"),
        await(client.getDeviceInformation()));
  }

  @Test
  void profilesAndStreamUrisMedia2AndMedia1() {
    for (boolean media2 : new boolean[] {true, false}) {
      OnvifClient c = new OnvifClient(web, sim.deviceServiceUrl(), "admin", "s3cret!").preferMedia2(media2);
      await(c.connect());
      List<MediaProfile> ps = await(c.getProfiles());
      assertEquals(2, ps.size(), "media2=" + media2);
      assertEquals(new MediaProfile("main", "main", "H265", 1920, 1080, 25.0, 4096, "vidsrc0", "ptz0"), ps.get(0));
      assertEquals(new MediaProfile("sub", "sub", "H265", 640, 360, 15.0, 512, "vidsrc0", "ptz0"), ps.get(1));
      assertEquals(INFO.rtspMain(), await(c.getStreamUri("main")));
      assertEquals(INFO.rtspSub(), await(c.getStreamUri("sub")));
    }
    for (int i = 0; i < 20; i++) await(client.getProfiles());
    long t0 = System.nanoTime();
    int n = 50;
    for (int i = 0; i < n; i++) await(client.getProfiles());
    System.out.printf("MEASURE GetProfiles round trip (Media2, digest auth, loopback): %.2f ms average over %d after warm-up%n",
        (System.nanoTime() - t0) / 1e6 / n, n);
  }

  @Test
  void snapshotUriServesJpeg() {
    String uri = await(client.getSnapshotUri("sub"));
    HttpResponse<Buffer> r = await(web.getAbs(uri).send());
    assertEquals(200, r.statusCode());
    assertEquals("image/jpeg", r.getHeader("Content-Type"));
    assertEquals((byte) 0xFF, r.body().getByte(0));
    assertEquals((byte) 0xD8, r.body().getByte(1));
  }

  @Test
  void unknownProfileIsAFault() {
    OnvifException e = assertThrows(OnvifException.class, () -> await(client.getStreamUri("nope")));
    assertEquals(List.of("InvalidArgVal", "NoProfile"), e.subcodes());
    assertEquals(400, e.httpStatus());
    assertFalse(e.isNotAuthorized());
  }

  @Test
  void ptzContinuousAbsoluteRelative() throws Exception {
    await(client.absoluteMove("main", 0.0, 0.0, 0.0));
    await(client.continuousMove("main", 0.5, 0.0, 0.0, null));
    assertTrue(await(client.getStatus("main")).moving());
    Thread.sleep(500);
    await(client.stop("main"));
    PtzStatus st = await(client.getStatus("main"));
    // 0.5 x 1 unit/s x ~0.5 s (plus round trips)
    assertTrue(st.pan() > 0.2 && st.pan() < 0.4, "pan after 500 ms at 0.5: " + st.pan());
    assertEquals(0.0, st.tilt(), 1e-9);
    assertFalse(st.moving());
    double panAfterStop = st.pan();
    Thread.sleep(100);
    assertEquals(panAfterStop, await(client.getStatus("main")).pan(), 1e-9, "stopped head does not drift");

    await(client.continuousMove("main", 0.0, -1.0, 0.0, Duration.ofMillis(200)));
    Thread.sleep(400);
    st = await(client.getStatus("main"));
    assertEquals(-0.2, st.tilt(), 0.03, "timeout ended the move after 200 ms");
    assertFalse(st.moving());

    await(client.absoluteMove("main", -0.5, 0.25, 0.75));
    st = await(client.getStatus("main"));
    assertEquals(-0.5, st.pan(), 1e-9);
    assertEquals(0.25, st.tilt(), 1e-9);
    assertEquals(0.75, st.zoom(), 1e-9);
    await(client.relativeMove("main", 0.1, null, -0.25));
    st = await(client.getStatus("main"));
    assertEquals(-0.4, st.pan(), 1e-9);
    assertEquals(0.25, st.tilt(), 1e-9);
    assertEquals(0.5, st.zoom(), 1e-9);
    OnvifException e = assertThrows(OnvifException.class, () -> await(client.absoluteMove("main", 2.0, 0.0, 0.0)));
    assertTrue(e.subcodes().contains("InvalidPosition"), e.getMessage());
  }

  @Test
  void presetsSetGotoRemove() {
    await(client.absoluteMove("main", 0.3, -0.3, 0.2));
    String door = await(client.setPreset("main", "door", null));
    await(client.absoluteMove("main", -0.9, 0.9, 1.0));
    String gate = await(client.setPreset("main", "gate", null));
    List<PtzPreset> presets = await(client.getPresets("main"));
    PtzPreset p = presets.stream().filter(x -> x.token().equals(door)).findFirst().orElseThrow();
    assertEquals("door", p.name());
    assertEquals(0.3, p.pan(), 1e-9);

    await(client.gotoPreset("main", door));
    PtzStatus st = await(client.getStatus("main"));
    assertEquals(0.3, st.pan(), 1e-9);
    assertEquals(-0.3, st.tilt(), 1e-9);
    assertEquals(0.2, st.zoom(), 1e-9);

    await(client.removePreset("main", gate));
    assertTrue(await(client.getPresets("main")).stream().noneMatch(x -> x.token().equals(gate)));
    OnvifException e = assertThrows(OnvifException.class, () -> await(client.gotoPreset("main", gate)));
    assertTrue(e.subcodes().contains("NoToken"), e.getMessage());
    await(client.removePreset("main", door));
  }

  @Test
  void eventsPullPoint() {
    PullPointSubscription sub = await(client.createPullPointSubscription(Duration.ofSeconds(30)));
    assertTrue(sub.address().startsWith(sim.baseUrl() + OnvifDeviceServer.PULLPOINT_PATH), sub.address());
    assertEquals(List.of(), await(client.pullMessages(sub, Duration.ZERO, 10)));

    sim.fireEvent("tns1:VideoSource/MotionAlarm", true);
    sim.fireEvent("tns1:VideoSource/GlobalSceneChange/ImagingService", true);
    List<OnvifEvent> evs = await(client.pullMessages(sub, Duration.ofSeconds(1), 10));
    assertEquals(2, evs.size());
    assertEquals("tns1:VideoSource/MotionAlarm", evs.get(0).topic());
    assertEquals(Boolean.TRUE, evs.get(0).state());
    assertEquals("vidsrc0", evs.get(0).source().get("Source"));
    assertEquals("Changed", evs.get(0).propertyOperation());
    assertNotNull(evs.get(0).utcTime());
    assertEquals("tns1:VideoSource/GlobalSceneChange/ImagingService", evs.get(1).topic());

    // long poll: the pull waits on the camera until an event arrives
    long t0 = System.nanoTime();
    Future<List<OnvifEvent>> pending = client.pullMessages(sub, Duration.ofSeconds(5), 10);
    vertx.setTimer(300, t -> sim.fireEvent("tns1:Device/Trigger/DigitalInput", false));
    evs = await(pending);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(1, evs.size());
    assertEquals("tns1:Device/Trigger/DigitalInput", evs.get(0).topic());
    assertEquals(Boolean.FALSE, evs.get(0).state());
    assertEquals("false", evs.get(0).data().get("LogicalState"));
    assertTrue(ms >= 250 && ms < 3000, "long poll answered after " + ms + " ms");

    await(client.unsubscribe(sub));
    OnvifException e = assertThrows(OnvifException.class, () -> await(client.pullMessages(sub, Duration.ZERO, 10)));
    assertEquals("PullMessages", e.operation());
  }

  @Test
  void wrongPasswordIsNotAuthorized() {
    OnvifClient bad = new OnvifClient(web, sim.deviceServiceUrl(), "admin", "wrong");
    // GetSystemDateAndTime needs no credentials, as on real cameras
    assertNotNull(await(bad.syncClock()));
    OnvifException e = assertThrows(OnvifException.class, () -> await(bad.getDeviceInformation()));
    assertTrue(e.isNotAuthorized(), e.getMessage());
    assertEquals("GetDeviceInformation", e.operation());
    assertEquals(400, e.httpStatus());
    assertEquals("Sender", e.fault().code());
    assertTrue(e.getMessage().contains("NotAuthorized"), e.getMessage());
    OnvifException unknownUser = assertThrows(OnvifException.class,
        () -> await(new OnvifClient(web, sim.deviceServiceUrl(), "root", "s3cret!").getProfiles()));
    assertTrue(unknownUser.isNotAuthorized());
  }

  @Test
  void cameraClockOffIsCorrected() {
    OnvifDeviceServer skewed = await(new OnvifDeviceServer(vertx, INFO).start());
    try {
      skewed.setClockOffset(Duration.ofHours(-3).minusMinutes(7));
      // never synced: the first digest is written in our time, rejected, then the client re-reads the clock and retries
      OnvifClient lazy = new OnvifClient(web, skewed.deviceServiceUrl(), "admin", "s3cret!");
      assertEquals("SIM-0001", await(lazy.getDeviceInformation()).serialNumber());
      assertEquals(-(3 * 3600 + 7 * 60), lazy.clockOffset().toSeconds(), 2);
      // connected: no rejected first call
      OnvifClient c = await(new OnvifClient(web, skewed.deviceServiceUrl(), "admin", "s3cret!").connect());
      assertEquals(2, await(c.getProfiles()).size());
    } finally {
      await(skewed.close());
    }
  }
}
