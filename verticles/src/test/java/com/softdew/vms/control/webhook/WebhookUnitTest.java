package com.softdew.vms.control.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Signature, backoff, breaker and URL rules without a node. */
class WebhookUnitTest {
  @Test
  void signatureMatchesAnIndependentHmacAndRefusesTamperingAndStaleTimestamps() throws Exception {
    byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    String sig = WebhookSignature.sign("s3cret", 1_700_000_000L, body);
    // computed independently with the openssl CLI: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    Process p = new ProcessBuilder("sh", "-c", "printf '%s' '1700000000.{\"a\":1}' | openssl dgst -sha256 -hmac s3cret -r").start();
    String openssl = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ")[0];
    assertEquals(0, p.waitFor());
    assertEquals("v1=" + openssl, sig);
    Instant at = Instant.ofEpochSecond(1_700_000_000L);
    Duration w = Duration.ofMinutes(5);
    assertTrue(WebhookSignature.verify("s3cret", "1700000000", body, sig, at.plusSeconds(299), w));
    assertTrue(WebhookSignature.verify("s3cret", "1700000000", body, "v1=00ff, " + sig, at, w), "any of several v1 values");
    assertEquals(WebhookSignature.Result.MISMATCH, WebhookSignature.check("s3cret", "1700000000", "{\"a\":2}".getBytes(StandardCharsets.UTF_8), sig, at, w));
    assertEquals(WebhookSignature.Result.MISMATCH, WebhookSignature.check("other", "1700000000", body, sig, at, w));
    assertEquals(WebhookSignature.Result.MISMATCH, WebhookSignature.check("s3cret", "1700000001", body, sig, at, w), "timestamp is signed");
    assertEquals(WebhookSignature.Result.STALE, WebhookSignature.check("s3cret", "1700000000", body, sig, at.plusSeconds(301), w));
    assertEquals(WebhookSignature.Result.STALE, WebhookSignature.check("s3cret", "1700000000", body, sig, at.minusSeconds(301), w));
    assertEquals(WebhookSignature.Result.MALFORMED, WebhookSignature.check("s3cret", "soon", body, sig, at, w));
    assertEquals(WebhookSignature.Result.MALFORMED, WebhookSignature.check("s3cret", "1700000000", body, "sha256=abc", at, w));
  }

  @Test
  void backoffDoublesFromTheBaseUpToTheCapWithJitterBounds() {
    WebhookDeliveryVerticle.Settings s = WebhookDeliveryVerticle.Settings.defaults();
    assertEquals(1000, s.backoffMillis(2, 0.5));
    assertEquals(2000, s.backoffMillis(3, 0.5));
    assertEquals(4000, s.backoffMillis(4, 0.5));
    assertEquals(128_000, s.backoffMillis(9, 0.5));
    assertEquals(300_000, s.backoffMillis(12, 0.5), "capped at maxDelay");
    assertEquals(800, s.backoffMillis(2, 0.0));
    assertEquals(1200, s.backoffMillis(2, 1.0));
    assertEquals(30_000, WebhookDeliveryVerticle.retryAfterMillis("30"));
    assertEquals(0, WebhookDeliveryVerticle.retryAfterMillis("later"));
  }

  @Test
  void breakerOpensAfterThresholdLetsOneTrialThroughWhenHalfOpenAndClosesOnSuccess() {
    WebhookBreaker b = new WebhookBreaker();
    assertTrue(b.allow(0, 3, 1000));
    assertFalse(b.failure(0, 3, 1000));
    assertFalse(b.failure(1, 3, 1000));
    assertTrue(b.failure(2, 3, 1000));
    assertEquals(WebhookBreaker.State.OPEN, b.state());
    assertFalse(b.allow(500, 3, 1000));
    assertTrue(b.allow(1002, 3, 1000), "half-open trial");
    assertEquals(WebhookBreaker.State.HALF_OPEN, b.state());
    assertFalse(b.allow(1003, 3, 1000), "one trial at a time");
    assertTrue(b.failure(1004, 3, 1000), "a failed trial opens again");
    assertFalse(b.allow(1500, 3, 1000));
    assertTrue(b.allow(2005, 3, 1000));
    b.success();
    assertEquals(WebhookBreaker.State.CLOSED, b.state());
    assertEquals(2, b.opened());
  }

  @Test
  void urlsMustBeHttpWithAHostAndNoCredentials() {
    assertEquals("https://partner.example.com/hook?x=1", WebhookApi.checkUrl("https://partner.example.com/hook?x=1"));
    for (String bad : new String[] {"ftp://x/y", "https://user:pw@x/y", "http:///path", "https://x/y#frag", "not a url", "mailto:a@b"}) {
      ApiException e = assertThrows(ApiException.class, () -> WebhookApi.checkUrl(bad), bad);
      assertEquals("url", e.extra().getString("field"), bad);
    }
  }

  @Test
  void deliveryIdIsStablePerSubscriptionAndChange() {
    JsonObject created = new JsonObject().put("action", "created").put("event", new JsonObject().put("eventId", "e1").put("status", "NEW"));
    JsonObject acked = new JsonObject().put("action", "status").put("event", new JsonObject().put("eventId", "e1").put("status", "ACKNOWLEDGED"));
    assertEquals(WebhookDeliveryVerticle.deliveryId("s1", created), WebhookDeliveryVerticle.deliveryId("s1", created.copy()));
    assertFalse(WebhookDeliveryVerticle.deliveryId("s1", created).equals(WebhookDeliveryVerticle.deliveryId("s2", created)));
    assertFalse(WebhookDeliveryVerticle.deliveryId("s1", created).equals(WebhookDeliveryVerticle.deliveryId("s1", acked)));
  }
}
