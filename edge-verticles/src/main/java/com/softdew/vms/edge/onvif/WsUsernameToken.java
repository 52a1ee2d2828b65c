package com.softdew.vms.edge.onvif;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * WS-Security UsernameToken with PasswordDigest, the authentication ONVIF mandates:
 * {@code Base64(SHA-1(nonce + created + password))}, where {@code created} is the camera-clock time
 * written in the token, which is why clients first learn the camera's clock offset.
 *
 * @param username user name
 * @param passwordType the Type attribute of wsse:Password (digest or text)
 * @param password the digest (Base64) or, for PasswordText, the clear password
 * @param nonce the raw nonce bytes
 * @param created the wsu:Created text exactly as sent (it is hashed as written)
 */
public record WsUsernameToken(String username, String passwordType, String password, byte[] nonce, String created) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Base64(SHA-1(nonce + created + password)), all as UTF-8 bytes. */
  public static String digest(byte[] nonce, String created, String password) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(nonce);
      sha1.update(created.getBytes(StandardCharsets.UTF_8));
      sha1.update(password.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(sha1.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 unavailable", e);
    }
  }

  /** Adds a wsse:Security header with a fresh 16-byte nonce, created at {@code now} (camera clock). */
  public static void addTo(SoapMessage m, String username, String password, Instant now) {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    String created = now.truncatedTo(ChronoUnit.MILLIS).toString();
    Element sec = m.add(m.header(), OnvifNamespaces.WSSE, "Security");
    Element token = m.add(sec, OnvifNamespaces.WSSE, "UsernameToken");
    m.add(token, OnvifNamespaces.WSSE, "Username", username);
    Element pw = m.add(token, OnvifNamespaces.WSSE, "Password", digest(nonce, created, password));
    pw.setAttribute("Type", OnvifNamespaces.PASSWORD_DIGEST);
    Element n = m.add(token, OnvifNamespaces.WSSE, "Nonce", Base64.getEncoder().encodeToString(nonce));
    n.setAttribute("EncodingType", OnvifNamespaces.BASE64_BINARY);
    m.add(token, OnvifNamespaces.WSU, "Created", created);
  }

  /** The UsernameToken in a request's header, or null when there is none or it is incomplete. */
  public static WsUsernameToken from(Document doc) {
    Element token = SoapXml.find(doc, "/s:Envelope/s:Header/wsse:Security/wsse:UsernameToken");
    if (token == null) return null;
    String user = SoapXml.text(SoapXml.child(token, OnvifNamespaces.WSSE, "Username"));
    Element pw = SoapXml.child(token, OnvifNamespaces.WSSE, "Password");
    String nonce = SoapXml.text(SoapXml.child(token, OnvifNamespaces.WSSE, "Nonce"));
    String created = SoapXml.text(SoapXml.child(token, OnvifNamespaces.WSU, "Created"));
    if (user == null || pw == null || SoapXml.text(pw) == null) return null;
    String type = SoapXml.attr(pw, "Type");
    byte[] nonceBytes;
    try {
      nonceBytes = nonce == null ? new byte[0] : Base64.getMimeDecoder().decode(nonce);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return new WsUsernameToken(user, type == null ? OnvifNamespaces.PASSWORD_TEXT : type, SoapXml.text(pw),
        nonceBytes, created);
  }

  /** True when this token is a PasswordDigest made from {@code expectedPassword}. */
  public boolean verifiesDigest(String expectedPassword) {
    if (!OnvifNamespaces.PASSWORD_DIGEST.equals(passwordType) || created == null || nonce.length == 0) return false;
    byte[] expected = digest(nonce, created, expectedPassword).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.US_ASCII));
  }

  /** wsu:Created as an instant, or null when absent or not an xs:dateTime in UTC form. */
  public Instant createdInstant() {
    if (created == null) return null;
    try {
      return java.time.OffsetDateTime.parse(created).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
