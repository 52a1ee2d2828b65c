package com.softdew.vms.control.auth;

import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** REST handlers of /api/v1/auth. */
public final class AuthApi {
  private final AuthService auth;

  public AuthApi(AuthService auth) {
    this.auth = auth;
  }

  private static JsonObject body(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getBody().getJsonObject();
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    return Map.of(
        "login", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, auth.login(b.getString("username"), b.getString("password"), ApiSecurity.clientIp(ctx)));
        },
        "mfaEnroll", ctx -> reply(ctx, auth.enroll(body(ctx).getString("mfaToken"), ApiSecurity.clientIp(ctx))),
        "mfaVerify", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, auth.verifyMfa(b.getString("mfaToken"), b.getString("code"), ApiSecurity.clientIp(ctx)));
        },
        "refreshToken", ctx -> reply(ctx, auth.refresh(body(ctx).getString("refreshToken"), ApiSecurity.clientIp(ctx))),
        "logout", ctx -> {
          Principal p = ApiSecurity.require(ctx);
          JsonObject b = OpenApiRouter.validated(ctx).getBody() == null || OpenApiRouter.validated(ctx).getBody().isNull()
              ? new JsonObject() : body(ctx);
          auth.logout(p, ctx.get(ApiSecurity.CLAIMS), b.getString("refreshToken"), ApiSecurity.clientIp(ctx))
              .onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
        },
        "whoAmI", ctx -> {
          Principal p = ApiSecurity.require(ctx);
          JsonArray perms = new JsonArray();
          for (Permission perm : Permission.values()) if (perm.grantedTo(p.role())) perms.add(perm.id());
          PlatformRouter.json(ctx, 200, new JsonObject().put("userId", p.userId()).put("tenantId", p.tenantId())
              .put("username", p.username()).put("role", p.role().name()).put("permissions", perms));
        });
  }

  private static void reply(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, 200, v)).onFailure(ctx::fail);
  }
}
