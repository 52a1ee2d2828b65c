package com.softdew.vms.edge.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.OnvifDeviceServer;
import com.softdew.vms.sim.OnvifDiscoveryResponder;
import com.softdew.vms.sim.SimCameraInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Five simulated cameras in one JVM, found by {@link WsDiscoveryClient} by unicast probes and by
 * multicast on loopback (TTL 0, interface lo: no datagram leaves the host).
 */
class WsDiscoveryTest {
  static Vertx vertx;
  static final List<OnvifDeviceServer> devices = new ArrayList<>();
  static final List<OnvifDiscoveryResponder> responders = new ArrayList<>();

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    for (int i = 1; i <= 5; i++) {
      SimCameraInfo info = new SimCameraInfo("SIM-D" + i, "Softdew", "Sim Cam " + i, "1.0", "rtsp://127.0.0.1:8554/c" + i,
          "rtsp://127.0.0.1:8554/c" + i + "s", 1280, 720, 640, 360, "H264", "admin", "pw" + i);
      OnvifDeviceServer d = await(new OnvifDeviceServer(vertx, info).start());
      devices.add(d);
      responders.add(await(OnvifDiscoveryResponder.forDevice(vertx, d, MulticastSettings.loopback()).start()));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (OnvifDiscoveryResponder r : responders) await(r.close());
    for (OnvifDeviceServer d : devices) await(d.close());
    await(vertx.close());
  }

  private static void assertAllFive(List<DiscoveredDevice> found) {
    assertEquals(5, found.size(), found.toString());
    Set<String> xaddrs = found.stream().flatMap(d -> d.xaddrs().stream()).collect(Collectors.toSet());
    Set<String> expected = devices.stream().map(OnvifDeviceServer::deviceServiceUrl).collect(Collectors.toSet());
    assertEquals(expected, xaddrs);
    for (DiscoveredDevice d : found) {
      assertTrue(d.types().contains("dn:NetworkVideoTransmitter"), d.types().toString());
      assertTrue(d.endpointReference().startsWith("urn:uuid:"), d.endpointReference());
      assertTrue(d.scope("hardware").startsWith("Sim Cam "), d.scopes().toString());
    }
  }

  @Test
  void unicastFindsFiveWithinTwoSeconds() throws Exception {
    List<SocketAddress> targets = responders.stream()
        .map(r -> SocketAddress.inetSocketAddress(r.unicastPort(), "127.0.0.1")).collect(Collectors.toList());
    // each target twice: answers are merged per endpoint reference
    targets.addAll(new ArrayList<>(targets));
    WsDiscoveryClient client = new WsDiscoveryClient(vertx, MulticastSettings.disabled());
    long t0 = System.nanoTime();
    List<DiscoveredDevice> found = await(client.probe(Duration.ofMillis(1500), targets, 5));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("MEASURE unicast WS-Discovery of 5 devices, first probe in the JVM: " + ms + " ms");
    assertAllFive(found);
    assertTrue(ms < 2000, ms + " ms");
    // a full window collects no duplicates either
    assertAllFive(await(client.probe(Duration.ofMillis(300), targets)));
    t0 = System.nanoTime();
    assertAllFive(await(client.probe(Duration.ofMillis(1500), targets, 5)));
    System.out.println("MEASURE unicast WS-Discovery of 5 devices, warm: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
  }

  @Test
  void answersLargerThanNettysDefaultDatagramBufferArriveWhole() throws Exception {
    List<String> scopes = new ArrayList<>();
    for (int i = 0; i < 60; i++) scopes.add("onvif://www.onvif.org/location/building/wing-" + i + "/floor-" + i);
    OnvifDiscoveryResponder big = await(new OnvifDiscoveryResponder(vertx, "urn:uuid:00000000-0000-0000-0000-00000000b16e",
        scopes, List.of("http://127.0.0.1:1/onvif/device_service"), MulticastSettings.disabled(), "127.0.0.1").start());
    try {
      List<DiscoveredDevice> found = await(new WsDiscoveryClient(vertx, MulticastSettings.disabled())
          .probe(Duration.ofMillis(1000), List.of(SocketAddress.inetSocketAddress(big.unicastPort(), "127.0.0.1")), 1));
      assertEquals(1, found.size());
      assertEquals(scopes, found.get(0).scopes());
    } finally {
      await(big.close());
    }
  }

  @Test
  void multicastOnLoopbackFindsFive() throws Exception {
    Assumptions.assumeTrue(responders.stream().allMatch(OnvifDiscoveryResponder::multicastActive),
        "multicast group could not be joined on lo here");
    WsDiscoveryClient client = new WsDiscoveryClient(vertx, MulticastSettings.loopback());
    long t0 = System.nanoTime();
    List<DiscoveredDevice> found = await(client.probe(Duration.ofMillis(1500), List.of(), 5));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("MEASURE multicast WS-Discovery of 5 devices: " + ms + " ms");
    assertAllFive(found);
    assertTrue(ms < 2000, ms + " ms");
  }
}
