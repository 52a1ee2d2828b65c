package com.softdew.vms.codec;

import com.softdew.vms.model.Event;
import com.softdew.vms.model.Incident;
import com.softdew.vms.model.VideoJob;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/** Registers every contract codec on a Vert.x instance, once, at boot. */
public final class Codecs {
  private Codecs() {}

  private static final Map<EventBus, Boolean> REGISTERED = new WeakHashMap<>();

  /** The codecs of all contract records; new records are added here and nowhere else. */
  public static List<JsonRecordCodec<?>> all() {
    return List.of(
        new JsonRecordCodec<>(VideoJob.class, VideoJob::fromJson),
        new JsonRecordCodec<>(Event.class, Event::fromJson),
        new JsonRecordCodec<>(Incident.class, Incident::fromJson));
  }

  /** Registers all codecs as default codecs of their record type; idempotent per Vert.x instance. */
  public static void registerAll(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    synchronized (REGISTERED) {
      if (REGISTERED.containsKey(bus)) return;
      for (JsonRecordCodec<?> codec : all()) register(bus, codec);
      REGISTERED.put(bus, Boolean.TRUE);
    }
  }

  private static <T extends com.softdew.vms.model.JsonRecord> void register(EventBus bus, JsonRecordCodec<T> codec) {
    bus.registerDefaultCodec(codec.type(), codec);
  }
}
