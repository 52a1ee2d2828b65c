package com.softdew.vms.platform.http;

import com.softdew.vms.model.InvalidFieldException;
import com.softdew.vms.platform.health.PlatformHealth;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes every node serves whatever its role: health, Prometheus metrics, Swagger UI, and the
 * problem+json error mapping for everything mounted on the router.
 */
public final class PlatformRouter {
  private static final Logger LOG = LoggerFactory.getLogger(PlatformRouter.class);

  private PlatformRouter() {}

  /** Adds the platform routes and error mapping to a router (a plain one, or the API router built from OpenAPI). */
  public static Router mount(Router router, PlatformHealth health, boolean metrics) {
    health.mount(router);
    if (metrics) router.get("/metrics").handler(PrometheusScrapingHandler.create());
    mountSwaggerUi(router);
    router.errorHandler(404, ctx -> Problem.send(ctx, 404, "not-found", "Not found", "no resource at " + ctx.request().path(), null));
    router.errorHandler(405, ctx -> Problem.send(ctx, 405, "method-not-allowed", "Method not allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
    router.errorHandler(413, ctx -> Problem.send(ctx, 413, "too-large", "Request body too large", null, null));
    router.route().failureHandler(PlatformRouter::failure);
    return router;
  }

  /** Maps failures to problem+json; unexpected ones are logged once and answered 500 without internals. */
  public static void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (t instanceof InvalidFieldException f) {
      Problem.invalidField(ctx, f.field(), f.reason());
    } else if (t instanceof ApiException a) {
      Problem.send(ctx, a.status(), a.type(), a.title(), a.getMessage(), a.extra());
    } else if (t == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      Problem.send(ctx, ctx.statusCode(), "http-" + ctx.statusCode(), "Request refused", null, null);
    } else {
      LOG.error("unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), t);
      Problem.send(ctx, 500, "internal", "Internal error", "the error was logged", null);
    }
  }

  /** Swagger UI (from the org.webjars:swagger-ui jar) at /docs, reading /openapi.json. */
  static void mountSwaggerUi(Router router) {
    String version = BuildInfo.swaggerUiVersion();
    if (version == null) {
      LOG.warn("swagger-ui webjar not on the classpath: /docs is not served");
      return;
    }
    String initializer = "window.onload = function() { window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui',"
        + " deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' }); };";
    router.get("/docs").handler(ctx -> {
      if (ctx.request().path().equals("/docs")) {
        ctx.redirect("/docs/");
      } else {
        ctx.next();
      }
    });
    router.get("/docs/swagger-initializer.js").handler(ctx -> ctx.response().putHeader("content-type", "application/javascript").end(initializer));
    router.get("/docs/*").handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + version).setCachingEnabled(true));
  }

  /** Convenience for handlers: a JSON 200/201 response. */
  public static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(body instanceof JsonObject j ? j.encode() : io.vertx.core.json.Json.encode(body));
  }
}
