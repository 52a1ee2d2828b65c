package com.softdew.vms.control.testing;

import com.softdew.vms.control.auth.crypto.TotpService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A blocking test client of the REST API that signs in like a user does: password, TOTP enrolment
 * with an authenticator's code computation (RFC 6238), then bearer tokens.
 */
public final class ApiClient {
  private final WebClient web;
  private final int port;
  private final TotpService totp = new TotpService();
  private final Map<String, String> secrets = new HashMap<>();
  private final Map<String, Long> lastStep = new HashMap<>();

  public ApiClient(Vertx vertx, int port) {
    this.web = WebClient.create(vertx);
    this.port = port;
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  public HttpResponse<Buffer> call(String token, String method, String path, JsonObject body) throws Exception {
    HttpRequest<Buffer> req = web.request(HttpMethod.valueOf(method), port, "127.0.0.1", path);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  /** A TOTP code for the user's next unused time step (authenticators show the same code for 30 s). */
  public String nextCode(String username) {
    long now = TotpService.step(Instant.now());
    long step = Math.max(now, lastStep.getOrDefault(username, 0L) + 1);
    if (step > now + 1) throw new IllegalStateException("signed in twice within one TOTP step: wait " + (30 - Instant.now().getEpochSecond() % 30) + " s");
    lastStep.put(username, step);
    return totp.codeAt(secrets.get(username), Instant.ofEpochSecond(step * TotpService.PERIOD.toSeconds()));
  }

  /** Password + (enrolment on first sign-in) + TOTP: returns the token response. */
  public JsonObject login(String username, String password) throws Exception {
    HttpResponse<Buffer> r = call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", username).put("password", password));
    if (r.statusCode() != 200) throw new AssertionError("login " + username + ": " + r.statusCode() + " " + r.bodyAsString());
    JsonObject step1 = r.bodyAsJsonObject();
    String mfaToken = step1.getString("mfaToken");
    if ("enroll".equals(step1.getString("mfaRequired"))) {
      HttpResponse<Buffer> e = call(null, "POST", "/api/v1/auth/mfa/enroll", new JsonObject().put("mfaToken", mfaToken));
      if (e.statusCode() != 200) throw new AssertionError("enroll: " + e.bodyAsString());
      secrets.put(username, e.bodyAsJsonObject().getString("secret"));
    }
    HttpResponse<Buffer> v = call(null, "POST", "/api/v1/auth/mfa/verify", new JsonObject().put("mfaToken", mfaToken).put("code", nextCode(username)));
    if (v.statusCode() != 200) throw new AssertionError("verify " + username + ": " + v.statusCode() + " " + v.bodyAsString());
    return v.bodyAsJsonObject();
  }

  public String token(String username, String password) throws Exception {
    return login(username, password).getString("accessToken");
  }

  public String secretOf(String username) {
    return secrets.get(username);
  }

  public static Duration untilNextStep() {
    return Duration.ofSeconds(30 - Instant.now().getEpochSecond() % 30);
  }
}
