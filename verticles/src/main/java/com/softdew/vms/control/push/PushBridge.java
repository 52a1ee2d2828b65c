package com.softdew.vms.control.push;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.auth.AuthService;
import com.softdew.vms.control.auth.Permission;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.auth.Role;
import com.softdew.vms.control.tenant.TenantDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser push: a SockJS event-bus bridge (mounted at {@code /eventbus}) that lets a signed-in browser
 * register on its own tenant's {@code client.tenant.<t>.*} addresses and send event acknowledgements, nothing else.
 *
 * <p>Authentication: every REGISTER and SEND frame carries the access token as the bridge header
 * {@code Authorization: Bearer <jwt>} (the official client's {@code eb.defaultHeaders}); it is verified by
 * {@link AuthService#authenticate} exactly as the REST API does. The first valid token binds the socket to its user;
 * the socket is closed when that token expires (a refreshed token on a later frame extends it).
 *
 * <p>Every refusal is counted in {@code vms.push.refused{reason}} and logged at debug (warn for limits).
 */
public final class PushBridge {
  private static final Logger LOG = LoggerFactory.getLogger(PushBridge.class);

  /** Bounds of the bridge (constants today; the runtime keys they would become are listed in docs/push.md). */
  public record Limits(int maxSocketsPerNode, int maxSocketsPerTenant, int maxHandlersPerSocket, int maxInboundBytes,
      int maxWriteQueueBytes, long authTimeoutMs, long pingTimeoutMs, long replyTimeoutMs) {
    public static Limits defaults() {
      return new Limits(10_000, 500, 16, 4096, 256 * 1024, 10_000, 30_000, 10_000);
    }
  }

  /** Roles that may act on events (acknowledge, resolve, ...) over the bridge; would be a Permission {@code event.write}. */
  public static final Set<Role> ACK_ROLES = EnumSet.of(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR);
  /** Actions a browser may send on the acknowledgement address (the engine validates the transition). */
  public static final Set<String> ACK_ACTIONS = Set.of("acknowledge", "resolve", "false_positive", "escalate");

  private final Vertx vertx;
  private final AuthService auth;
  private final TenantDirectory tenants;
  private final Limits limits;
  private final MeterRegistry registry;
  private final Map<SockJSSocket, SocketState> sockets = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> perTenant = new ConcurrentHashMap<>();
  private final Map<String, Counter> refusedCounters = new ConcurrentHashMap<>();
  private final Map<String, Counter> deliveredCounters = new ConcurrentHashMap<>();
  private final AtomicInteger registrations = new AtomicInteger();

  /** What the bridge knows of one socket; mutated on the socket's event loop. */
  private static final class SocketState {
    volatile Principal principal;
    volatile String countedTenant;
    volatile long expiresAtMs;
    volatile long timer = -1;
    final Set<String> addresses = ConcurrentHashMap.newKeySet();
  }

  public PushBridge(Vertx vertx, AuthService auth, TenantDirectory tenants, Limits limits, MeterRegistry registry) {
    this.vertx = vertx;
    this.auth = auth;
    this.tenants = tenants;
    this.limits = limits;
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
    Gauge.builder("vms.push.sockets", sockets, Map::size).description("SockJS sockets open on this node").register(this.registry);
    Gauge.builder("vms.push.registrations", registrations, AtomicInteger::get).description("client address registrations on this node")
        .register(this.registry);
  }

  /** The SockJS router to mount with {@code router.route("/eventbus/*").subRouter(bridge.router())}. */
  public Router router() {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(PushAddresses.CLIENT_ADDRESS.pattern()))
        // the hook rewrites an accepted acknowledgement to the internal address; a frame naming it directly is refused
        // by the hook (not a client address), so this entry only lets the rewritten frame through
        .addInboundPermitted(new PermittedOptions().setAddress(PushAddresses.EVENT_ACK))
        .setMaxHandlersPerSocket(limits.maxHandlersPerSocket())
        .setMaxAddressLength(200)
        .setPingTimeout(limits.pingTimeoutMs())
        .setReplyTimeout(limits.replyTimeoutMs());
    SockJSHandlerOptions handlerOptions = new SockJSHandlerOptions().setRegisterWriteHandler(false).setInsertJSESSIONID(false)
        .setMaxBytesStreaming(128 * 1024);
    return SockJSHandler.create(vertx, handlerOptions).bridge(options, this::onEvent);
  }

  /** Address registrations currently held by sockets of this node (tests wait on it; also a gauge). */
  public int registrations() {
    return registrations.get();
  }

  /** Sockets of {@code tenantId} bound on this node. */
  public int sockets(String tenantId) {
    AtomicInteger n = perTenant.get(tenantId);
    return n == null ? 0 : n.get();
  }

  /** How often a frame or delivery was refused for {@code reason} on this node. */
  public double refused(String reason) {
    Counter c = refusedCounters.get(reason);
    return c == null ? 0 : c.count();
  }

  /** Every refusal reason seen on this node with its count (diagnostics, tests). */
  public Map<String, Double> refusals() {
    Map<String, Double> m = new java.util.TreeMap<>();
    refusedCounters.forEach((k, c) -> m.put(k, c.count()));
    return m;
  }

  // ------------------------------------------------------------------ bridge events

  private void onEvent(BridgeEvent be) {
    try {
      switch (be.type()) {
        case SOCKET_CREATED -> onCreated(be);
        case SOCKET_CLOSED -> onClosed(be);
        case REGISTER -> onRegister(be);
        case UNREGISTER -> onUnregister(be);
        case SEND -> onSend(be);
        case PUBLISH -> refuse(be, "publish", "browsers may not publish");
        case RECEIVE -> onReceive(be);
        default -> be.complete(true); // SOCKET_PING, SOCKET_IDLE (then closed by the bridge), SOCKET_ERROR, REGISTERED
      }
    } catch (RuntimeException e) {
      LOG.warn("push bridge: {} handling failed: {}", be.type(), e.toString());
      refuse(be, "error", e.toString());
    }
  }

  private void onCreated(BridgeEvent be) {
    SockJSSocket sock = be.socket();
    if (sockets.size() >= limits.maxSocketsPerNode()) {
      LOG.warn("push bridge: refused a socket from {}: {} sockets open (node limit)", sock.remoteAddress(), sockets.size());
      count("node_sockets");
      be.complete(false); // the bridge closes it
      return;
    }
    SocketState st = new SocketState();
    sockets.put(sock, st);
    sock.setWriteQueueMaxSize(limits.maxWriteQueueBytes());
    // a socket that never authenticates does not stay open
    st.timer = vertx.setTimer(limits.authTimeoutMs(), id -> {
      if (st.principal == null && sockets.containsKey(sock)) {
        count("auth_timeout");
        closeWithError(sock, "AUTH_TIMEOUT", "no valid access token within " + limits.authTimeoutMs() + " ms");
      }
    });
    be.complete(true);
  }

  private void onClosed(BridgeEvent be) {
    SocketState st = sockets.remove(be.socket());
    if (st != null) {
      if (st.timer >= 0) vertx.cancelTimer(st.timer);
      registrations.addAndGet(-st.addresses.size());
      st.addresses.clear();
      if (st.countedTenant != null) perTenant.get(st.countedTenant).decrementAndGet();
    }
    be.complete(true);
  }

  private void onUnregister(BridgeEvent be) {
    // always allowed: it only removes the socket's own registration (the bridge also sends it when a socket closes)
    SocketState st = sockets.get(be.socket());
    String address = be.getRawMessage() == null ? null : be.getRawMessage().getString("address");
    if (st != null && address != null && st.addresses.remove(address)) registrations.decrementAndGet();
    be.complete(true);
  }

  private void onRegister(BridgeEvent be) {
    JsonObject msg = be.getRawMessage();
    String address = msg.getString("address");
    if (!tooLarge(be, msg) && validClientAddress(be, address)) {
      if (address.endsWith(".events.ack")) {
        refuse(be, "inbound_only", address + " is for sending acknowledgements, not for listening");
        return;
      }
      authenticate(be, msg).onSuccess(p -> {
        if (p == null) return; // refused already
        String tenant = Addresses.tenantOfClientAddress(address);
        if (!p.mayAccessTenant(tenant)) {
          refuse(be, "tenant", p.username() + " of tenant " + p.tenantId() + " may not listen on tenant " + tenant);
          return;
        }
        Permission needed = readPermission(address);
        if (!needed.grantedTo(p.role())) {
          refuse(be, "role", "role " + p.role() + " lacks " + needed.id() + " for " + address);
          return;
        }
        SocketState st = sockets.get(be.socket());
        if (st != null && st.addresses.add(address)) registrations.incrementAndGet();
        be.complete(true);
      });
    }
  }

  /**
   * The permission a role needs to listen on a client address: progress of bulk imports and discovery scans is
   * for those who may change cameras; events, camera status and anything else for those who may read cameras
   * (there is no {@code event.read} permission yet; every role holds camera.read).
   */
  static Permission readPermission(String address) {
    if (address.endsWith(".cameras.import") || address.endsWith(".discovery")) return Permission.CAMERA_WRITE;
    return Permission.CAMERA_READ;
  }

  private void onSend(BridgeEvent be) {
    JsonObject msg = be.getRawMessage();
    String address = msg.getString("address");
    if (tooLarge(be, msg)) return;
    if (address == null || !PushAddresses.ACK_ADDRESS.matcher(address).matches()) {
      refuse(be, "send_address", "browsers may send only to client.tenant.<t>.events.ack, not " + address);
      return;
    }
    authenticate(be, msg).onSuccess(p -> {
      if (p == null) return;
      String tenant = Addresses.tenantOfClientAddress(address);
      if (!p.mayAccessTenant(tenant)) {
        refuse(be, "tenant", p.username() + " of tenant " + p.tenantId() + " may not act on tenant " + tenant);
        return;
      }
      if (!ACK_ROLES.contains(p.role())) {
        refuse(be, "role", "role " + p.role() + " may not act on events");
        return;
      }
      Object b = msg.getValue("body");
      JsonObject body = b instanceof JsonObject j ? j : null;
      String eventId = body == null ? null : body.getString("eventId");
      String action = body == null ? null : body.getString("action", "acknowledge");
      Object note = body == null ? null : body.getValue("note");
      String problem = body == null ? "body: must be a JSON object"
          : eventId == null || eventId.isBlank() || eventId.length() > 64 ? "eventId: required, at most 64 characters"
          : !ACK_ACTIONS.contains(action) ? "action: one of " + ACK_ACTIONS
          : note != null && !(note instanceof String s && s.length() <= 2000) ? "note: a string of at most 2000 characters" : null;
      if (problem != null) {
        String reply = msg.getString("replyAddress");
        if (reply != null) be.socket().write(Buffer.buffer(new JsonObject().put("type", "err").put("address", reply)
            .put("failureCode", 400).put("failureType", "RECIPIENT_FAILURE").put("message", problem).encode()));
        refuse(be, "invalid_ack", problem);
        return;
      }
      // the tenant is the address's (already checked against the token), the actor is the token's; the token itself
      // (bridge headers) never reaches the internal bus
      JsonObject forwarded = new JsonObject().put("tenantId", tenant).put("eventId", eventId).put("action", action)
          .put("note", note).put("actor", new JsonObject().put("userId", p.userId()).put("username", p.username()).put("role", p.role().name()))
          .put("via", "sockjs").put("at", Instant.now().toString());
      msg.put("address", PushAddresses.EVENT_ACK).put("body", forwarded).remove("headers");
      be.complete(true);
    });
  }

  private void onReceive(BridgeEvent be) {
    SockJSSocket sock = be.socket();
    SocketState st = sockets.get(sock);
    JsonObject envelope = be.getRawMessage();
    String address = envelope == null ? null : envelope.getString("address");
    String tenant = Addresses.tenantOfClientAddress(address);
    Principal p = st == null ? null : st.principal;
    if (p == null) {
      refuse(be, "unauthenticated", "delivery to a socket without a principal");
      return;
    }
    if (System.currentTimeMillis() >= st.expiresAtMs) {
      refuse(be, "token_expired", "token of " + p.username() + " expired");
      closeWithError(sock, "TOKEN_EXPIRED", "the access token expired: reconnect with a fresh one");
      return;
    }
    if (tenant != null && !p.mayAccessTenant(tenant)) { // replies (reply addresses) carry no tenant
      refuse(be, "tenant", "delivery of " + address + " to " + p.username());
      return;
    }
    if (sock.writeQueueFull()) {
      LOG.warn("push bridge: dropped a message for {} on {}: socket write queue full (slow consumer)", p.username(), address);
      refuse(be, "slow_consumer", "write queue full");
      return;
    }
    String t = tenant != null ? tenant : p.tenantId();
    deliveredCounters.computeIfAbsent(t, k -> Counter.builder("vms.push.delivered").tag("tenant", k)
        .description("messages written to browser sockets").register(registry)).increment();
    be.complete(true);
  }

  // ------------------------------------------------------------------ authentication

  /**
   * Verifies the frame's token and binds the socket; completes with the principal, or with null once the frame has
   * been refused.
   */
  private Future<Principal> authenticate(BridgeEvent be, JsonObject msg) {
    JsonObject headers = msg.getJsonObject("headers");
    String h = headers == null ? null : headers.getString("Authorization", headers.getString("authorization"));
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      refuse(be, "no_token", "frame without Authorization: Bearer <access token> header");
      return Future.succeededFuture();
    }
    return auth.authenticate(h.substring(7).trim()).map(claims -> {
      SockJSSocket sock = be.socket();
      SocketState st = sockets.get(sock);
      if (st == null) {
        refuse(be, "closed", "socket closed");
        return (Principal) null;
      }
      Principal p = AuthService.principalOf(claims);
      if (st.principal != null && !st.principal.userId().equals(p.userId())) {
        refuse(be, "token_mismatch", "socket of " + st.principal.username() + " got a token of " + p.username());
        return null;
      }
      String ip = sock.remoteAddress() == null ? null : sock.remoteAddress().hostAddress();
      if (!p.role().platform() && !tenants.allows(p.tenantId(), ip)) {
        refuse(be, "ip_not_allowed", p.username() + " from " + ip);
        return null;
      }
      if (st.countedTenant == null) {
        AtomicInteger n = perTenant.computeIfAbsent(p.tenantId(), k -> new AtomicInteger());
        if (n.incrementAndGet() > limits.maxSocketsPerTenant()) {
          n.decrementAndGet();
          LOG.warn("push bridge: refused a socket of {}: tenant {} has {} sockets on this node", p.username(), p.tenantId(),
              limits.maxSocketsPerTenant());
          refuse(be, "tenant_sockets", "tenant " + p.tenantId() + " has " + limits.maxSocketsPerTenant() + " sockets");
          closeWithError(sock, "TENANT_SOCKET_LIMIT", "too many sockets for this tenant");
          return null;
        }
        st.countedTenant = p.tenantId();
      }
      st.principal = p;
      long exp = claims.getLong("exp", 0L) * 1000;
      if (exp > st.expiresAtMs) {
        st.expiresAtMs = exp;
        if (st.timer >= 0) vertx.cancelTimer(st.timer);
        st.timer = vertx.setTimer(Math.max(1, exp - System.currentTimeMillis()), id -> {
          if (sockets.get(sock) == st && System.currentTimeMillis() >= st.expiresAtMs) {
            count("token_expired");
            closeWithError(sock, "TOKEN_EXPIRED", "the access token expired: reconnect with a fresh one");
          }
        });
      }
      return p;
    }).recover(e -> {
      refuse(be, "bad_token", e.getMessage());
      return Future.succeededFuture();
    });
  }

  // ------------------------------------------------------------------ helpers

  private boolean tooLarge(BridgeEvent be, JsonObject msg) {
    int size = msg.encode().length();
    if (size > limits.maxInboundBytes()) {
      refuse(be, "too_large", "frame of " + size + " characters (limit " + limits.maxInboundBytes() + ")");
      return true;
    }
    return false;
  }

  private boolean validClientAddress(BridgeEvent be, String address) {
    if (address == null || !PushAddresses.CLIENT_ADDRESS.matcher(address).matches()) {
      refuse(be, "address", "not a client.tenant.<t>.* address: " + address);
      return false;
    }
    return true;
  }

  private void refuse(BridgeEvent be, String reason, String detail) {
    count(reason);
    LOG.debug("push bridge: refused {} ({}): {}", be.type(), reason, detail);
    be.tryComplete(false);
  }

  private void count(String reason) {
    refusedCounters.computeIfAbsent(reason, r -> Counter.builder("vms.push.refused").tag("reason", r)
        .description("SockJS frames and deliveries refused by the push bridge").register(registry)).increment();
  }

  private static void closeWithError(SockJSSocket sock, String type, String message) {
    sock.write(Buffer.buffer(new JsonObject().put("type", "err").put("failureCode", -1).put("failureType", type)
        .put("message", message).encode()));
    sock.close();
  }
}
