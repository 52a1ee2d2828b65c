package com.softdew.vms.edge.onvif;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Namespace URIs of SOAP 1.2, WS-* and ONVIF, with the prefixes this code writes and reads them under. */
public final class OnvifNamespaces {
  public static final String SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
  public static final String WSA = "http://www.w3.org/2005/08/addressing";
  /** WS-Discovery (2005/04, the version ONVIF mandates) still uses the 2004/08 WS-Addressing namespace. */
  public static final String WSA_2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
  public static final String WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
  public static final String WSSE =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
  public static final String WSU =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
  public static final String PASSWORD_DIGEST =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
  public static final String PASSWORD_TEXT =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
  public static final String BASE64_BINARY =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
  public static final String TT = "http://www.onvif.org/ver10/schema";
  public static final String TDS = "http://www.onvif.org/ver10/device/wsdl";
  public static final String TRT = "http://www.onvif.org/ver10/media/wsdl";
  public static final String TR2 = "http://www.onvif.org/ver20/media/wsdl";
  public static final String TPTZ = "http://www.onvif.org/ver20/ptz/wsdl";
  public static final String TEV = "http://www.onvif.org/ver10/events/wsdl";
  public static final String TIMG = "http://www.onvif.org/ver20/imaging/wsdl";
  /** Recording search (Profile G). */
  public static final String TSE = "http://www.onvif.org/ver10/search/wsdl";
  /** Replay control (Profile G). */
  public static final String TRP = "http://www.onvif.org/ver10/replay/wsdl";
  public static final String WSNT = "http://docs.oasis-open.org/wsn/b-2";
  public static final String TNS1 = "http://www.onvif.org/ver10/topics";
  public static final String TER = "http://www.onvif.org/ver10/error";
  public static final String DN = "http://www.onvif.org/ver10/network/wsdl";
  public static final String TOPIC_CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet";
  public static final String PAN_TILT_POSITION_GENERIC =
      "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace";
  public static final String ZOOM_POSITION_GENERIC =
      "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace";

  /** Namespace URI to prefix; every envelope this code writes declares all of them on its root. */
  public static final Map<String, String> PREFIXES;

  static {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(SOAP12, "s");
    p.put(WSA, "wsa");
    p.put(WSA_2004, "a");
    p.put(WSD, "d");
    p.put(WSSE, "wsse");
    p.put(WSU, "wsu");
    p.put(TT, "tt");
    p.put(TDS, "tds");
    p.put(TRT, "trt");
    p.put(TR2, "tr2");
    p.put(TPTZ, "tptz");
    p.put(TEV, "tev");
    p.put(TIMG, "timg");
    p.put(TSE, "tse");
    p.put(TRP, "trp");
    p.put(WSNT, "wsnt");
    p.put(TNS1, "tns1");
    p.put(TER, "ter");
    p.put(DN, "dn");
    PREFIXES = Collections.unmodifiableMap(p);
  }

  private OnvifNamespaces() {}

  /** The prefix for a known namespace; an unknown one is a programming error. */
  public static String prefix(String ns) {
    String p = PREFIXES.get(ns);
    if (p == null) throw new IllegalArgumentException("no prefix registered for namespace " + ns);
    return p;
  }

  /** The namespace for a prefix of {@link #PREFIXES}, or null. */
  public static String namespace(String prefix) {
    for (Map.Entry<String, String> e : PREFIXES.entrySet()) if (e.getValue().equals(prefix)) return e.getKey();
    return null;
  }
}
