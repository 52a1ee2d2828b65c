package com.softdew.vms.control.push;

import com.softdew.vms.control.testing.ApiClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Just enough of the Chrome DevTools protocol for a test to read a page's DOM: attach to the page of a headless
 * Chromium started with {@code --remote-debugging-port=0} and evaluate expressions in it (Runtime.evaluate).
 */
final class Cdp implements AutoCloseable {
  private final WebSocket ws;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

  private Cdp(WebSocket ws) {
    this.ws = ws;
    ws.textMessageHandler(t -> {
      JsonObject m = new JsonObject(t);
      Integer id = m.getInteger("id");
      if (id != null) {
        CompletableFuture<JsonObject> f = pending.remove(id);
        if (f != null) f.complete(m);
      }
    });
  }

  /** Waits (15 s) for Chromium's DevToolsActivePort file and for a page whose URL contains {@code urlPart}. */
  static Cdp attach(Vertx vertx, Path profile, String urlPart) throws Exception {
    Path portFile = profile.resolve("DevToolsActivePort");
    long end = System.currentTimeMillis() + 15_000;
    while (!(Files.exists(portFile) && !Files.readString(portFile).isBlank()) && System.currentTimeMillis() < end) Thread.sleep(50);
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    WebClient web = WebClient.create(vertx);
    String wsUrl = null;
    while (wsUrl == null && System.currentTimeMillis() < end) {
      JsonArray pages = ApiClient.await(web.get(port, "127.0.0.1", "/json/list").send()).bodyAsJsonArray();
      for (Object o : pages) {
        JsonObject p = (JsonObject) o;
        if ("page".equals(p.getString("type")) && p.getString("url", "").contains(urlPart)) wsUrl = p.getString("webSocketDebuggerUrl");
      }
      if (wsUrl == null) Thread.sleep(50);
    }
    web.close();
    if (wsUrl == null) throw new AssertionError("no Chromium page with " + urlPart);
    WebSocket ws = ApiClient.await(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20))
        .connect(new WebSocketConnectOptions().setAbsoluteURI(wsUrl).setAllowOriginHeader(false)));
    return new Cdp(ws);
  }

  /** Evaluates {@code expression} in the page; the value as a string ("" for undefined/null). */
  String eval(String expression) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    pending.put(id, f);
    ws.writeTextMessage(new JsonObject().put("id", id).put("method", "Runtime.evaluate")
        .put("params", new JsonObject().put("expression", expression).put("returnByValue", true)).encode());
    JsonObject r = f.get(10, TimeUnit.SECONDS);
    if (r.containsKey("error")) throw new AssertionError("CDP: " + r.encode());
    JsonObject result = r.getJsonObject("result").getJsonObject("result");
    if (r.getJsonObject("result").containsKey("exceptionDetails")) throw new AssertionError("page threw: " + r.encode());
    Object v = result.getValue("value");
    return v == null ? "" : String.valueOf(v);
  }

  @Override
  public void close() {
    ws.close();
  }
}
