package com.softdew.vms.edge.isapi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client side of HTTP Digest authentication (RFC 7616, MD5 and SHA-256, qop=auth) for cameras.
 * Hand-written: Vert.x's WebClient has no Digest support and the kept alternatives (Apache HttpClient)
 * are blocking or would bring a second HTTP stack just for this header. Keeps the last challenge so
 * later requests authenticate without a 401 round trip (nonce count increments).
 */
public final class DigestCredentials {
  private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String user;
  private final String password;
  private Map<String, String> challenge;
  private int nc;

  public DigestCredentials(String user, String password) {
    this.user = user;
    this.password = password;
  }

  /** Takes a {@code WWW-Authenticate: Digest ...} header; false when it is not a Digest challenge. */
  public synchronized boolean challenge(String header) {
    if (header == null || !header.regionMatches(true, 0, "Digest ", 0, 7)) return false;
    Map<String, String> p = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(header.substring(7));
    while (m.find()) p.put(m.group(1).toLowerCase(), m.group(2) != null ? m.group(2) : m.group(3));
    if (!p.containsKey("nonce") || !p.containsKey("realm")) return false;
    challenge = p;
    nc = 0;
    return true;
  }

  public synchronized boolean hasChallenge() {
    return challenge != null;
  }

  /** The Authorization header for a request, or null before the first challenge. */
  public synchronized String authorization(String method, String uri) {
    if (challenge == null) return null;
    String algorithm = challenge.getOrDefault("algorithm", "MD5");
    String hash = algorithm.toUpperCase().startsWith("SHA-256") ? "SHA-256" : "MD5";
    String realm = challenge.get("realm");
    String nonce = challenge.get("nonce");
    String qop = challenge.get("qop");
    String ha1 = h(hash, user + ":" + realm + ":" + password);
    String ha2 = h(hash, method + ":" + uri);
    StringBuilder sb = new StringBuilder("Digest username=\"").append(user).append("\", realm=\"").append(realm)
        .append("\", nonce=\"").append(nonce).append("\", uri=\"").append(uri).append("\", algorithm=").append(algorithm);
    if (qop != null && qop.contains("auth")) {
      String ncs = String.format("%08x", ++nc);
      byte[] c = new byte[8];
      RANDOM.nextBytes(c);
      String cnonce = HexFormat.of().formatHex(c);
      sb.append(", qop=auth, nc=").append(ncs).append(", cnonce=\"").append(cnonce).append("\", response=\"")
          .append(h(hash, ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + ha2)).append('"');
    } else {
      sb.append(", response=\"").append(h(hash, ha1 + ":" + nonce + ":" + ha2)).append('"');
    }
    if (challenge.containsKey("opaque")) sb.append(", opaque=\"").append(challenge.get("opaque")).append('"');
    return sb.toString();
  }

  static String h(String alg, String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
