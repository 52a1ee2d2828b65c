package com.softdew.vms.edge.onvif;

import java.util.Collection;
import java.util.List;
import javax.xml.XMLConstants;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A SOAP 1.2 envelope being written through DOM. Every ONVIF prefix is declared on the root (as gSOAP
 * based cameras do), so elements and QName-valued texts such as {@code tns1:VideoSource/MotionAlarm}
 * resolve anywhere in the message.
 *
 * <p>Hand-written on purpose: generating JAX-WS/JAXB stubs from the ONVIF WSDLs pulls in dozens of
 * schemas and a heavy runtime for the twenty-odd operations a VMS calls; DOM filled element by element
 * is the usual light path and keeps escaping and namespaces correct by construction.
 */
public final class SoapMessage {
  private final Document doc;
  private final Element envelope;
  private final Element header;
  private final Element body;

  private SoapMessage(Collection<String> namespaces) {
    doc = SoapXml.newDocument();
    doc.setXmlStandalone(true);
    envelope = doc.createElementNS(OnvifNamespaces.SOAP12, "s:Envelope");
    envelope.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:s", OnvifNamespaces.SOAP12);
    for (String ns : namespaces) {
      envelope.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:" + OnvifNamespaces.prefix(ns), ns);
    }
    doc.appendChild(envelope);
    header = doc.createElementNS(OnvifNamespaces.SOAP12, "s:Header");
    envelope.appendChild(header);
    body = doc.createElementNS(OnvifNamespaces.SOAP12, "s:Body");
    envelope.appendChild(body);
  }

  /** An empty envelope with a Header and a Body. */
  public static SoapMessage create() {
    return new SoapMessage(OnvifNamespaces.PREFIXES.keySet());
  }

  /** An envelope whose Body holds one operation element, returned by {@link #operation()}. */
  public static SoapMessage request(String ns, String operation) {
    SoapMessage m = create();
    m.add(m.body, ns, operation);
    return m;
  }

  /**
   * As {@link #request(String, String)} but declaring only the given namespaces (besides SOAP's): for
   * UDP messages such as WS-Discovery, which should stay within one datagram.
   */
  public static SoapMessage compactRequest(String ns, String operation, String... namespaces) {
    SoapMessage m = new SoapMessage(List.of(namespaces));
    m.add(m.body, ns, operation);
    return m;
  }

  public Document document() {
    return doc;
  }

  public Element header() {
    return header;
  }

  public Element body() {
    return body;
  }

  /** The first element of the Body (the operation or its response). */
  public Element operation() {
    return SoapXml.firstChildElement(body);
  }

  /** Appends a child element in a known namespace. */
  public Element add(Element parent, String ns, String local) {
    Element e = doc.createElementNS(ns, OnvifNamespaces.prefix(ns) + ":" + local);
    parent.appendChild(e);
    return e;
  }

  /** Appends a child element holding text; a null text appends nothing and returns null. */
  public Element add(Element parent, String ns, String local, String text) {
    if (text == null) return null;
    Element e = add(parent, ns, local);
    e.setTextContent(text);
    return e;
  }

  /** Appends a SOAP 1.2 Fault to the Body. */
  public SoapMessage fault(SoapFault f) {
    Element fault = add(body, OnvifNamespaces.SOAP12, "Fault");
    Element code = add(fault, OnvifNamespaces.SOAP12, "Code");
    add(code, OnvifNamespaces.SOAP12, "Value", "s:" + f.code());
    Element parent = code;
    for (String sub : f.subcodes()) {
      Element sc = add(parent, OnvifNamespaces.SOAP12, "Subcode");
      add(sc, OnvifNamespaces.SOAP12, "Value", "ter:" + sub);
      parent = sc;
    }
    Element reason = add(fault, OnvifNamespaces.SOAP12, "Reason");
    Element text = add(reason, OnvifNamespaces.SOAP12, "Text", f.reason());
    text.setAttributeNS(XMLConstants.XML_NS_URI, "xml:lang", "en");
    return this;
  }

  public byte[] toBytes() {
    return SoapXml.serialize(doc);
  }
}
