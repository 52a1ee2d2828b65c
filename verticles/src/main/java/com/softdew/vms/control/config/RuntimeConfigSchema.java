package com.softdew.vms.control.config;

import static com.softdew.vms.platform.config.ConfigKey.bool;
import static com.softdew.vms.platform.config.ConfigKey.choice;
import static com.softdew.vms.platform.config.ConfigKey.decimal;
import static com.softdew.vms.platform.config.ConfigKey.integer;
import static com.softdew.vms.platform.config.ConfigKey.list;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.platform.config.ConfigKey;
import com.softdew.vms.platform.config.ConfigSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The runtime settings that can be overridden per customer, site and camera (seed §8 "Configurable
 * Parameters"), with defaults and bounds. These defaults are the bottom layer of every effective view;
 * the system scope overrides them for the whole installation.
 */
public final class RuntimeConfigSchema {
  private RuntimeConfigSchema() {}

  /** The 10 models of seed §7 with their default priority. */
  public static final List<String[]> MODELS = List.of(
      new String[] {"intrusion", "MEDIUM"}, new String[] {"motion", "STANDARD"}, new String[] {"tampering", "HIGH"},
      new String[] {"fire", "CRITICAL"}, new String[] {"crowd", "MEDIUM"}, new String[] {"missingObject", "STANDARD"},
      new String[] {"abnormalBehavior", "HIGH"}, new String[] {"fallen", "HIGH"}, new String[] {"tailgating", "MEDIUM"},
      new String[] {"anpr", "MEDIUM"});

  public static ConfigSchema create() {
    List<ConfigKey> keys = new ArrayList<>(List.of(
        integer("video.segment.lengthSeconds", 5, 1, 10, "segment length, seconds (seed: 1-10, default 5)"),
        decimal("video.segment.overlapSeconds", 1.0, 0, 5, "overlap between consecutive segments, seconds (seed: 0-5)"),
        integer("video.normalize.width", 640, 160, 3840, "analytics frame width"),
        integer("video.normalize.height", 480, 120, 2160, "analytics frame height"),
        integer("video.normalize.fps", 15, 1, 60, "analytics frame rate"),
        choice("video.normalize.fit", "letterbox", List.of("letterbox", "crop"), "how the aspect ratio is kept"),
        integer("video.buffer.frames", 30, 4, 600, "frames kept per camera in the in-process ring (a 640x480 RGB frame is 900 KiB)"),
        bool("recording.mainStream", false, "record the camera's main stream by remux (fragmented MP4, no re-encode) while its pipeline runs"),
        integer("recording.segmentSeconds", 10, 2, 60, "length of a recorded main-stream segment, seconds (cut at the next key frame)"),
        list("recording.main.modes", List.of("continuous"),
            "when the main stream is recorded: any of continuous, motion, event, schedule (union; empty = never)"),
        bool("recording.sub.enabled", false, "also record the sub stream (e.g. continuous low-res next to event high-res main)"),
        list("recording.sub.modes", List.of("continuous"), "when the sub stream is recorded (same values as recording.main.modes)"),
        integer("recording.preRollSeconds", 10, 0, 60, "motion/event recording: seconds kept before the trigger (rolling in-memory buffer)"),
        integer("recording.postRollSeconds", 10, 0, 600, "motion/event recording: seconds kept after the trigger ends"),
        list("recording.eventTypes", List.of(), "event types that trigger event recording (empty = every type)"),
        list("recording.schedule", List.of(),
            "weekly calendar of schedule recording, entries 'MON-FRI 08:00-18:00' or 'SAT 00:00-24:00', in the tenant time zone"),
        integer("retention.continuousDays", 30, 1, 3650, "days continuous, motion and schedule footage is kept"),
        integer("retention.eventDays", 90, 1, 3650, "days event-triggered footage is kept"),
        list("retention.eventTypeDays", List.of(), "per event type overrides of retention.eventDays, entries 'fire=365'"),
        decimal("retention.maxGbPerCamera", 0, 0, 1_000_000, "size cap of one camera's footage in GB, oldest first (0 = no cap)"),
        list("notify.channels", List.of("console"), "channels for events: console, email, sms, push, webhook"),
        bool("notify.quietHours.enabled", false, "suppress non-critical notifications during quiet hours")));
    for (String[] m : MODELS) {
      String p = "models." + m[0] + ".";
      keys.add(bool(p + "enabled", false, m[0] + ": analysis on (also needs a licence)"));
      keys.add(choice(p + "priority", m[1], List.of("CRITICAL", "HIGH", "MEDIUM", "STANDARD"), m[0] + ": priority"));
      keys.add(decimal(p + "confidenceThreshold", 0.5, 0, 1, m[0] + ": minimum confidence of a detection"));
      keys.add(decimal(p + "overlapSeconds", -1, -1, 5, m[0] + ": segment overlap for this model (-1 = video.segment.overlapSeconds)"));
      keys.add(choice(p + "onDegraded", "keep", List.of("keep", "pause"),
          m[0] + ": when the measured stream quality falls below the model's needs, keep running it (warning only) or pause it until it recovers"));
    }
    keys.addAll(modelKeys(ModelCatalog.load().values()));
    return new ConfigSchema(keys);
  }

  /**
   * Per model on the class path (and per seed model): {@code models.<id>.zones} (zones in source pixels,
   * each "NAME=x1,y1;x2,y2;...", read by the AI workers) and one key per model parameter,
   * {@code models.<id>.params.<name>}, with the parameter's type, default and bounds.
   */
  static List<ConfigKey> modelKeys(Collection<AnalyticsModel> models) {
    List<ConfigKey> keys = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    for (String[] m : MODELS) ids.add(m[0]);
    Map<String, AnalyticsModel> byId = new LinkedHashMap<>();
    for (AnalyticsModel m : models) {
      ids.add(m.id());
      byId.put(m.id(), m);
    }
    for (String id : ids) {
      keys.add(list("models." + id + ".zones", List.of(), id + ": zones in source pixels, each NAME=x1,y1;x2,y2;x3,y3..."));
      AnalyticsModel m = byId.get(id);
      if (m == null) continue;
      for (ConfigKey k : m.params().keys()) {
        keys.add(new ConfigKey("models." + id + ".params." + k.name(), k.type(), k.defaultValue(), k.min(), k.max(), k.allowed(),
            id + ": " + k.doc()));
      }
    }
    return keys;
  }

  /** The schema as JSON for clients (GET /api/v1/config/schema). */
  public static JsonArray describe(ConfigSchema schema) {
    JsonArray out = new JsonArray();
    for (ConfigKey k : schema.keys()) {
      JsonObject o = new JsonObject().put("key", k.name()).put("type", k.type().name().toLowerCase())
          .put("allowed", k.allowedDescription()).put("doc", k.doc());
      Object d = k.defaultValue();
      o.put("default", d instanceof List<?> l ? new JsonArray(l) : d);
      out.add(o);
    }
    return out;
  }
}
