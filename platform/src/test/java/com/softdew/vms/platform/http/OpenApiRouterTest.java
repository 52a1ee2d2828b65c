package com.softdew.vms.platform.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@ExtendWith(VertxExtension.class)
class OpenApiRouterTest {

  private static final String CONTRACT = "openapi/things.yaml";

  static Vertx vertx;
  static HttpServer server;
  static WebClient client;

  // ---- handlers: how to read validated path/query/body ------------------------------------------------------------

  static void getThing(RoutingContext rc) {
    ValidatedRequest req = rc.get(io.vertx.ext.web.openapi.router.RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String id = req.getPathParameters().get("id").getString();
    rc.json(new JsonObject().put("op", "getThing").put("id", id));
  }

  static void listThings(RoutingContext rc) {
    ValidatedRequest req = OpenApiRouter.validated(rc);
    RequestParameter limit = req.getQuery().get("limit");       // present in map even when absent; value may be null
    Integer l = limit == null || limit.isNull() ? null : limit.getInteger();
    if (l != null && l == 13) {
      throw new IllegalStateException("unlucky: internal details must not leak");
    }
    rc.json(new JsonObject().put("op", "listThings").put("limit", l)
      .put("limitJavaType", limit == null || limit.isNull() ? null : limit.get().getClass().getSimpleName()));
  }

  static void putThing(RoutingContext rc) {
    ValidatedRequest req = OpenApiRouter.validated(rc);
    String id = req.getPathParameters().get("id").getString();
    JsonObject body = req.getBody().getJsonObject();           // already parsed + schema-validated
    rc.json(new JsonObject().put("op", "putThing").put("id", id)
      .put("name", body.getString("name")).put("size", body.getInteger("size")));
  }

  @BeforeAll
  static void start() throws Throwable {
    vertx = Vertx.vertx();
    Map<String, Handler<RoutingContext>> handlers = Map.of(
      "getThing", OpenApiRouterTest::getThing,
      "listThings", OpenApiRouterTest::listThings,
      "putThing", OpenApiRouterTest::putThing);
    // deleteThing deliberately has no handler -> 501
    Router router = await(OpenApiRouter.create(vertx, CONTRACT, handlers));
    server = await(vertx.createHttpServer().requestHandler(router).listen(0));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")
      .setDefaultPort(server.actualPort()));
  }

  @AfterAll
  static void stop() throws Throwable {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  static <T> T await(Future<T> f) throws Throwable {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String uri) throws Throwable {
    return await(client.get(uri).send());
  }

  static HttpResponse<Buffer> put(String uri, String json) throws Throwable {
    return await(client.put(uri).putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(json)));
  }

