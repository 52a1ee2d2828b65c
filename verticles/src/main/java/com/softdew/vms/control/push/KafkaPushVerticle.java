package com.softdew.vms.control.push;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka → bus half of the push: reads every event change on {@link Addresses#TOPIC_EVENTS} and publishes its
 * value on {@link Addresses#clientEvents} of the record's tenant, to the sockets of <em>this</em> node only
 * ({@code localOnly}).
 *
 * <p>Every control node runs one, reading all partitions itself (assigned, no group rebalancing, no committed
 * offsets, starting at the end): a node's browsers get every event from that node's own reader. One shared reader
 * publishing on the clustered bus would also work, but it makes push depend on the cluster being whole (a
 * partitioned or non-clustered node would miss events) and costs a bus hop per socket's node; the price here is
 * that each node reads the topic once (event changes are small and few compared with detections).
 *
 * <p>The other direction (acknowledgements) needs no Kafka: the SockJS bridge forwards them, tenant forced, to
 * {@link PushAddresses#EVENT_ACK} on the bus, where the event engine answers; the resulting status change comes back
 * through the topic like any other change.
 */
public class KafkaPushVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPushVerticle.class);
  /** Largest event change pushed to browsers; larger records are dropped and counted. */
  public static final int MAX_RECORD_BYTES = 64 * 1024;
  /** Partitions of the events topic when this verticle is the first to need it. */
  public static final int TOPIC_PARTITIONS = 3;

  private final Stores stores;
  private final String nodeId;
  private final MeterRegistry registry;
  private final Promise<Void> ready = Promise.promise();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private Counter forwarded;
  private Timer lag;
  private KafkaConsumer<String, Buffer> consumer;

  public KafkaPushVerticle(Stores stores, String nodeId, MeterRegistry registry) {
    this.stores = stores;
    this.nodeId = nodeId;
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
  }

  /** Completes once the reader holds every partition at its end position: records produced after it are pushed. */
  public Future<Void> ready() {
    return ready.future();
  }

  /** Records dropped for {@code reason} (invalid_json, no_tenant, tenant_mismatch, too_large). */
  public double dropped(String reason) {
    Counter c = dropped.get(reason);
    return c == null ? 0 : c.count();
  }

  @Override
  public Future<?> start() {
    forwarded = Counter.builder("vms.push.kafka.forwarded").description("event changes published to client addresses").register(registry);
    lag = Timer.builder("vms.push.kafka.lag").description("Kafka record timestamp → published on the bus")
        .publishPercentiles(0.5, 0.99).register(registry);
    Map<String, String> overrides = new HashMap<>();
    overrides.put("auto.offset.reset", "latest");
    overrides.put("max.poll.records", "200");
    overrides.put("fetch.max.wait.ms", "100");
    return vertx.executeBlocking(() -> {
      ensureTopic(stores.kafkaConfig());
      consumer = KafkaClients.consumer(vertx, stores, "vms-push-" + nodeId, overrides, registry);
      return null;
    }, false).compose(v -> {
      consumer.exceptionHandler(e -> LOG.warn("push reader: {}", e.toString()));
      return partitions(50);
    }).compose(infos -> {
      Set<TopicPartition> tps = infos.stream().map(i -> new TopicPartition(Addresses.TOPIC_EVENTS, i.getPartition())).collect(Collectors.toSet());
      // the handler only once assigned: a handler on an unassigned consumer polls and fails
      return consumer.assign(tps).compose(v -> consumer.seekToEnd(tps)).onSuccess(v -> consumer.handler(this::onRecord))
          // resolve the end positions now, so that "ready" means: nothing produced from here on is skipped
          .compose(v -> Future.all(tps.stream().map(consumer::position).toList()))
          .onSuccess(v -> LOG.info("push reader on node {}: {} partitions of {} from their end", nodeId, tps.size(), Addresses.TOPIC_EVENTS));
    }).onComplete(ar -> {
      if (ar.succeeded()) ready.tryComplete();
      else ready.tryFail(ar.cause());
    });
  }

  /** The topic's partitions; a topic just created may show none for a moment (metadata propagation): retried. */
  private Future<List<io.vertx.kafka.client.common.PartitionInfo>> partitions(int attemptsLeft) {
    return consumer.partitionsFor(Addresses.TOPIC_EVENTS).compose(infos -> {
      if (!infos.isEmpty()) return Future.succeededFuture(infos);
      if (attemptsLeft <= 0) return Future.failedFuture(new IllegalStateException("topic " + Addresses.TOPIC_EVENTS + " has no partitions"));
      Promise<List<io.vertx.kafka.client.common.PartitionInfo>> p = Promise.promise();
      vertx.setTimer(100, id -> partitions(attemptsLeft - 1).onComplete(p));
      return p.future();
    });
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }

  private void onRecord(KafkaConsumerRecord<String, Buffer> rec) {
    Buffer value = rec.value();
    if (value == null || value.length() > MAX_RECORD_BYTES) {
      drop(value == null ? "invalid_json" : "too_large", rec);
      return;
    }
    JsonObject change;
    try {
      change = new JsonObject(value);
    } catch (RuntimeException e) {
      drop("invalid_json", rec);
      return;
    }
    String tenant = change.getValue("tenantId") instanceof String s ? s : null;
    if (tenant == null || !PushAddresses.TENANT_ID.matcher(tenant).matches()) {
      drop("no_tenant", rec);
      return;
    }
    JsonObject event = change.getValue("event") instanceof JsonObject e ? e : null;
    Object inner = event == null ? null : event.getValue("tenantId");
    if (inner != null && !tenant.equals(inner)) {
      drop("tenant_mismatch", rec);
      return;
    }
    vertx.eventBus().publish(Addresses.clientEvents(tenant), change, new DeliveryOptions().setLocalOnly(true));
    forwarded.increment();
    if (rec.timestamp() > 0) lag.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - rec.timestamp())));
  }

  private void drop(String reason, KafkaConsumerRecord<String, Buffer> rec) {
    dropped.computeIfAbsent(reason, r -> Counter.builder("vms.push.kafka.dropped").tag("reason", r)
        .description("records of the events topic not pushed").register(registry)).increment();
    LOG.warn("push reader: dropped record {}-{}@{} ({})", rec.topic(), rec.partition(), rec.offset(), reason);
  }

  /** Creates the events topic when missing (the engine may create it first; either way it exists). Blocking. */
  static void ensureTopic(Map<String, String> kafkaConfig) throws Exception {
    try (Admin admin = Admin.create(new HashMap<>(kafkaConfig))) {
      try {
        admin.createTopics(List.of(new NewTopic(Addresses.TOPIC_EVENTS, Optional.of(TOPIC_PARTITIONS), Optional.empty())))
            .all().get(30, TimeUnit.SECONDS);
        LOG.info("kafka: created topic {} ({} partitions)", Addresses.TOPIC_EVENTS, TOPIC_PARTITIONS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
    }
  }
}
