package com.softdew.vms.platform.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    private static final String TOPIC = "events";
    private static final String GROUP = "it-group";
    private static final int N = 100;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void recordsAndCommittedOffsetsSurviveRestart() throws Exception {
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        System.out.printf("first start: %d ms on %s%n", ms(t0), kafka.bootstrapServers());
        Map<TopicPartition, OffsetAndMetadata> committedBefore;
        try {
            assertTrue(kafka.port() > 0);
            assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                for (int i = 0; i < N; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get();
                }
            }
            try (KafkaConsumer<String, String> consumer = consumer(kafka, GROUP)) {
                consumer.subscribe(List.of(TOPIC));
                List<String> values = pollAll(consumer, N);
                assertEquals(N, values.size());
                consumer.commitSync();
                Set<TopicPartition> tps = partitions(consumer);
                committedBefore = consumer.committed(tps);
                long sum = committedBefore.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
                assertEquals(N, sum, "committed offsets before restart: " + committedBefore);
            }
        } finally {
            long c0 = System.nanoTime();
            kafka.close();
            System.out.printf("close: %d ms%n", ms(c0));
            assertTrue(ms(c0) < 10_000, "close took too long");
            kafka.close(); // idempotent
        }

        long t1 = System.nanoTime();
        try (EmbeddedKafka again = EmbeddedKafka.start(dir, 0)) {
            System.out.printf("restart: %d ms on %s%n", ms(t1), again.bootstrapServers());
            // committed offsets of the group survive
            try (KafkaConsumer<String, String> c = consumer(again, GROUP)) {
                Set<TopicPartition> tps = partitions(c);
                assertEquals(3, tps.size());
                Map<TopicPartition, OffsetAndMetadata> committedAfter = c.committed(tps);
                for (TopicPartition tp : tps) {
                    assertNotNull(committedAfter.get(tp), "no committed offset for " + tp);
                    assertEquals(committedBefore.get(tp).offset(), committedAfter.get(tp).offset());
                }
            }
            // all records still readable from the beginning (fresh group, earliest)
            try (KafkaConsumer<String, String> c = consumer(again, "fresh-group")) {
                c.subscribe(List.of(TOPIC));
                List<String> values = pollAll(c, N);
                assertEquals(N, values.size());
                Set<String> expected = new HashSet<>();
                for (int i = 0; i < N; i++) expected.add("v" + i);
                assertEquals(expected, new HashSet<>(values));
            }
            long c1 = System.nanoTime();
            again.close();
            System.out.printf("second close: %d ms%n", ms(c1));
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static Set<TopicPartition> partitions(KafkaConsumer<?, ?> c) {
        List<PartitionInfo> infos = c.partitionsFor(TOPIC, Duration.ofSeconds(10));
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toSet());
    }

    private static List<String> pollAll(KafkaConsumer<String, String> c, int n) {
        List<String> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (out.size() < n && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) out.add(r.value());
        }
        return out;
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka k) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka k, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
