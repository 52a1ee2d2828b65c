package com.softdew.vms.platform.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka producers and consumers of a node, created from the node's bootstrap address, with the
 * Kafka client's own metrics (consumer lag, fetch rate, request latency, ...) bound to the node's
 * Micrometer registry so they appear on /metrics (e.g. {@code kafka_consumer_fetch_manager_records_lag_max}).
 *
 * <p>kafka-clients is 4.x here (pulled by the embedded broker) under vertx-kafka-client 5.0.7, which
 * was built on 3.x: {@code committed(TopicPartition)} never completes. Use only calls a test covers.
 */
public final class KafkaClients {
  private KafkaClients() {}

  /** A consumer in a group, manual commits, String keys (cameraId) and binary values; bounded fetches. */
  public static KafkaConsumer<String, Buffer> consumer(Vertx vertx, Stores stores, String groupId, Map<String, String> overrides,
      MeterRegistry registry) {
    Map<String, String> c = new HashMap<>(stores.kafkaConfig());
    c.put("group.id", groupId);
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    c.put("max.poll.records", "100");
    c.put("fetch.max.bytes", Integer.toString(16 * 1024 * 1024));
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", "io.vertx.kafka.client.serialization.BufferDeserializer");
    c.putAll(overrides);
    KafkaConsumer<String, Buffer> consumer = KafkaConsumer.create(vertx, c);
    if (registry != null) new KafkaClientMetrics(consumer.unwrap(), List.of(Tag.of("group", groupId))).bindTo(registry);
    return consumer;
  }

  /** An idempotent producer (acks=all), bounded buffer; records keyed by cameraId keep per-camera order. */
  public static KafkaProducer<String, Buffer> producer(Vertx vertx, Stores stores, String name, MeterRegistry registry) {
    return producer(vertx, stores, name, Map.of(), registry);
  }

  /**
   * As {@link #producer(Vertx, Stores, String, MeterRegistry)}, with client settings that override the
   * defaults (e.g. {@code max.request.size} for large records); acks and idempotence cannot be weakened.
   */
  public static KafkaProducer<String, Buffer> producer(Vertx vertx, Stores stores, String name, Map<String, String> overrides,
      MeterRegistry registry) {
    Map<String, String> c = new HashMap<>(stores.kafkaConfig());
    c.put("client.id", name);
    c.put("acks", "all");
    c.put("enable.idempotence", "true");
    c.put("buffer.memory", Long.toString(64L * 1024 * 1024));
    c.put("max.block.ms", "5000");
    c.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("value.serializer", "io.vertx.kafka.client.serialization.BufferSerializer");
    c.putAll(overrides);
    c.put("acks", "all");
    c.put("enable.idempotence", "true");
    KafkaProducer<String, Buffer> producer = KafkaProducer.createShared(vertx, name, c);
    if (registry != null) new KafkaClientMetrics(producer.unwrap()).bindTo(registry);
    return producer;
  }
}
