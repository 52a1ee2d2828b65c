package com.softdew.vms.edge.record;

import com.softdew.vms.codec.Addresses;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills every gap the node's recorders report: a node-local consumer of {@link Addresses#RECORDING_GAP} hands each
 * {@link RecordingGap} to a {@link GapFiller}, which finds the camera with the caller's {@link GapFiller.CameraLookup}
 * (on a filler thread) and fills from its SD card. Deploy one per node; the handler only enqueues (never blocks).
 */
public final class GapFillerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(GapFillerVerticle.class);

  private final MeterRegistry registry;
  private final GapFiller.Options options;
  private final GapFiller.CameraLookup lookup;
  private final GapFillerListener listener;
  private GapFiller filler;
  private MessageConsumer<JsonObject> consumer;

  public GapFillerVerticle(MeterRegistry registry, GapFiller.Options options, GapFiller.CameraLookup lookup, GapFillerListener listener) {
    this.registry = registry;
    this.options = options;
    this.lookup = lookup;
    this.listener = listener;
  }

  /** The filler, once started. */
  public GapFiller filler() {
    return filler;
  }

  @Override
  public Future<?> start() {
    filler = new GapFiller(vertx, registry, options, lookup, listener).start();
    consumer = vertx.eventBus().localConsumer(Addresses.RECORDING_GAP, m -> {
      RecordingGap gap;
      try {
        gap = RecordingGap.fromJson(m.body());
      } catch (RuntimeException e) {
        log.warn("ignoring a malformed recording gap {}: {}", m.body(), e.toString());
        return;
      }
      filler.submit(gap).whenComplete((r, e) -> {
        if (e != null) log.warn("gap {} not queued: {}", m.body(), e.getMessage());
      });
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    Future<Void> unreg = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unreg.eventually(() -> vertx.executeBlocking(() -> {
      filler.close(); // joins the worker threads: not on the event loop
      return null;
    }));
  }
}
