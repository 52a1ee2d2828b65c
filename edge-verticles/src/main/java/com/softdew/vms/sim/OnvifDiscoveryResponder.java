package com.softdew.vms.sim;

import com.softdew.vms.edge.discovery.MulticastSettings;
import com.softdew.vms.edge.discovery.WsDiscoveryMessages;
import com.softdew.vms.edge.onvif.SoapXml;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.xml.namespace.QName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WS-Discovery target side of a simulated camera: answers Probes for its types and scopes with a
 * ProbeMatches sent back to the prober, both on its own unicast UDP port and on the multicast group
 * 239.255.255.250:3702.
 *
 * <p>Many simulated cameras in one JVM each open a multicast socket on port 3702 with SO_REUSEADDR;
 * Linux hands every such socket a copy of each multicast datagram, so each camera answers for itself.
 * When the group cannot be joined (no multicast route, port taken without reuse) the responder keeps
 * answering unicast and says so in {@link #multicastActive()} and the log.
 */
public final class OnvifDiscoveryResponder {
  private static final Logger LOG = LoggerFactory.getLogger(OnvifDiscoveryResponder.class);
  private static final List<QName> TYPES = List.of(WsDiscoveryMessages.NETWORK_VIDEO_TRANSMITTER, WsDiscoveryMessages.DEVICE);

  private final Vertx vertx;
  private final String endpointReference;
  private final List<String> scopes;
  private final List<String> xaddrs;
  private final MulticastSettings multicast;
  private final String unicastHost;
  private final long instanceId = System.currentTimeMillis() / 1000;
  private final AtomicLong messageNumber = new AtomicLong();
  private DatagramSocket unicastSocket;
  private DatagramSocket multicastSocket;
  private volatile boolean multicastActive;

  public OnvifDiscoveryResponder(Vertx vertx, String endpointReference, List<String> scopes, List<String> xaddrs,
      MulticastSettings multicast, String unicastHost) {
    this.vertx = vertx;
    this.endpointReference = endpointReference;
    this.scopes = List.copyOf(scopes);
    this.xaddrs = List.copyOf(xaddrs);
    this.multicast = multicast;
    this.unicastHost = unicastHost;
  }

  /** A responder announcing a started {@link OnvifDeviceServer}, unicast on 127.0.0.1. */
  public static OnvifDiscoveryResponder forDevice(Vertx vertx, OnvifDeviceServer device, MulticastSettings multicast) {
    return new OnvifDiscoveryResponder(vertx, device.endpointReference(), device.scopes(),
        List.of(device.deviceServiceUrl()), multicast, "127.0.0.1");
  }

  public Future<OnvifDiscoveryResponder> start() {
    unicastSocket = vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(false)
        .setReceiveBufferSize(WsDiscoveryMessages.MAX_DATAGRAM));
    unicastSocket.handler(p -> answer(unicastSocket, p));
    return unicastSocket.listen(0, unicastHost).compose(s -> {
      if (!multicast.enabled()) return Future.succeededFuture(this);
      DatagramSocketOptions o = new DatagramSocketOptions().setIpV6(false).setReuseAddress(true)
          .setReceiveBufferSize(WsDiscoveryMessages.MAX_DATAGRAM)
          .setMulticastTimeToLive(multicast.ttl());
      if (multicast.networkInterface() != null) o.setMulticastNetworkInterface(multicast.networkInterface());
      multicastSocket = vertx.createDatagramSocket(o);
      multicastSocket.handler(p -> answer(multicastSocket, p));
      return multicastSocket.listen(MulticastSettings.PORT, "0.0.0.0")
          .compose(ms -> multicastSocket.listenMulticastGroup(MulticastSettings.GROUP, multicast.networkInterface(), null))
          .map(v -> {
            multicastActive = true;
            return this;
          })
          .recover(err -> {
            LOG.warn("WS-Discovery responder {}: multicast unavailable ({}), answering unicast on port {} only",
                endpointReference, err.toString(), unicastPort());
            DatagramSocket ms = multicastSocket;
            multicastSocket = null;
            return ms.close().transform(v -> Future.succeededFuture(this));
          });
    });
  }

  public int unicastPort() {
    return unicastSocket.localAddress().port();
  }

  public boolean multicastActive() {
    return multicastActive;
  }

  public Future<Void> close() {
    Future<Void> a = unicastSocket == null ? Future.succeededFuture() : unicastSocket.close();
    Future<Void> b = multicastSocket == null ? Future.succeededFuture() : multicastSocket.close();
    return Future.join(a, b).mapEmpty();
  }

  private void answer(DatagramSocket socket, DatagramPacket packet) {
    WsDiscoveryMessages.Probe probe;
    try {
      probe = WsDiscoveryMessages.parseProbe(SoapXml.parse(packet.data().getBytes()));
    } catch (RuntimeException e) {
      return; // not XML: not for us
    }
    if (probe == null || probe.messageId() == null || !WsDiscoveryMessages.matches(probe, TYPES, scopes)) return;
    Buffer reply = Buffer.buffer(WsDiscoveryMessages.probeMatches("urn:uuid:" + UUID.randomUUID(), probe.messageId(),
        instanceId, messageNumber.incrementAndGet(), endpointReference, scopes, xaddrs).toBytes());
    socket.send(reply, packet.sender().port(), packet.sender().host())
        .onFailure(e -> LOG.debug("WS-Discovery responder {}: reply to {} failed: {}", endpointReference, packet.sender(), e.toString()));
  }
}
