package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.testing.TestConfigs;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka calls the platform uses, against the embedded 4.x broker through vertx-kafka-client:
 * produce keyed records, consume in a group, commit, and see consumer lag in the Prometheus output.
 */
class KafkaClientsTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void produceConsumeCommitAndLagMetric(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      Stores stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of()), EnumSet.of(StoreKind.KAFKA), registry));
      KafkaProducer<String, Buffer> producer = KafkaClients.producer(vertx, stores, "test-producer", registry);
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        sent.add(producer.send(KafkaProducerRecord.create(Addresses.TOPIC_VIDEO_JOBS_STANDARD, "cam-" + (i % 4), Buffer.buffer("job-" + i))));
      }
      await(Future.all(sent));

      KafkaConsumer<String, Buffer> consumer = KafkaClients.consumer(vertx, stores, "model-motion", Map.of("max.poll.records", "10"), registry);
      List<String> got = new CopyOnWriteArrayList<>();
      consumer.handler(r -> {
        got.add(r.value().toString());
        if (got.size() == 20) consumer.pause(); // leave a backlog: lag must show
      });
      await(consumer.subscribe(Addresses.TOPIC_VIDEO_JOBS_STANDARD));
      long deadline = System.currentTimeMillis() + 30_000;
      String scrape = "";
      double lag = 0;
      while (System.currentTimeMillis() < deadline) {
        scrape = registry.scrape();
        lag = registry.find("kafka.consumer.fetch.manager.records.lag.max").gauges().stream()
            .mapToDouble(g -> g.value()).filter(v -> !Double.isNaN(v)).max().orElse(0);
        if (got.size() >= 20 && lag > 0) break;
        Thread.sleep(200);
      }
      assertTrue(got.size() >= 20, "consumed " + got.size());
      assertTrue(lag > 0, "lag visible while the consumer is behind, got " + lag);
      assertTrue(scrape.contains("kafka_consumer_fetch_manager_records_lag_max"), "lag in the Prometheus output");
      await(consumer.commit());
      await(consumer.close());
      await(producer.close());
      await(stores.close());
      assertEquals(200, sent.size());
    } finally {
      await(vertx.close());
    }
  }
}
