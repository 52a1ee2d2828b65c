package com.softdew.vms.control.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signatures of webhook deliveries, shared by the sender and by receivers (docs/webhooks.md).
 *
 * <p>Signed text: {@code "<timestamp>.<raw body>"}, timestamp = unix seconds sent in {@code X-VMS-Timestamp}.
 * Header {@code X-VMS-Signature: v1=<lower-case hex>}; a receiver accepts any of several comma-separated
 * {@code v1=} values (room for secret rotation). JDK {@code javax.crypto} only: no format code of our own beyond the
 * header, compared in constant time.
 */
public final class WebhookSignature {
  public static final String HEADER_TIMESTAMP = "X-VMS-Timestamp";
  public static final String HEADER_SIGNATURE = "X-VMS-Signature";
  public static final String HEADER_DELIVERY = "X-VMS-Delivery";
  public static final String SCHEME = "v1";
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

  /** Why a signature was refused (or OK). */
  public enum Result { OK, MALFORMED, STALE, MISMATCH }

  private WebhookSignature() {}

  /** {@code v1=<hex hmac-sha256(secret, timestamp + "." + body)>}. */
  public static String sign(String secret, long timestamp, byte[] body) {
    return SCHEME + "=" + HexFormat.of().formatHex(hmac(secret, timestamp, body));
  }

  /** True when {@code header} carries a valid signature of {@code body} and the timestamp is within {@code window} of {@code now}. */
  public static boolean verify(String secret, String timestamp, byte[] body, String header, Instant now, Duration window) {
    return check(secret, timestamp, body, header, now, window) == Result.OK;
  }

  /** As {@link #verify} with the reason of a refusal. */
  public static Result check(String secret, String timestamp, byte[] body, String header, Instant now, Duration window) {
    if (secret == null || timestamp == null || body == null || header == null || now == null || window == null) return Result.MALFORMED;
    long ts;
    try {
      ts = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      return Result.MALFORMED;
    }
    if (Math.abs(now.getEpochSecond() - ts) > window.toSeconds()) return Result.STALE;
    byte[] expected = hmac(secret, ts, body);
    boolean any = false;
    for (String part : header.split(",")) {
      String p = part.trim();
      if (!p.startsWith(SCHEME + "=")) continue;
      byte[] given;
      try {
        given = HexFormat.of().parseHex(p.substring(SCHEME.length() + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      any = true;
      if (MessageDigest.isEqual(expected, given)) return Result.OK;
    }
    return any ? Result.MISMATCH : Result.MALFORMED;
  }

  static byte[] hmac(String secret, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