  static JsonObject assertProblem(HttpResponse<Buffer> r, int status, String field, String detailContains) {
    System.out.println(status + " " + r.bodyAsString());
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("content-type"));
    JsonObject p = r.bodyAsJsonObject();
    assertEquals(status, p.getInteger("status"));
    assertTrue(p.getString("title") != null && !p.getString("title").isBlank());
    assertTrue(p.getString("type").startsWith("https://vms.softdew.com/problems/"));
    if (status == 400) {
      assertEquals("https://vms.softdew.com/problems/validation", p.getString("type"));
    }
    if (field != null) {
      assertEquals(field, p.getString("field"), p.encodePrettily());
    }
    if (detailContains != null) {
      assertTrue(p.getString("detail").contains(detailContains), p.getString("detail"));
    }
    return p;
  }

  // ---- happy paths ---------------------------------------------------------------------------------------------

  @Test
  void validPathParamReachesHandler() throws Throwable {
    HttpResponse<Buffer> r = get("/api/v1/things/abc-123");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("op", "getThing").put("id", "abc-123"), r.bodyAsJsonObject());
  }

  @Test
  void validQueryParamIsParsedToInteger() throws Throwable {
    JsonObject b = get("/api/v1/things?limit=42").bodyAsJsonObject();
    assertEquals(42, b.getInteger("limit"));
    assertEquals("Integer", b.getString("limitJavaType"));
    JsonObject none = get("/api/v1/things").bodyAsJsonObject();
    assertNull(none.getValue("limit"));
  }

  @Test
  void validBodyReachesHandler() throws Throwable {
    HttpResponse<Buffer> r = put("/api/v1/things/t-1", "{\"name\":\"lamp\",\"size\":3}");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("op", "putThing").put("id", "t-1").put("name", "lamp").put("size", 3),
      r.bodyAsJsonObject());
  }

  // ---- validation failures -------------------------------------------------------------------------------------

  @Test
  void badPathParam() throws Throwable {
    JsonObject p = assertProblem(get("/api/v1/things/UPPER_case"), 400, "id", "path parameter 'id'");
    assertEquals("path", p.getString("in"));
    assertTrue(p.getString("detail").contains("^[a-z0-9-]{1,64}$"), p.getString("detail"));
  }

  @Test
  void badQueryParamType() throws Throwable {
    assertProblem(get("/api/v1/things?limit=abc"), 400, "limit", "query parameter 'limit'");
  }

  @Test
  void queryParamOutOfRange() throws Throwable {
    assertProblem(get("/api/v1/things?limit=0"), 400, "limit", "less than");
    assertProblem(get("/api/v1/things?limit=101"), 400, "limit", "greater than");
  }

  @Test
  void bodyPropertyViolatesSchema() throws Throwable {
    JsonObject p = assertProblem(put("/api/v1/things/t-1", "{\"name\":\"lamp\",\"size\":11}"), 400, "/size", "/size");
    assertEquals(1, p.getJsonArray("errors").size(), p.encode());
    assertEquals("maximum", p.getJsonArray("errors").getJsonObject(0).getString("keyword"));
    assertProblem(put("/api/v1/things/t-1", "{\"name\":\"\"}"), 400, "/name", "/name");
    assertProblem(put("/api/v1/things/t-1", "{\"name\":7}"), 400, "/name", "/name");
  }

  @Test
  void bodyMissingRequiredProperty() throws Throwable {
    assertProblem(put("/api/v1/things/t-1", "{\"size\":1}"), 400, "/name", "name");
  }

  @Test
  void bodyAdditionalPropertyRejected() throws Throwable {
    assertProblem(put("/api/v1/things/t-1", "{\"name\":\"lamp\",\"colour\":\"red\"}"), 400, "/colour", "colour");
  }

  @Test
  void multipleBodyErrorsAreAllListed() throws Throwable {
    JsonObject p = assertProblem(put("/api/v1/things/t-1", "{\"name\":\"\",\"colour\":\"red\"}"), 400, null, null);
    assertEquals(2, p.getJsonArray("errors").size(), p.encode());
    assertTrue(p.getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("field"))
      .collect(java.util.stream.Collectors.toSet()).containsAll(java.util.Set.of("/name", "/colour")), p.encode());
  }

  @Test
  void handlerExceptionIs500ProblemWithoutLeakingMessage() throws Throwable {
    JsonObject p = assertProblem(get("/api/v1/things?limit=13"), 500, null, null);
    assertTrue(!p.encode().contains("unlucky"), p.encode());
  }

  @Test
  void bodyTooLargeIs413Problem() throws Throwable {
    String big = "{\"name\":\"" + "x".repeat((int) OpenApiRouter.BODY_LIMIT_BYTES + 10) + "\"}";
    JsonObject p = assertProblem(put("/api/v1/things/t-1", big), 413, null, null);
    assertEquals("https://vms.softdew.com/problems/payload-too-large", p.getString("type"));
  }

  @Test
  void bodyNotAnObjectOrMalformed() throws Throwable {
    assertProblem(put("/api/v1/things/t-1", "[1,2]"), 400, "/", "type");
    assertProblem(put("/api/v1/things/t-1", "{not json"), 400, "body", null);
  }

  @Test
  void bodyMissing() throws Throwable {
    HttpResponse<Buffer> r = await(client.put("/api/v1/things/t-1").putHeader("content-type", "application/json")
      .send());
    assertProblem(r, 400, "body", "required");
  }

  @Test
  void wrongContentTypeIs415() throws Throwable {
    HttpResponse<Buffer> r = await(client.put("/api/v1/things/t-1").putHeader("content-type", "text/plain")
      .sendBuffer(Buffer.buffer("hello")));
    assertProblem(r, 415, "body", "text/plain");
  }

  @Test
  void pathAndBodyBothInvalidReportsPathFirst() throws Throwable {
    assertProblem(put("/api/v1/things/BAD!", "{\"size\":99}"), 400, "id", null);
  }

  // ---- routing errors ------------------------------------------------------------------------------------------

  @Test
  void unknownPathIs404Problem() throws Throwable {
    assertProblem(get("/api/v1/nope"), 404, null, "/api/v1/nope");
  }

  @Test
  void wrongMethodIs405Problem() throws Throwable {
    assertProblem(await(client.post("/api/v1/things/abc").send()), 405, null, "POST");
  }

  @Test
  void operationWithoutHandlerIs501Problem() throws Throwable {
    assertProblem(await(client.delete("/api/v1/things/abc").send()), 501, null, "deleteThing");
  }

  // ---- contract served -----------------------------------------------------------------------------------------

  @Test
  void servesContract() throws Throwable {
    HttpResponse<Buffer> y = get("/openapi.yaml");
    assertEquals(200, y.statusCode());
    assertTrue(y.getHeader("content-type").startsWith("application/yaml"));
    assertTrue(y.bodyAsString().startsWith("openapi: 3.1.0"));
    HttpResponse<Buffer> j = get("/openapi.json");
    assertEquals(200, j.statusCode());
    assertTrue(j.getHeader("content-type").startsWith("application/json"));
    JsonObject doc = j.bodyAsJsonObject();
    assertEquals("3.1.0", doc.getString("openapi"));
    // unresolved document: $refs are kept as written
    assertEquals("#/components/schemas/ThingInput", doc.getJsonObject("paths").getJsonObject("/api/v1/things/{id}")
      .getJsonObject("put").getJsonObject("requestBody").getJsonObject("content")
      .getJsonObject("application/json").getJsonObject("schema").getString("$ref"));
  }

  // ---- construction errors -------------------------------------------------------------------------------------

  @Test
  void unknownOperationIdFailsCreation() {
    Handler<RoutingContext> h = rc -> rc.end();
    try {
      await(OpenApiRouter.create(vertx, CONTRACT, Map.of("getThing", h, "doesNotExist", h)));
      fail("expected failure");
    } catch (Throwable t) {
      Throwable c = t.getCause() != null ? t.getCause() : t;
      assertTrue(c instanceof IllegalArgumentException, c.toString());
      assertTrue(c.getMessage().contains("doesNotExist"), c.getMessage());
    }
  }

  @Test
  void missingDocumentFailsCreation() {
    try {
      await(OpenApiRouter.create(vertx, "openapi/missing.yaml", Map.of()));
      fail("expected failure");
    } catch (Throwable t) {
      Throwable c = t.getCause() != null ? t.getCause() : t;
      assertTrue(c.getMessage().contains("openapi/missing.yaml"), c.getMessage());
    }
  }
}
