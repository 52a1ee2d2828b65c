package com.softdew.vms.control.storage;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring, tenant-scoped media URLs: {@code ?t=<tenant>&exp=<epoch seconds>&sig=<kid>.<base64url HMAC>}
 * with HMAC-SHA256 (JDK) over {@code tenant|resource|exp}, where the resource names what the URL serves (e.g.
 * {@code segment:<segmentId>}, {@code thumb:<segmentId>:<offsetMs>:<width>}).
 *
 * <p>Keys: derived from the platform's key-encryption keys ({@code auth.kek}, or the {@code data.dir/keys/kek} file
 * that {@code KeyEncryptionKeys} generates on a development install), so every node of a cluster verifies what
 * another signed without a new secret to distribute: key = HMAC-SHA256(kek, "vms/playback-url/v1") per kek id.
 * The first (current) kek signs; every kek of the ring verifies, so a kek rotation does not break URLs in flight.
 * The derivation separates the keys: a URL signature reveals nothing usable against sealed secrets.
 */
public final class PlaybackSigner {
  private static final String LABEL = "vms/playback-url/v1";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Map<String, byte[]> keys;
  private final String current;
  private final Clock clock;

  /** @param keys key id → HMAC key (≥ 32 bytes); {@code current} signs */
  public PlaybackSigner(Map<String, byte[]> keys, String current, Clock clock) {
    if (!keys.containsKey(current)) throw new IllegalArgumentException("current key id not in the key set");
    for (var e : keys.entrySet()) {
      if (!e.getKey().matches("[A-Za-z0-9_-]{1,32}")) throw new IllegalArgumentException("key id must match [A-Za-z0-9_-]{1,32}");
      if (e.getValue().length < 32) throw new IllegalArgumentException("key " + e.getKey() + " shorter than 32 bytes");
    }
    this.keys = Map.copyOf(keys);
    this.current = current;
    this.clock = clock;
  }

  /** From a key-encryption-key spec {@code kid1:base64key,kid2:base64key} (the format of {@code auth.kek}); first = current. */
  public static PlaybackSigner fromKekSpec(String spec, Clock clock) {
    if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty key spec");
    Map<String, byte[]> keys = new LinkedHashMap<>();
    String first = null;
    for (String part : spec.trim().split(",")) {
      int c = part.indexOf(':');
      if (c <= 0) throw new IllegalArgumentException("key spec entries are kid:base64key");
      String kid = part.substring(0, c).trim();
      String b64 = part.substring(c + 1).trim();
      byte[] kek = b64.indexOf('-') >= 0 || b64.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(b64) : Base64.getDecoder().decode(b64);
      keys.put(kid, hmac(kek, LABEL.getBytes(StandardCharsets.UTF_8)));
      if (first == null) first = kid;
    }
    return new PlaybackSigner(keys, first, clock);
  }

  /**
   * The node's signer: {@code auth.kek} when set, else the {@code data.dir/keys/kek} file. Blocking (file read):
   * call from a worker, after {@code KeyEncryptionKeys.load(cfg)} (which creates the file on a development install).
   */
  public static PlaybackSigner fromConfig(VmsConfig cfg) throws IOException {
    String spec = cfg.string("auth.kek");
    if (spec.isBlank()) spec = Files.readString(Path.of(cfg.string("data.dir")).resolve("keys").resolve("kek")).trim();
    return fromKekSpec(spec, Clock.systemUTC());
  }

  /** The query string (no leading '?') that grants {@code resource} of {@code tenantId} for {@code ttl}. */
  public String query(String tenantId, String resource, Duration ttl) {
    long exp = clock.instant().plus(ttl).getEpochSecond();
    return "t=" + enc(tenantId) + "&exp=" + exp + "&sig=" + enc(sign(current, tenantId, resource, exp));
  }

  /**
   * Checks a signed request: 403 (naming the field) for a missing, tampered, foreign-tenant or expired signature.
   * The tenant is the one the URL was signed for; the caller then reads only that tenant's data.
   */
  public void verify(String tenantId, String resource, String exp, String sig) {
    if (tenantId == null || tenantId.isEmpty()) throw forbidden("t", "is required");
    if (exp == null || !exp.matches("[0-9]{1,12}")) throw forbidden("exp", "is required (epoch seconds)");
    if (sig == null || sig.indexOf('.') <= 0) throw forbidden("sig", "is required");
    String kid = sig.substring(0, sig.indexOf('.'));
    if (!keys.containsKey(kid)) throw forbidden("sig", "was made with an unknown key");
    long e = Long.parseLong(exp);
    byte[] want = sign(kid, tenantId, resource, e).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(want, sig.getBytes(StandardCharsets.US_ASCII))) throw forbidden("sig", "does not match this URL");
    if (clock.instant().getEpochSecond() > e) throw forbidden("exp", "has passed: the URL expired");
  }

  private String sign(String kid, String tenantId, String resource, long exp) {
    byte[] mac = hmac(keys.get(kid), (tenantId + "|" + resource + "|" + exp).getBytes(StandardCharsets.UTF_8));
    return kid + "." + B64.encodeToString(mac);
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ApiException forbidden(String field, String reason) {
    return new ApiException(403, "bad-signature", "Forbidden", field + " " + reason, new JsonObject().put("field", field));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
