package com.softdew.vms.edge.onvif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.discovery.DiscoveredDevice;
import com.softdew.vms.edge.discovery.WsDiscoveryMessages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The client's parsers read SOAP replies captured from real cameras (npm onvif's test/serverMockup). */
class OnvifRepliesFixtureTest {
  static Path dir;

  @BeforeAll
  static void install() throws Exception {
    dir = NpmOnvifPackage.fixtures();
  }

  static Document fixture(String name) throws Exception {
    return SoapXml.parse(Files.readAllBytes(dir.resolve(name)));
  }

  @Test
  void deviceInformation() throws Exception {
    DeviceInformation d = OnvifReplies.deviceInformation(fixture("GetDeviceInformation.xml"));
    assertEquals(new DeviceInformation("Mockup Manufacturer", "Mockup Model", "Mockup_15_14_13", "00000000", "MOCKUP"), d);
  }

  @Test
  void profiles() throws Exception {
    List<MediaProfile> ps = OnvifReplies.profiles(fixture("GetProfiles.xml"));
    assertEquals(1, ps.size());
    MediaProfile p = ps.get(0);
    assertEquals("main", p.token());
    assertEquals("main", p.name());
    assertEquals("H264", p.encoding());
    assertEquals(1920, p.width());
    assertEquals(1080, p.height());
    assertEquals(5.0, p.fps());
    assertEquals(1000, p.bitrateKbps());
    assertEquals("vidsrc0", p.videoSourceToken());
    assertEquals("default", p.ptzConfigurationToken());
  }

  @Test
  void streamUri() throws Exception {
    assertEquals("rtsp://192.168.68.111/h264main", OnvifReplies.mediaUri(fixture("GetStreamUri.xml")));
  }

  @Test
  void namespaceBrokenReplyIsRefusedNotGuessed() {
    // this mockup uses the SOAP-ENV prefix without declaring it: a namespace-aware parser must refuse it
    assertThrows(SoapXml.MalformedXmlException.class, () -> fixture("GetSnapshotUri.xml"));
  }

  @Test
  void capabilitiesAndServices() throws Exception {
    ServiceEndpoints c = OnvifReplies.capabilities(fixture("GetCapabilities.xml"));
    assertEquals("http://192.168.68.111/onvif/services", c.device());
    assertEquals("http://192.168.68.111/onvif/services", c.media());
    assertEquals("http://192.168.68.111/onvif/services", c.ptz());
    assertEquals("http://192.168.68.111/onvif/services", c.events());
    assertNull(c.media2());
    List<OnvifService> s = OnvifReplies.services(fixture("GetServices.xml"));
    assertTrue(s.size() >= 6, s.toString());
    assertEquals(new OnvifService(OnvifNamespaces.TDS, "http://192.168.68.111/onvif/services", 2, 42), s.get(0));
    assertEquals("http://192.168.68.111/onvif/services", ServiceEndpoints.of(s).ptz());
  }

  @Test
  void systemDateAndTimeAndPtzStatus() throws Exception {
    assertEquals(Instant.parse("2014-12-24T19:14:37Z"), OnvifReplies.systemDateAndTime(fixture("GetSystemDateAndTime.xml")));
    PtzStatus st = OnvifReplies.ptzStatus(fixture("GetStatus.xml"));
    assertEquals(-0.864665985, st.pan(), 1e-9);
    assertEquals(0.267444015, st.tilt(), 1e-9);
    assertEquals(0.211861998, st.zoom(), 1e-9);
    assertFalse(st.moving());
  }

  @Test
  void capturedUsernameTokenVerifies() throws Exception {
    // the captures kept the request's WS-Security header; npm onvif's tests use admin / 9999
    WsUsernameToken t = WsUsernameToken.from(fixture("GetDeviceInformation.xml"));
    assertEquals("admin", t.username());
    assertEquals("2014-12-24T16:29:56.117Z", t.created());
    assertTrue(t.verifiesDigest("9999"));
    assertFalse(t.verifiesDigest("admin"));
  }

  @Test
  void probeMatches() throws Exception {
    WsDiscoveryMessages.ProbeMatches pm = WsDiscoveryMessages.parseProbeMatches(fixture("Probe.xml"), "192.0.2.9:3702");
    assertEquals("RELATES_TO", pm.relatesTo());
    DiscoveredDevice d = pm.matches().get(0);
    assertEquals("uuid:c9790c3a-701b-464d-a189-0060351c8ada", d.endpointReference());
    assertEquals(List.of("SERVICE_URI"), d.xaddrs());
    assertEquals(List.of("dn:NetworkVideoTransmitter", "tds:Device"), d.types());
    assertEquals("HD_PREDATOR", d.scope("hardware"));
    assertEquals("PREDATOR", d.scope("name"));
  }
}
