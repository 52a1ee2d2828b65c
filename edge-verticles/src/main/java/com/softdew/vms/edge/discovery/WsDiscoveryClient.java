package com.softdew.vms.edge.discovery;

import com.softdew.vms.edge.onvif.SoapXml;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds ONVIF devices with WS-Discovery: sends one Probe for {@code dn:NetworkVideoTransmitter} to the
 * multicast group and to each given unicast address (cameras on other subnets answer unicast probes on
 * port 3702), repeats it once a third into the window (UDP may drop it), and collects the ProbeMatches
 * that answer it until the window closes, merged per endpoint reference.
 */
public final class WsDiscoveryClient {
  private static final Logger LOG = LoggerFactory.getLogger(WsDiscoveryClient.class);
  /** Bound on devices collected in one probe; more are counted and dropped. */
  private static final int MAX_DEVICES = 4096;

  private final Vertx vertx;
  private final MulticastSettings multicast;

  public WsDiscoveryClient(Vertx vertx, MulticastSettings multicast) {
    this.vertx = vertx;
    this.multicast = multicast;
  }

  /** Probes and returns what answered within {@code window}, deduplicated by endpoint reference. */
  public Future<List<DiscoveredDevice>> probe(Duration window, List<SocketAddress> unicastTargets) {
    return probe(window, unicastTargets, Integer.MAX_VALUE);
  }

  /**
   * As {@link #probe(Duration, List)}, but returns as soon as {@code enough} distinct devices answered
   * (re-finding known cameras need not wait out the window).
   */
  public Future<List<DiscoveredDevice>> probe(Duration window, List<SocketAddress> unicastTargets, int enough) {
    DatagramSocketOptions o = new DatagramSocketOptions().setIpV6(false)
        .setReceiveBufferSize(WsDiscoveryMessages.MAX_DATAGRAM);
    if (multicast.enabled()) {
      o.setMulticastTimeToLive(multicast.ttl());
      if (multicast.networkInterface() != null) o.setMulticastNetworkInterface(multicast.networkInterface());
    }
    DatagramSocket socket = vertx.createDatagramSocket(o);
    String messageId = "urn:uuid:" + UUID.randomUUID();
    Map<String, DiscoveredDevice> found = new LinkedHashMap<>();
    long[] ignored = new long[1];
    Promise<List<DiscoveredDevice>> result = Promise.promise();
    long[] timers = {-1, -1};
    Runnable finish = () -> {
      List<DiscoveredDevice> list;
      synchronized (found) {
        list = new ArrayList<>(found.values());
      }
      if (!result.tryComplete(list)) return;
      for (long t : timers) if (t >= 0) vertx.cancelTimer(t);
      if (ignored[0] > 0) LOG.debug("WS-Discovery: ignored {} datagrams that were not answers to {}", ignored[0], messageId);
      socket.close();
    };
    socket.handler(packet -> {
      if (collect(packet, messageId, found, ignored) >= enough) finish.run();
    });
    Buffer probe = Buffer.buffer(WsDiscoveryMessages.probe(messageId).toBytes());
    return socket.listen(0, "0.0.0.0").compose(s -> {
      sendAll(socket, probe, unicastTargets);
      timers[0] = vertx.setTimer(Math.max(1, window.toMillis() / 3), t -> {
        if (!result.future().isComplete()) sendAll(socket, probe, unicastTargets);
      });
      timers[1] = vertx.setTimer(Math.max(1, window.toMillis()), t -> finish.run());
      return result.future();
    }, err -> socket.close().transform(v -> Future.failedFuture(err)));
  }

  private void sendAll(DatagramSocket socket, Buffer probe, List<SocketAddress> unicastTargets) {
    if (multicast.enabled()) {
      socket.send(probe, MulticastSettings.PORT, MulticastSettings.GROUP)
          .onFailure(e -> LOG.warn("WS-Discovery: multicast probe not sent ({}), unicast targets only", e.toString()));
    }
    for (SocketAddress a : unicastTargets) {
      socket.send(probe, a.port(), a.host())
          .onFailure(e -> LOG.warn("WS-Discovery: probe to {} not sent: {}", a, e.toString()));
    }
  }

  /** Merges the answer in a datagram; returns how many devices are known now. */
  private static int collect(DatagramPacket packet, String messageId, Map<String, DiscoveredDevice> found, long[] ignored) {
    WsDiscoveryMessages.ProbeMatches pm;
    try {
      pm = WsDiscoveryMessages.parseProbeMatches(SoapXml.parse(packet.data().getBytes()),
          packet.sender().host() + ":" + packet.sender().port());
    } catch (RuntimeException e) {
      pm = null;
    }
    synchronized (found) {
      if (pm == null || !messageId.equals(pm.relatesTo())) {
        ignored[0]++;
        return found.size();
      }
      for (DiscoveredDevice d : pm.matches()) {
        DiscoveredDevice prev = found.get(d.endpointReference());
        if (prev == null) {
          if (found.size() >= MAX_DEVICES) {
            ignored[0]++;
            continue;
          }
          found.put(d.endpointReference(), d);
        } else {
          found.put(d.endpointReference(), new DiscoveredDevice(prev.endpointReference(), union(prev.xaddrs(), d.xaddrs()),
              union(prev.scopes(), d.scopes()), union(prev.types(), d.types()), prev.from()));
        }
      }
      return found.size();
    }
  }

  private static List<String> union(List<String> a, List<String> b) {
    Set<String> s = new LinkedHashSet<>(a);
    s.addAll(b);
    return new ArrayList<>(s);
  }
}
