package com.softdew.vms.platform.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Contract-first HTTP router on top of Vert.x 5 {@code vertx-web-openapi-router}.
 *
 * <ul>
 *   <li>Operations are bound by {@code operationId}.</li>
 *   <li>Requests are validated against the contract before the handler runs; handlers read the result via
 *       {@link #validated(RoutingContext)} (= {@code rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST)}).</li>
 *   <li>Every error (400 validation, 404, 405, 413, 415, 500, 501) is an RFC 7807 {@code application/problem+json} body.</li>
 *   <li>The contract itself is served at {@code GET /openapi.yaml} (verbatim) and {@code GET /openapi.json}.</li>
 * </ul>
 */
public final class OpenApiRouter {

  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String PROBLEM_TYPE_BASE = "https://vms.softdew.com/problems/";
  public static final String VALIDATION_PROBLEM_TYPE = PROBLEM_TYPE_BASE + "validation";

  /** Max accepted request body (bytes); larger bodies get 413. */
  public static final long BODY_LIMIT_BYTES = 1024 * 1024;

  private static final System.Logger LOG = System.getLogger(OpenApiRouter.class.getName());

  private static final Pattern REQUIRED_PROPERTY = Pattern.compile("required property \"([^\"]*)\"");

  private OpenApiRouter() {
  }

  /**
   * Loads an OpenAPI 3.1 YAML document from the classpath, builds a router whose operations are bound by operationId,
   * with request validation from the schema.
   */
  public static Future<Router> create(Vertx vertx, String classpathResource,
                                      Map<String, Handler<RoutingContext>> handlersByOperationId) {
    return create(vertx, classpathResource, handlersByOperationId, List.of(), op -> null);
  }

  /**
   * As {@link #create(Vertx, String, Map)}, with security: {@code rootHandlers} run before routing and
   * validation on every request (authentication, rate limits); {@code guard} may return a handler per
   * operation (authorisation from the operation's extensions, e.g. {@code x-vms-permission}) that runs
   * after validation and before the operation's handler. A null guard handler means "public".
   */
  public static Future<Router> create(Vertx vertx, String classpathResource,
                                      Map<String, Handler<RoutingContext>> handlersByOperationId,
                                      List<Handler<RoutingContext>> rootHandlers,
                                      java.util.function.Function<Operation, Handler<RoutingContext>> guard) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(classpathResource, "classpathResource");
    Objects.requireNonNull(handlersByOperationId, "handlersByOperationId");

    // Vert.x FileSystem falls back to the classpath for relative paths (FileResolver), so a classpath resource works.
    return vertx.fileSystem().readFile(classpathResource)
      .recover(e -> Future.failedFuture(new IllegalArgumentException(
        "OpenAPI document '" + classpathResource + "' not found on classpath/file system: " + e.getMessage(), e)))
      .compose(raw -> {
        String yamlText = raw.toString(StandardCharsets.UTF_8);
        JsonObject unresolved;
        try {
          unresolved = yamlToJson(yamlText);
        } catch (RuntimeException e) {
          return Future.failedFuture(new IllegalArgumentException(
            "OpenAPI document '" + classpathResource + "' is not valid YAML: " + e.getMessage(), e));
        }
        String jsonText = unresolved.encodePrettily();
        // pass a copy: the contract resolver must not mutate the document we serve at /openapi.json
        return OpenAPIContract.from(vertx, unresolved.copy())
          .compose(contract -> build(vertx, contract, handlersByOperationId, yamlText, jsonText, rootHandlers, guard));
      });
  }

  /** Convenience accessor for handlers: the request as validated (and type-converted) by the contract. */
  public static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  /**
   * A validated query parameter as text, null when absent. Typed parameters (integer, number, boolean) arrive
   * converted by the contract, and {@code RequestParameter.getString()} answers null for them: use this instead.
   */
  public static String query(RoutingContext rc, String name) {
    io.vertx.openapi.validation.RequestParameter p = validated(rc).getQuery().get(name);
    return p == null || p.isNull() ? null : String.valueOf(p.get());
  }

  /**
   * An ISO-8601 instant given with Z or an offset, null when {@code raw} is null. A '+' of an offset arrives as a
   * space when the client did not encode it (and the query decoder turns even %2B into one): a space cannot occur in
   * the format, so it is read as '+'. A bad value is a 400 naming {@code field}.
   */
  public static java.time.Instant instant(String field, String raw) {
    if (raw == null) return null;
    String v = raw.trim().replace(' ', '+');
    try {
      return java.time.Instant.parse(v);
    } catch (java.time.format.DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (java.time.format.DateTimeParseException e2) {
        throw ApiException.invalid(field, "must be an ISO-8601 date-time with Z or an offset, e.g. 2026-01-31T10:00:00Z, got " + v);
      }
    }
  }

  /** The contract operation of the matched route ({@code RouterBuilder.KEY_META_DATA_OPERATION} route metadata). */
  public static Operation operation(RoutingContext rc) {
    return rc.currentRoute() == null ? null : rc.currentRoute().getMetadata(RouterBuilder.KEY_META_DATA_OPERATION);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static Future<Router> build(Vertx vertx, OpenAPIContract contract,
                                      Map<String, Handler<RoutingContext>> handlers,
                                      String yamlText, String jsonText,
                                      List<Handler<RoutingContext>> rootHandlers,
                                      java.util.function.Function<Operation, Handler<RoutingContext>> guard) {
    TreeSet<String> unknown = new TreeSet<>(handlers.keySet());
    contract.operations().forEach(op -> unknown.remove(op.getOperationId()));
    if (!unknown.isEmpty()) {
      TreeSet<String> known = new TreeSet<>();
      contract.operations().forEach(op -> known.add(op.getOperationId()));
      return Future.failedFuture(new IllegalArgumentException(
        "Handlers registered for operationIds not present in the OpenAPI document: " + unknown
          + " (document defines: " + known + ")"));
    }

    // The default extractor reads the body with HttpServerRequest#body(). We install BodyHandler (size limit!) as a
    // root handler instead and hand the already-read body to the validator.
    RequestExtractor extractor = (rc, op) ->
      RequestUtils.extract(rc.request(), op, () -> Future.succeededFuture(bodyOf(rc)));
    RouterBuilder builder = RouterBuilder.create(vertx, contract, extractor);
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES)); // Vert.x requires BODY before USER handlers
    rootHandlers.forEach(builder::rootHandler);

    for (OpenAPIRoute route : builder.getRoutes()) {
      Operation op = route.getOperation();
      Handler<RoutingContext> handler = handlers.get(op.getOperationId());
      Handler<RoutingContext> opGuard = guard.apply(op);
      if (opGuard != null) {
        route.addHandler(opGuard);
      }
      if (handler != null) {
        route.addHandler(handler);
      } else {
        // Without any handler the builder itself would answer a bare 503; we want 501 problem+json instead.
        route.setDoValidation(false);
        route.addHandler(rc -> problem(rc, 501, "not-implemented", "Not Implemented",
          "Operation '" + op.getOperationId() + "' (" + op.getHttpMethod() + " " + op.getOpenAPIPath()
            + ") is not implemented", null));
      }
      route.addFailureHandler(rc -> onRouteFailure(rc, op));
    }

    Router router = builder.createRouter();

    router.get("/openapi.yaml").handler(rc -> rc.response()
      .putHeader("content-type", "application/yaml; charset=utf-8").end(yamlText));
    router.get("/openapi.json").handler(rc -> rc.response()
      .putHeader("content-type", "application/json; charset=utf-8").end(jsonText));

    // Router-level fallbacks: no route (404), path known but method not (405), anything unhandled.
    router.errorHandler(404, rc -> problem(rc, 404, "not-found", "Not Found",
      "No resource for " + rc.request().method() + " " + rc.request().path(), null));
    router.errorHandler(405, rc -> problem(rc, 405, "method-not-allowed", "Method Not Allowed",
      "Method " + rc.request().method() + " is not allowed for " + rc.request().path(), null));
    router.errorHandler(413, rc -> problem(rc, 413, "payload-too-large", "Payload Too Large",
      "Request body exceeds " + BODY_LIMIT_BYTES + " bytes", null));
    router.errorHandler(500, rc -> {
      LOG.log(System.Logger.Level.ERROR, "Unhandled failure on " + rc.request().method() + " "
        + rc.request().path(), rc.failure());
      problem(rc, 500, "internal", "Internal Server Error", "Unexpected error", null);
    });
    return Future.succeededFuture(router);
  }

  private static Buffer bodyOf(RoutingContext rc) {
    return rc.body() == null ? null : rc.body().buffer();
  }

  private static void onRouteFailure(RoutingContext rc, Operation op) {
    Throwable failure = rc.failure();
    ValidatorException ve = findValidatorException(failure);
    if (ve != null) {
      validationProblem(rc, op, ve);
      return;
    }
    int status = rc.statusCode() > 0 ? rc.statusCode()
      : failure instanceof HttpException ? ((HttpException) failure).getStatusCode() : 500;
    if (status >= 500) {
      // let the router-level 500 handler answer (and avoid leaking exception messages)
      rc.next();
      return;
    }
    // e.g. 413 from BodyHandler, 401/403 from auth handlers
    problem(rc, status, typeFor(status), statusTitle(status),
      failure instanceof HttpException && ((HttpException) failure).getPayload() != null
        ? ((HttpException) failure).getPayload() : statusTitle(status), null);
  }

  private static ValidatorException findValidatorException(Throwable t) {
    for (int i = 0; t != null && i < 5; i++, t = t.getCause()) {
      if (t instanceof ValidatorException) {
        return (ValidatorException) t;
      }
    }
    return null;
  }

  /**
   * Maps a {@link ValidatorException} (thrown by {@code RequestValidator}, wrapped by the router builder into
   * {@code HttpException(400, msg, cause)}) to a problem document naming the offending field.
   */
  static void validationProblem(RoutingContext rc, Operation op, ValidatorException ve) {
    // 1) parameter errors: the exception does NOT carry the Parameter, but every parameter message is built as
    //    "<in> parameter <name>" (ValidatorException.create*, SchemaValidationException.createInvalidValueParameter).
    //    Match against the operation's declared parameters (longest match wins) instead of free-form parsing.
    Parameter param = null;
    String msg = ve.getMessage() == null ? "" : ve.getMessage();
    for (Parameter p : op.getParameters()) {
      String token = p.getIn().name().toLowerCase() + " parameter " + p.getName();
      if (msg.contains(token) && (param == null || p.getName().length() > param.getName().length())) {
        param = p;
      }
    }

    JsonArray errors = new JsonArray();
    String field;
    String detail;
    int status = 400;

    if (param != null) {
      field = param.getName();
      String in = param.getIn().name().toLowerCase();
      String reason;
      if (ve instanceof SchemaValidationException && ((SchemaValidationException) ve).getOutputUnit() != null) {
        List<OutputUnit> leafs = leafErrors(((SchemaValidationException) ve).getOutputUnit());
        reason = leafs.isEmpty() ? msg : describe(param, leafs.get(0));
        for (OutputUnit u : leafs) {
          errors.add(new JsonObject().put("field", field).put("in", in).put("keyword", keyword(u))
            .put("message", describe(param, u)));
        }
      } else {
        reason = reasonFor(ve.type());
      }
      detail = "Invalid " + in + " parameter '" + field + "': " + reason;
      if (errors.isEmpty()) {
        errors.add(new JsonObject().put("field", field).put("in", in).put("message", reason));
      }
      JsonObject extra = new JsonObject().put("in", in).put("errors", errors);
      problem(rc, status, "validation", "Request validation failed", detail, extra.put("field", field));
      return;
    }

    // 2) body errors
    if (ve instanceof SchemaValidationException && ((SchemaValidationException) ve).getOutputUnit() != null) {
      List<OutputUnit> leafs = leafErrors(((SchemaValidationException) ve).getOutputUnit());
      for (OutputUnit u : leafs) {
        errors.add(new JsonObject().put("field", pointerOf(u)).put("in", "body").put("keyword", keyword(u))
          .put("message", u.getError()));
      }
      if (leafs.isEmpty()) {
        field = "/";
        detail = "Invalid request body: " + msg;
      } else {
        field = pointerOf(leafs.get(0));
        detail = "Invalid request body at '" + field + "': " + leafs.get(0).getError()
          + (leafs.size() > 1 ? " (+" + (leafs.size() - 1) + " more)" : "");
      }
    } else {
      field = "body";
      if (ve.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && op.getRequestBody() != null
        && op.getRequestBody().determineContentType(rc.request().getHeader("content-type")) == null) {
        status = 415;
        detail = "Unsupported content-type '" + rc.request().getHeader("content-type") + "', expected one of "
          + op.getRequestBody().getContent().keySet();
      } else if (ve.type() == ValidatorErrorType.MISSING_REQUIRED_PARAMETER) {
        detail = "Request body is required";
      } else if (ve.type() == ValidatorErrorType.ILLEGAL_VALUE) {
        detail = "Request body is not well-formed: " + msg;
      } else {
        detail = msg;
      }
      errors.add(new JsonObject().put("field", field).put("in", "body").put("message", detail));
    }
    JsonObject extra = new JsonObject().put("field", field).put("in", "body").put("errors", errors);
    if (status == 415) {
      problem(rc, 415, "unsupported-media-type", "Unsupported Media Type", detail, extra);
    } else {
      problem(rc, 400, "validation", "Request validation failed", detail, extra);
    }
  }

  /**
   * The OutputUnit of a failed validation holds a flat list of errors; wrapper errors ("Property "x" does not match
   * schema", "A subschema had errors" for $ref, ...) come together with the concrete leaf error. Keep only errors
   * whose keyword is a real assertion.
   */
  static List<OutputUnit> leafErrors(OutputUnit root) {
    List<OutputUnit> all = new ArrayList<>();
    collect(root, all);
    List<OutputUnit> leafs = new ArrayList<>();
    for (OutputUnit u : all) {
      String kw = keyword(u);
      if (u.getError() == null || kw.equals("properties") || kw.equals("$ref") || kw.equals("$dynamicRef")
        || kw.equals("items") || kw.equals("prefixItems") || kw.equals("allOf") || kw.equals("patternProperties")) {
        continue;
      }
      // additionalProperties:false produces "Property "x" does not match additional properties schema" + a
      // nested boolean-schema failure at the same location; keep just one entry per (location, keyword).
      boolean dup = leafs.stream().anyMatch(l -> pointerOf(l).equals(pointerOf(u)) && keyword(l).equals(kw));
      if (!dup) {
        leafs.add(u);
      }
    }
    // vertx-json-schema quirk: a *declared* property that fails its own schema is additionally reported as
    // "does not match additional properties schema" when additionalProperties=false. Drop that noise whenever a
    // more specific error exists for the same location.
    List<OutputUnit> result = new ArrayList<>();
    for (OutputUnit u : leafs) {
      boolean noise = keyword(u).equals("additionalProperties")
        && leafs.stream().anyMatch(o -> o != u && pointerOf(o).equals(pointerOf(u))
        && !keyword(o).equals("additionalProperties"));
      if (!noise) {
        result.add(u);
      }
    }
    return result.isEmpty() ? all : result;
  }

  /** "String does not match pattern" does not say which pattern; add it from the parameter schema. */
  private static String describe(Parameter p, OutputUnit u) {
    if ("pattern".equals(keyword(u)) && p.getSchema() != null && p.getSchema().get("pattern") != null) {
      return u.getError() + " " + p.getSchema().get("pattern");
    }
    return u.getError();
  }

  private static void collect(OutputUnit u, List<OutputUnit> out) {
    if (u.getErrors() == null) {
      return;
    }
    for (OutputUnit e : u.getErrors()) {
      out.add(e);
      collect(e, out);
    }
  }

  private static String keyword(OutputUnit u) {
    String kl = u.getKeywordLocation();
    if (kl == null || kl.isEmpty()) {
      return "";
    }
    return kl.substring(kl.lastIndexOf('/') + 1);
  }

  /** JSON pointer of the offending value; for "required" the pointer of the missing property itself. */
  static String pointerOf(OutputUnit u) {
    String loc = u.getInstanceLocation() == null ? "" : u.getInstanceLocation();
    if (loc.startsWith("#")) {
      loc = loc.substring(1);
    }
    if ("required".equals(keyword(u)) && u.getError() != null) {
      Matcher m = REQUIRED_PROPERTY.matcher(u.getError());
      if (m.find()) {
        loc = loc + "/" + m.group(1).replace("~", "~0").replace("/", "~1");
      }
    }
    return loc.isEmpty() ? "/" : loc;
  }

  private static String reasonFor(ValidatorErrorType type) {
    switch (type) {
      case MISSING_REQUIRED_PARAMETER:
        return "required but missing";
      case INVALID_VALUE_FORMAT:
        return "value is not formatted according to its style";
      case UNSUPPORTED_VALUE_FORMAT:
        return "value style is not supported";
      case ILLEGAL_VALUE:
        return "value can't be decoded";
      default:
        return "invalid value";
    }
  }

  private static String typeFor(int status) {
    switch (status) {
      case 404: return "not-found";
      case 405: return "method-not-allowed";
      case 413: return "payload-too-large";
      case 415: return "unsupported-media-type";
      case 501: return "not-implemented";
      default: return "http-" + status;
    }
  }

  private static String statusTitle(int status) {
    io.netty.handler.codec.http.HttpResponseStatus s = io.netty.handler.codec.http.HttpResponseStatus.valueOf(status);
    return s.reasonPhrase();
  }

  /** Writes an RFC 7807 problem document. */
  public static void problem(RoutingContext rc, int status, String typeSuffix, String title, String detail,
                             JsonObject extra) {
    if (rc.response().ended()) {
      return;
    }
    JsonObject body = new JsonObject()
      .put("type", PROBLEM_TYPE_BASE + typeSuffix)
      .put("title", title)
      .put("status", status)
      .put("detail", detail)
      .put("instance", rc.request().path());
    if (extra != null) {
      extra.forEach(e -> body.put(e.getKey(), e.getValue()));
    }
    rc.response()
      .setStatusCode(status)
      .putHeader("content-type", PROBLEM_JSON)
      .end(body.encode());
  }

  // --- YAML -> JSON (snakeyaml is already on the classpath via io.vertx:vertx-openapi) --------------------------

  static JsonObject yamlToJson(String yamlText) {
    Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
    if (!(doc instanceof Map)) {
      throw new IllegalArgumentException("top-level YAML node is not a mapping");
    }
    return new JsonObject(jsonify((Map<?, ?>) doc));
  }

  private static Map<String, Object> jsonify(Map<?, ?> yaml) {
    Map<String, Object> json = new LinkedHashMap<>();
    yaml.forEach((k, v) -> json.put(String.valueOf(k), jsonifyValue(v)));
    return json;
  }

  private static Object jsonifyValue(Object v) {
    if (v instanceof Map) {
      return jsonify((Map<?, ?>) v);
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      ((List<?>) v).forEach(i -> out.add(jsonifyValue(i)));
      return out;
    }
    if (v instanceof Date) {
      return ((Date) v).toInstant().toString();
    }
    return v;
  }
}
