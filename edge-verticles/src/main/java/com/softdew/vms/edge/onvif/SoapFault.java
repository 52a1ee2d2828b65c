package com.softdew.vms.edge.onvif;

import java.util.ArrayList;
import java.util.List;
import javax.xml.namespace.QName;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A SOAP 1.2 fault: code ({@code Sender} or {@code Receiver}), the chain of ONVIF subcodes (local names
 * in the {@code ter} namespace, outermost first, e.g. {@code [InvalidArgVal, NoProfile]}) and the reason.
 */
public record SoapFault(String code, List<String> subcodes, String reason) {

  public SoapFault {
    subcodes = List.copyOf(subcodes);
  }

  public static SoapFault sender(String reason, String... subcodes) {
    return new SoapFault("Sender", List.of(subcodes), reason);
  }

  public static SoapFault receiver(String reason, String... subcodes) {
    return new SoapFault("Receiver", List.of(subcodes), reason);
  }

  /** The fault a camera answers to a missing or wrong UsernameToken. */
  public static SoapFault notAuthorized() {
    return sender("Sender not Authorized", "NotAuthorized");
  }

  public boolean isNotAuthorized() {
    return subcodes.contains("NotAuthorized");
  }

  /**
   * The fault in a response envelope, or null when it holds none. Code and subcode values are QNames
   * resolved against their in-scope prefixes, so {@code SOAP-ENV:Sender} and {@code env:Sender} agree.
   */
  public static SoapFault from(Document doc) {
    Element fault = SoapXml.find(doc, "/s:Envelope/s:Body/s:Fault");
    if (fault == null) return null;
    Element code = SoapXml.child(fault, OnvifNamespaces.SOAP12, "Code");
    String codeValue = "Receiver";
    List<String> subs = new ArrayList<>();
    if (code != null) {
      Element v = SoapXml.child(code, OnvifNamespaces.SOAP12, "Value");
      if (SoapXml.text(v) != null) codeValue = SoapXml.resolveQName(v, SoapXml.text(v)).getLocalPart();
      for (Element sc = SoapXml.child(code, OnvifNamespaces.SOAP12, "Subcode"); sc != null;
          sc = SoapXml.child(sc, OnvifNamespaces.SOAP12, "Subcode")) {
        Element sv = SoapXml.child(sc, OnvifNamespaces.SOAP12, "Value");
        String t = SoapXml.text(sv);
        if (t != null) {
          QName q = SoapXml.resolveQName(sv, t);
          subs.add(q.getLocalPart());
        }
      }
    }
    String reason = SoapXml.text(fault, "s:Reason/s:Text");
    return new SoapFault(codeValue, subs, reason == null ? "" : reason);
  }
}
