package com.softdew.vms.control.event;

import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.TenantMongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Operator actions on events, shared by the REST API and the bus ({@link #ADDRESS}). Status machine:
 * NEW → ACKNOWLEDGED | RESOLVED | FALSE_POSITIVE, ACKNOWLEDGED → RESOLVED | FALSE_POSITIVE; RESOLVED and
 * FALSE_POSITIVE are final. Anything else (including the same state again) is a 409. Escalation is a flag plus a
 * built-in ticket. Every action is audited and published (action "status" for transitions, "updated" otherwise).
 * Writes are optimistic: each document carries a version, a concurrent change makes the write retry on the new state.
 */
public final class EventActions {
  /** Bus address of the actions (request/reply); to be moved to Addresses (not editable by this change). */
  public static final String ADDRESS = com.softdew.vms.codec.Addresses.EVENT_ACTIONS;
  public static final int MAX_NOTES = 500;
  public static final int MAX_TAGS = 50;
  public static final int MAX_NOTE_LENGTH = 4000;
  public static final int MAX_LIMIT = 500;

  /** Allowed transitions. */
  public static final Map<String, Set<String>> TRANSITIONS = Map.of(
      "NEW", Set.of("ACKNOWLEDGED", "RESOLVED", "FALSE_POSITIVE"),
      "ACKNOWLEDGED", Set.of("RESOLVED", "FALSE_POSITIVE"),
      "RESOLVED", Set.of(),
      "FALSE_POSITIVE", Set.of());

  private final EventStore store;
  private final AuditLog audit;

  public EventActions(EventStore store, AuditLog audit) {
    this.store = store;
    this.audit = audit;
  }

  /** A page of a tenant's events, newest first. Filters may be null. */
  public Future<JsonObject> list(String tenantId, String cameraKey, String type, String status, Instant from, Instant to, int limit, int offset) {
    JsonObject q = new JsonObject();
    if (cameraKey != null) q.put("cameraKey", cameraKey);
    if (type != null) q.put("eventType", type);
    if (status != null) {
      if (!TRANSITIONS.containsKey(status)) throw ApiException.invalid("status", "must be one of " + TRANSITIONS.keySet());
      q.put("status", status);
    }
    JsonObject t = new JsonObject();
    if (from != null) t.put("$gte", from.toEpochMilli());
    if (to != null) t.put("$lt", to.toEpochMilli());
    if (!t.isEmpty()) q.put("startedAtMs", t);
    TenantMongo.Scoped db = store.of(tenantId);
    return db.count(EventStore.EVENTS, q).compose(total -> db.find(EventStore.EVENTS, q,
        new FindOptions().setSort(new JsonObject().put("startedAtMs", -1)).setLimit(limit).setSkip(offset)).map(list -> {
          JsonArray items = new JsonArray();
          for (JsonObject d : list) items.add(EventStore.apiJson(tenantId, d));
          return new JsonObject().put("items", items).put("total", total).put("limit", limit).put("offset", offset);
        }));
  }

  public Future<JsonObject> get(String tenantId, String eventId) {
    return load(tenantId, eventId).map(d -> EventStore.apiJson(tenantId, d));
  }

  private Future<JsonObject> load(String tenantId, String eventId) {
    try {
      UUID.fromString(eventId);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(ApiException.notFound("no event " + eventId));
    }
    return store.get(tenantId, eventId).compose(d -> d == null ? Future.failedFuture(ApiException.notFound("no event " + eventId)) : Future.succeededFuture(d));
  }

  /** acknowledge | resolve | false-positive: the new status. */
  public static String targetOf(String action) {
    return switch (action) {
      case "acknowledge" -> "ACKNOWLEDGED";
      case "resolve" -> "RESOLVED";
      case "false-positive" -> "FALSE_POSITIVE";
      default -> throw ApiException.invalid("action", "must be acknowledge, resolve or false-positive");
    };
  }

  public Future<JsonObject> transition(String tenantId, String eventId, String action, String actor, String ip) {
    String target = targetOf(action);
    String[] old = new String[1];
    return mutate(tenantId, eventId, d -> {
      String from = d.getString("status");
      if (!TRANSITIONS.getOrDefault(from, Set.of()).contains(target)) {
        throw ApiException.conflict("event " + eventId + " is " + from + ": " + action + " (→ " + target + ") is not allowed; allowed from "
            + from + ": " + TRANSITIONS.getOrDefault(from, Set.of()));
      }
      old[0] = from;
      JsonObject set = new JsonObject().put("status", target).put("statusBy", actor).put("statusAt", Instant.now().toString());
      if (target.equals("ACKNOWLEDGED")) set.put("acknowledgedBy", actor).put("acknowledgedAt", Instant.now().toString());
      return set;
    }).compose(d -> done(tenantId, d, "status", actor, "event." + action, old[0], target, ip));
  }

  public Future<JsonObject> escalate(String tenantId, String eventId, String reason, String actor, String ip) {
    String ticketId = UUID.randomUUID().toString();
    return mutate(tenantId, eventId, d -> {
      if (d.getBoolean("escalated", false)) throw ApiException.conflict("event " + eventId + " is already escalated (ticket " + d.getString("ticketId") + ")");
      if ("FALSE_POSITIVE".equals(d.getString("status"))) throw ApiException.conflict("event " + eventId + " is a false positive: it cannot be escalated");
      return new JsonObject().put("escalated", true).put("ticketId", ticketId);
    }).compose(d -> store.of(tenantId).insert(EventStore.TICKETS, new JsonObject().put("ticketId", ticketId).put("eventId", eventId)
        .put("state", "OPEN").put("reason", reason).put("createdBy", actor).put("createdAt", Instant.now().toString())
        .put("eventType", d.getString("eventType")).put("cameraKey", d.getString("cameraKey"))).map(x -> d))
        .compose(d -> done(tenantId, d, "updated", actor, "event.escalate", null, new JsonObject().put("ticketId", ticketId).put("reason", reason), ip));
  }

  public Future<JsonObject> tags(String tenantId, String eventId, List<String> add, List<String> remove, String actor, String ip) {
    for (String t : add) checkTag("add", t);
    for (String t : remove) checkTag("remove", t);
    JsonArray[] before = new JsonArray[1];
    return mutate(tenantId, eventId, d -> {
      before[0] = d.getJsonArray("tags", new JsonArray());
      Set<String> s = new LinkedHashSet<>();
      for (Object o : before[0]) s.add(String.valueOf(o));
      s.addAll(add);
      remove.forEach(s::remove);
      if (s.size() > MAX_TAGS) throw ApiException.invalid("add", "an event has at most " + MAX_TAGS + " tags");
      return new JsonObject().put("tags", new JsonArray(List.copyOf(s)));
    }).compose(d -> done(tenantId, d, "updated", actor, "event.tags", before[0], d.getJsonArray("tags"), ip));
  }

  private static void checkTag(String field, String t) {
    if (t == null || t.isBlank() || t.length() > 64) throw ApiException.invalid(field, "tags must be 1-64 characters");
  }

  /** Adds a note; replyTo (optional) must name a note of the same event: the thread. */
  public Future<JsonObject> note(String tenantId, String eventId, String text, String replyTo, String actor, String ip) {
    if (text == null || text.isBlank()) return Future.failedFuture(ApiException.invalid("text", "is required"));
    if (text.length() > MAX_NOTE_LENGTH) return Future.failedFuture(ApiException.invalid("text", "must be at most " + MAX_NOTE_LENGTH + " characters"));
    JsonObject note = new JsonObject().put("noteId", UUID.randomUUID().toString()).put("text", text).put("replyTo", replyTo)
        .put("author", actor).put("at", Instant.now().toString());
    return mutate(tenantId, eventId, d -> {
      JsonArray notes = d.getJsonArray("notes", new JsonArray());
      if (notes.size() >= MAX_NOTES) throw ApiException.conflict("event " + eventId + " has " + MAX_NOTES + " notes, the most it may have");
      if (replyTo != null && notes.stream().noneMatch(n -> replyTo.equals(((JsonObject) n).getString("noteId")))) {
        throw ApiException.invalid("replyTo", "names no note of event " + eventId);
      }
      return new JsonObject().put("notes", notes.copy().add(note));
    }).compose(d -> done(tenantId, d, "updated", actor, "event.note", null, note, ip));
  }

  /** Read, change, write conditioned on the version; a concurrent writer makes it retry (at most 5 times). */
  private Future<JsonObject> mutate(String tenantId, String eventId, Function<JsonObject, JsonObject> change) {
    return mutate(tenantId, eventId, change, 0);
  }

  private Future<JsonObject> mutate(String tenantId, String eventId, Function<JsonObject, JsonObject> change, int attempt) {
    TenantMongo.Scoped db = store.of(tenantId);
    return load(tenantId, eventId).compose(d -> {
      JsonObject set;
      try {
        set = change.apply(d);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      long v = EventStore.num(d, "version");
      set.put("version", v + 1);
      return db.update(EventStore.EVENTS, new JsonObject().put("eventId", eventId).put("version", v), new JsonObject().put("$set", set))
          .compose(u -> {
            if (u.getDocMatched() == 0) {
              if (attempt >= 4) return Future.failedFuture(ApiException.conflict("event " + eventId + " keeps changing; try again"));
              return mutate(tenantId, eventId, change, attempt + 1);
            }
            return Future.succeededFuture(d.copy().mergeIn(set));
          });
    });
  }

  private Future<JsonObject> done(String tenantId, JsonObject doc, String publishAction, String actor, String auditAction, Object oldV, Object newV,
      String ip) {
    return audit.append(new AuditLog.AuditEntry(tenantId, actor, auditAction, "event:" + doc.getString("eventId"), oldV, newV, ip))
        .compose(x -> store.publish(publishAction, tenantId, doc)).map(x -> EventStore.apiJson(tenantId, doc));
  }

  /** Handles a bus request {tenantId, eventId, action, actor, text?, replyTo?, add?, remove?, reason?}; replies the event. */
  public Future<JsonObject> onBus(JsonObject m) {
    try {
      String t = m.getString("tenantId");
      if (t == null || !TenantMongo.TENANT_ID.matcher(t).matches()) throw ApiException.invalid("tenantId", "must match [A-Za-z0-9_-]{1,64}");
      String id = m.getString("eventId");
      String actor = m.getString("actor");
      if (id == null) throw ApiException.invalid("eventId", "is required");
      if (actor == null || actor.isBlank()) throw ApiException.invalid("actor", "is required");
      String action = m.getString("action", "");
      return switch (action) {
        case "acknowledge", "resolve", "false-positive" -> transition(t, id, action, actor, null);
        case "escalate" -> escalate(t, id, m.getString("reason"), actor, null);
        case "note" -> note(t, id, m.getString("text"), m.getString("replyTo"), actor, null);
        case "tags" -> tags(t, id, strings(m.getJsonArray("add")), strings(m.getJsonArray("remove")), actor, null);
        case "get" -> get(t, id);
        default -> throw ApiException.invalid("action", "must be acknowledge, resolve, false-positive, escalate, note, tags or get");
      };
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  static List<String> strings(JsonArray a) {
    return a == null ? List.of() : a.stream().map(String::valueOf).toList();
  }
}
