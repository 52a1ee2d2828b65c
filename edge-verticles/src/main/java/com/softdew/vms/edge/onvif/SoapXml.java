package com.softdew.vms.edge.onvif;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * JAXP plumbing for SOAP: a hardened namespace-aware DOM parser (no DTDs, no external entities), a
 * serialiser, and XPath whose prefixes are those of {@link OnvifNamespaces}. JAXP factories are not
 * thread-safe, hence the per-thread instances.
 */
public final class SoapXml {

  /** The input was not well-formed XML, or not XML at all. */
  public static final class MalformedXmlException extends RuntimeException {
    public MalformedXmlException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final ThreadLocal<DocumentBuilder> BUILDER = ThreadLocal.withInitial(SoapXml::newBuilder);
  private static final ThreadLocal<Transformer> SERIALIZER = ThreadLocal.withInitial(SoapXml::newSerializer);
  private static final ThreadLocal<XPath> XPATH = ThreadLocal.withInitial(SoapXml::newXPath);

  private SoapXml() {}

  private static DocumentBuilder newBuilder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("JAXP DOM parser unavailable", e);
    }
  }

  private static Transformer newSerializer() {
    try {
      TransformerFactory f = TransformerFactory.newInstance();
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      Transformer t = f.newTransformer();
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      t.setOutputProperty(OutputKeys.INDENT, "no");
      return t;
    } catch (TransformerException e) {
      throw new IllegalStateException("JAXP serialiser unavailable", e);
    }
  }

  private static XPath newXPath() {
    XPath x = XPathFactory.newInstance().newXPath();
    x.setNamespaceContext(new NamespaceContext() {
      @Override
      public String getNamespaceURI(String prefix) {
        String ns = OnvifNamespaces.namespace(prefix);
        return ns == null ? XMLConstants.NULL_NS_URI : ns;
      }

      @Override
      public String getPrefix(String namespaceURI) {
        return OnvifNamespaces.PREFIXES.get(namespaceURI);
      }

      @Override
      public Iterator<String> getPrefixes(String namespaceURI) {
        String p = getPrefix(namespaceURI);
        return p == null ? List.<String>of().iterator() : List.of(p).iterator();
      }
    });
    return x;
  }

  /** A new empty namespace-aware document. */
  public static Document newDocument() {
    return BUILDER.get().newDocument();
  }

  /** Parses bytes into a DOM; a DOCTYPE or malformed input is refused. */
  public static Document parse(byte[] xml) {
    DocumentBuilder b = BUILDER.get();
    try {
      return b.parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new MalformedXmlException("not well-formed XML: " + e.getMessage(), e);
    } finally {
      b.reset();
    }
  }

  /** Serialises a document as UTF-8 with an XML declaration. */
  public static byte[] serialize(Document doc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
    try {
      SERIALIZER.get().transform(new DOMSource(doc), new StreamResult(out));
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot serialise DOM", e);
    }
    return out.toByteArray();
  }

  /**
   * First element matching an XPath (prefixes of {@link OnvifNamespaces}) from a context node, or null.
   * Plain child paths ({@code /s:Envelope/s:Body/tds:X} or {@code tt:A/tt:B}) are walked on the DOM
   * directly: the JDK's XPath engine copies the whole document into its own model on every evaluation,
   * which made response reading the bulk of a call's time.
   */
  public static Element find(Node context, String xpath) {
    List<String[]> steps = simplePath(xpath);
    if (steps != null) return walk(context, xpath.startsWith("/"), steps, 0);
    try {
      return (Element) XPATH.get().evaluate(xpath, context, XPathConstants.NODE);
    } catch (XPathExpressionException e) {
      throw new IllegalArgumentException("bad XPath " + xpath, e);
    }
  }

  /** All elements matching an XPath, in document order. */
  public static List<Element> findAll(Node context, String xpath) {
    List<String[]> steps = simplePath(xpath);
    if (steps != null) {
      List<Element> out = new ArrayList<>();
      walkAll(context, xpath.startsWith("/"), steps, out);
      return out;
    }
    try {
      NodeList nl = (NodeList) XPATH.get().evaluate(xpath, context, XPathConstants.NODESET);
      List<Element> out = new ArrayList<>(nl.getLength());
      for (int i = 0; i < nl.getLength(); i++) out.add((Element) nl.item(i));
      return out;
    } catch (XPathExpressionException e) {
      throw new IllegalArgumentException("bad XPath " + xpath, e);
    }
  }

  /** Steps {namespace, local} of a path made only of child steps with known prefixes, else null. */
  private static List<String[]> simplePath(String xpath) {
    String p = xpath.startsWith("/") ? xpath.substring(1) : xpath;
    if (p.isEmpty() || p.startsWith("/")) return null;
    List<String[]> steps = new ArrayList<>();
    for (String step : p.split("/", -1)) {
      int colon = step.indexOf(':');
      if (colon <= 0 || colon == step.length() - 1) return null;
      String local = step.substring(colon + 1);
      for (int i = 0; i < local.length(); i++) {
        char c = local.charAt(i);
        if (!Character.isLetterOrDigit(c) && c != '_' && c != '-' && c != '.') return null;
      }
      String ns = OnvifNamespaces.namespace(step.substring(0, colon));
      if (ns == null) return null;
      steps.add(new String[] {ns, local});
    }
    return steps;
  }

  private static Element walk(Node context, boolean absolute, List<String[]> steps, int from) {
    Node start = absolute ? (context instanceof Document d ? d : context.getOwnerDocument()) : context;
    return walkFrom(start, steps, from);
  }

  private static Element walkFrom(Node node, List<String[]> steps, int i) {
    if (i == steps.size()) return node instanceof Element e ? e : null;
    String[] s = steps.get(i);
    for (Node n = node.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element el && s[1].equals(el.getLocalName()) && s[0].equals(el.getNamespaceURI())) {
        Element found = walkFrom(el, steps, i + 1);
        if (found != null) return found;
      }
    }
    return null;
  }

  private static void walkAll(Node context, boolean absolute, List<String[]> steps, List<Element> out) {
    Node start = absolute ? (context instanceof Document d ? d : context.getOwnerDocument()) : context;
    collect(start, steps, 0, out);
  }

  private static void collect(Node node, List<String[]> steps, int i, List<Element> out) {
    if (i == steps.size()) {
      if (node instanceof Element e) out.add(e);
      return;
    }
    String[] s = steps.get(i);
    for (Node n = node.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element el && s[1].equals(el.getLocalName()) && s[0].equals(el.getNamespaceURI())) {
        collect(el, steps, i + 1, out);
      }
    }
  }

  /** Trimmed text of the first match, or null when nothing matches or the text is empty. */
  public static String text(Node context, String xpath) {
    Element e = find(context, xpath);
    return e == null ? null : text(e);
  }

  /** Trimmed text content of an element, or null when empty. */
  public static String text(Element e) {
    if (e == null) return null;
    String t = e.getTextContent();
    if (t == null) return null;
    t = t.trim();
    return t.isEmpty() ? null : t;
  }

  /** Attribute value or null when absent (DOM returns "" for absent attributes). */
  public static String attr(Element e, String name) {
    if (e == null || !e.hasAttribute(name)) return null;
    return e.getAttribute(name);
  }

  /** Direct child elements with the given namespace and local name. */
  public static List<Element> children(Element parent, String ns, String local) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element el && local.equals(el.getLocalName()) && ns.equals(el.getNamespaceURI())) out.add(el);
    }
    return out;
  }

  /** First direct child element with the given namespace and local name, or null. */
  public static Element child(Element parent, String ns, String local) {
    if (parent == null) return null;
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element el && local.equals(el.getLocalName()) && ns.equals(el.getNamespaceURI())) return el;
    }
    return null;
  }

  /** First direct child element whatever its name, or null. */
  public static Element firstChildElement(Element parent) {
    if (parent == null) return null;
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) if (n instanceof Element el) return el;
    return null;
  }

  /**
   * Resolves a prefixed XML value such as {@code ter:NotAuthorized} or {@code dn:NetworkVideoTransmitter}
   * against the namespace declarations in scope at {@code context}; an unknown prefix gives an empty namespace.
   */
  public static QName resolveQName(Element context, String value) {
    String v = value.trim();
    int colon = v.indexOf(':');
    String prefix = colon < 0 ? null : v.substring(0, colon);
    String local = colon < 0 ? v : v.substring(colon + 1);
    String ns = context.lookupNamespaceURI(prefix);
    return new QName(ns == null ? "" : ns, local, prefix == null ? "" : prefix);
  }

  /** Splits an xs:list value (whitespace separated) into its items. */
  public static List<String> listValue(String value) {
    List<String> out = new ArrayList<>();
    if (value == null) return out;
    for (String s : value.trim().split("\\s+")) if (!s.isEmpty()) out.add(s);
    return out;
  }
}
