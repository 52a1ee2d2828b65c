package com.softdew.vms.control.auth;

import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.Problem;
import com.softdew.vms.platform.store.KeyValueCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.Operation;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one authorisation layer of the HTTP API. A root handler, on every request: per-address rate
 * limit, bearer-token authentication (a bad token is always 401), per-token rate limit, and the
 * tenant's IP allowlist. A guard per operation: the operation's {@code x-vms-permission} must be held
 * by the caller's role (401 without a caller, 403 without the permission); operations without it are
 * public (login, token refresh). Tenant scoping of the data itself is done by the handlers through
 * {@link #principal} and, underneath, by row-level security.
 */
public final class ApiSecurity {
  private static final Logger LOG = LoggerFactory.getLogger(ApiSecurity.class);
  public static final String PRINCIPAL = "vms.principal";
  public static final String CLAIMS = "vms.claims";
  public static final String PERMISSION_EXTENSION = "x-vms-permission";

  private final AuthService auth;
  private final KeyValueCache cache;
  private final TenantDirectory tenants;
  private final int perIp;
  private final int perToken;
  private final Counter limited;

  public ApiSecurity(AuthService auth, KeyValueCache cache, TenantDirectory tenants, int perIpPerMinute, int perTokenPerMinute,
      MeterRegistry registry) {
    this.auth = auth;
    this.cache = cache;
    this.tenants = tenants;
    this.perIp = perIpPerMinute;
    this.perToken = perTokenPerMinute;
    MeterRegistry r = registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    this.limited = Counter.builder("vms.api.rate.limited").description("requests refused with 429").register(r);
  }

  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The caller, or a 401 when the request carries no valid token. */
  public static Principal require(RoutingContext ctx) {
    Principal p = principal(ctx);
    if (p == null) throw new ApiException(401, "unauthorized", "Authentication required", "send Authorization: Bearer <access token>", null);
    return p;
  }

  /** Fails with 404 (not 403: existence is not revealed) when the caller may not touch {@code tenantId}. */
  public static void requireTenant(RoutingContext ctx, String tenantId) {
    if (!require(ctx).mayAccessTenant(tenantId)) throw ApiException.notFound("no such resource");
  }

  /**
   * The tenant a request works on: the caller's own, or — for the platform operator, who must name
   * one — {@code asked} (the ?tenantId= parameter). Another tenant's id is a 404.
   */
  public static String targetTenant(RoutingContext ctx, String asked) {
    Principal p = require(ctx);
    if (asked == null) {
      if (p.role().platform()) throw ApiException.invalid("tenantId", "is required for the platform operator");
      return p.tenantId();
    }
    if (!p.mayAccessTenant(asked)) throw ApiException.notFound("no such resource");
    return asked;
  }

  public static String clientIp(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
  }

  /** Root handler: rate limits, authentication, IP allowlist. */
  public Handler<RoutingContext> rootHandler() {
    return ctx -> {
      if (!ctx.request().path().startsWith("/api/")) {
        ctx.next();
        return;
      }
      String ip = clientIp(ctx);
      limit(ctx, "rl:ip:" + ip, perIp, () -> {
        String h = ctx.request().getHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
          ctx.next();
          return;
        }
        auth.authenticate(h.substring(7).trim()).onComplete(ar -> {
          if (ar.failed()) {
            ApiException a = ar.cause() instanceof ApiException e ? e : new ApiException(401, "unauthorized", "Authentication failed", "invalid token", null);
            Problem.send(ctx, a.status(), a.type(), a.title(), a.getMessage(), a.extra());
            return;
          }
          JsonObject claims = ar.result();
          Principal p = AuthService.principalOf(claims);
          ctx.put(PRINCIPAL, p);
          ctx.put(CLAIMS, claims);
          if (!p.role().platform() && !tenants.allows(p.tenantId(), ctx.request().remoteAddress() == null ? null : ip)) {
            LOG.warn("refused {} from {}: not in the IP allowlist of tenant {}", p.username(), ip, p.tenantId());
            Problem.send(ctx, 403, "ip-not-allowed", "Address not allowed", "this tenant accepts requests only from its configured networks", null);
            return;
          }
          limit(ctx, "rl:tok:" + claims.getString("jti"), perToken, ctx::next);
        });
      });
    };
  }

  private void limit(RoutingContext ctx, String keyPrefix, int perMinute, Runnable next) {
    long window = Instant.now().getEpochSecond() / 60;
    cache.increment(keyPrefix + ":" + window, Duration.ofSeconds(61)).onComplete(ar -> {
      if (ar.failed()) {
        // a cache outage must not take the API down: count it and let the request through
        LOG.warn("rate limit counter unavailable: {}", ar.cause().getMessage());
        next.run();
      } else if (ar.result() > perMinute) {
        limited.increment();
        long retry = 60 - Instant.now().getEpochSecond() % 60;
        Problem.send(ctx, 429, "rate-limited", "Too many requests", "limit is " + perMinute + " requests per minute",
            new JsonObject().put("retryAfterSeconds", retry));
      } else {
        next.run();
      }
    });
  }

  /** Guard for one operation, from its x-vms-permission; null for public operations. */
  public Handler<RoutingContext> guard(Operation op) {
    Object ext = op.getExtensions().get(PERMISSION_EXTENSION);
    if (ext == null) return null;
    Permission perm = Permission.of(String.valueOf(ext));
    return ctx -> {
      Principal p = principal(ctx);
      if (p == null) {
        Problem.send(ctx, 401, "unauthorized", "Authentication required", "send Authorization: Bearer <access token>", null);
      } else if (!perm.grantedTo(p.role())) {
        Problem.send(ctx, 403, "forbidden", "Forbidden", "role " + p.role() + " lacks permission " + perm.id(),
            new JsonObject().put("permission", perm.id()));
      } else if (tenants.readOnly(p.tenantId()) && !ctx.request().method().name().equals("GET") && !p.role().platform()) {
        Problem.send(ctx, 403, "licence-expired", "Licence expired",
            "the licence of tenant " + p.tenantId() + " expired on " + tenants.licenceEnd(p.tenantId()) + ": reads only until it is renewed", null);
      } else {
        ctx.next();
      }
    };
  }
}
