package com.softdew.vms.edge.discovery;

import static com.softdew.vms.edge.onvif.OnvifNamespaces.WSA_2004;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.WSD;

import com.softdew.vms.edge.onvif.OnvifNamespaces;
import com.softdew.vms.edge.onvif.SoapMessage;
import com.softdew.vms.edge.onvif.SoapXml;
import java.util.ArrayList;
import java.util.List;
import javax.xml.namespace.QName;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * WS-Discovery 2005/04 Probe and ProbeMatches as ONVIF uses them, written through DOM and read with
 * XPath (see {@link SoapMessage} for why these envelopes are hand-written). They declare only the
 * namespaces they use, to stay small; receivers still take datagrams up to {@link #MAX_DATAGRAM} bytes.
 */
public final class WsDiscoveryMessages {
  /** Receive buffer for discovery datagrams (Netty's default of 2048 truncates real ProbeMatches). */
  public static final int MAX_DATAGRAM = 65_535;
  public static final String ACTION_PROBE = WSD + "/Probe";
  public static final String ACTION_PROBE_MATCHES = WSD + "/ProbeMatches";
  public static final String TO_DISCOVERY = "urn:schemas-xmlsoap-org:ws:2005:04:discovery";
  public static final String ANONYMOUS = WSA_2004 + "/role/anonymous";
  public static final QName NETWORK_VIDEO_TRANSMITTER = new QName(OnvifNamespaces.DN, "NetworkVideoTransmitter");
  public static final QName DEVICE = new QName(OnvifNamespaces.TDS, "Device");

  /** A received Probe: its message id, the types and scopes it asks for (empty: any). */
  public record Probe(String messageId, List<QName> types, List<String> scopes) {}

  /** A received ProbeMatches: which Probe it answers and the matches. */
  public record ProbeMatches(String relatesTo, List<DiscoveredDevice> matches) {}

  private WsDiscoveryMessages() {}

  /** A Probe for ONVIF video transmitters. */
  public static SoapMessage probe(String messageId) {
    SoapMessage m = SoapMessage.compactRequest(WSD, "Probe", WSA_2004, WSD, OnvifNamespaces.DN);
    m.add(m.header(), WSA_2004, "MessageID", messageId);
    m.add(m.add(m.header(), WSA_2004, "ReplyTo"), WSA_2004, "Address", ANONYMOUS);
    m.add(m.header(), WSA_2004, "To", TO_DISCOVERY);
    m.add(m.header(), WSA_2004, "Action", ACTION_PROBE);
    m.add(m.operation(), WSD, "Types", "dn:NetworkVideoTransmitter");
    return m;
  }

  /** The Probe in a datagram, or null when it is another message. */
  public static Probe parseProbe(Document doc) {
    Element probe = SoapXml.find(doc, "/s:Envelope/s:Body/d:Probe");
    if (probe == null) return null;
    List<QName> types = new ArrayList<>();
    Element typesEl = SoapXml.child(probe, WSD, "Types");
    for (String t : SoapXml.listValue(SoapXml.text(typesEl))) types.add(SoapXml.resolveQName(typesEl, t));
    List<String> scopes = SoapXml.listValue(SoapXml.text(SoapXml.child(probe, WSD, "Scopes")));
    return new Probe(SoapXml.text(doc, "/s:Envelope/s:Header/a:MessageID"), types, scopes);
  }

  /** Whether a device of these types and scopes answers a probe (types by QName, scopes by prefix). */
  public static boolean matches(Probe probe, List<QName> deviceTypes, List<String> deviceScopes) {
    for (QName wanted : probe.types()) {
      boolean any = false;
      for (QName t : deviceTypes) any |= t.getNamespaceURI().equals(wanted.getNamespaceURI()) && t.getLocalPart().equals(wanted.getLocalPart());
      if (!any) return false;
    }
    for (String wanted : probe.scopes()) {
      String w = wanted.endsWith("/") ? wanted : wanted + "/";
      boolean any = false;
      for (String s : deviceScopes) any |= s.equals(wanted) || s.startsWith(w);
      if (!any) return false;
    }
    return true;
  }

  /** A ProbeMatches answering {@code relatesTo} for one device (types written as dn:/tds: QNames). */
  public static SoapMessage probeMatches(String messageId, String relatesTo, long instanceId, long messageNumber,
      String endpointReference, List<String> scopes, List<String> xaddrs) {
    SoapMessage m = SoapMessage.compactRequest(WSD, "ProbeMatches", WSA_2004, WSD, OnvifNamespaces.DN, OnvifNamespaces.TDS);
    m.add(m.header(), WSA_2004, "MessageID", messageId);
    m.add(m.header(), WSA_2004, "RelatesTo", relatesTo);
    m.add(m.header(), WSA_2004, "To", ANONYMOUS);
    m.add(m.header(), WSA_2004, "Action", ACTION_PROBE_MATCHES);
    Element seq = m.add(m.header(), WSD, "AppSequence");
    seq.setAttribute("InstanceId", Long.toString(instanceId));
    seq.setAttribute("MessageNumber", Long.toString(messageNumber));
    Element match = m.add(m.operation(), WSD, "ProbeMatch");
    m.add(m.add(match, WSA_2004, "EndpointReference"), WSA_2004, "Address", endpointReference);
    m.add(match, WSD, "Types", "dn:NetworkVideoTransmitter tds:Device");
    m.add(match, WSD, "Scopes", String.join(" ", scopes));
    m.add(match, WSD, "XAddrs", String.join(" ", xaddrs));
    m.add(match, WSD, "MetadataVersion", "1");
    return m;
  }

  /** The ProbeMatches in a datagram, or null when it is another message. */
  public static ProbeMatches parseProbeMatches(Document doc, String from) {
    Element body = SoapXml.find(doc, "/s:Envelope/s:Body/d:ProbeMatches");
    if (body == null) return null;
    List<DiscoveredDevice> out = new ArrayList<>();
    for (Element pm : SoapXml.children(body, WSD, "ProbeMatch")) {
      String epr = SoapXml.text(pm, "a:EndpointReference/a:Address");
      List<String> xaddrs = SoapXml.listValue(SoapXml.text(SoapXml.child(pm, WSD, "XAddrs")));
      if (epr == null && xaddrs.isEmpty()) continue;
      out.add(new DiscoveredDevice(epr == null ? xaddrs.get(0) : epr, xaddrs,
          SoapXml.listValue(SoapXml.text(SoapXml.child(pm, WSD, "Scopes"))),
          SoapXml.listValue(SoapXml.text(SoapXml.child(pm, WSD, "Types"))), from));
    }
    return new ProbeMatches(SoapXml.text(doc, "/s:Envelope/s:Header/a:RelatesTo"), out);
  }
}
