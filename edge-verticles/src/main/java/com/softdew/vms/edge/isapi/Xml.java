package com.softdew.vms.edge.isapi;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Small helpers over the JDK's JAXP DOM for ISAPI's namespaced XML: hardened parsing (no DTDs, no
 * external entities), element building, and namespace-agnostic lookups by local name (cameras differ
 * in the namespace version they declare).
 */
public final class Xml {
  public static final String ISAPI_NS = "http://www.hikvision.com/ver20/XMLSchema";

  private Xml() {}

  public static DocumentBuilder builder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      return f.newDocumentBuilder();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Document parse(byte[] bytes) {
    try {
      return builder().parse(new ByteArrayInputStream(bytes));
    } catch (Exception e) {
      throw new IllegalArgumentException("malformed XML: " + e.getMessage(), e);
    }
  }

  public static Document newDocument(String rootName) {
    Document d = builder().newDocument();
    Element root = d.createElementNS(ISAPI_NS, rootName);
    root.setAttribute("version", "2.0");
    d.appendChild(root);
    return d;
  }

  /** Appends {@code <name>text</name>} in the ISAPI namespace and returns the new element. */
  public static Element add(Element parent, String name, Object text) {
    Element e = parent.getOwnerDocument().createElementNS(ISAPI_NS, name);
    if (text != null) e.setTextContent(String.valueOf(text));
    parent.appendChild(e);
    return e;
  }

  public static String toString(Document d) {
    try {
      Transformer t = TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      StringWriter w = new StringWriter();
      t.transform(new DOMSource(d), new StreamResult(w));
      return w.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] bytes(Document d) {
    return toString(d).getBytes(StandardCharsets.UTF_8);
  }

  /** Text of the first descendant with this local name, or null. */
  public static String text(Node scope, String localName) {
    Element e = first(scope, localName);
    return e == null ? null : e.getTextContent().trim();
  }

  public static Element first(Node scope, String localName) {
    NodeList l = scope instanceof Document d ? d.getElementsByTagNameNS("*", localName) : ((Element) scope).getElementsByTagNameNS("*", localName);
    return l.getLength() == 0 ? null : (Element) l.item(0);
  }

  public static java.util.List<Element> all(Node scope, String localName) {
    NodeList l = scope instanceof Document d ? d.getElementsByTagNameNS("*", localName) : ((Element) scope).getElementsByTagNameNS("*", localName);
    java.util.List<Element> out = new java.util.ArrayList<>();
    for (int i = 0; i < l.getLength(); i++) out.add((Element) l.item(i));
    return out;
  }
}
