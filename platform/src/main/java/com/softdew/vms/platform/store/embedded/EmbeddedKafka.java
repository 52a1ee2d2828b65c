package com.softdew.vms.platform.store.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-JVM single-node Apache Kafka 4.1.x broker running in KRaft combined mode (broker + controller).
 * Data lives under {@code dataDir}; the storage is formatted only once (when no meta.properties exists),
 * so a restart on the same directory keeps topics, records and committed consumer-group offsets.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String HOST = "127.0.0.1";
    private static final long SHUTDOWN_TIMEOUT_MS = 9_000;

    private final KafkaRaftServer server;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts (blocking, call from a worker thread) a single-node KRaft broker+controller listening on
     * 127.0.0.1:port (port 0 = pick a free one), logs under dataDir (created if missing).
     * Reuses existing formatted storage on restart.
     */
    public static EmbeddedKafka start(Path dataDir, int port) throws Exception {
        Path logDir = dataDir.toAbsolutePath();
        Files.createDirectories(logDir);
        int controllerPort = freePort();

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + port + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", logDir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("num.partitions", "3");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("auto.create.topics.enable", "true");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Clean close: controlled shutdown tells the controller the broker left, so a restart is instant (~0.4 s).
        // With it off (or after a crash) the restart blocks until the old broker session expires.
        p.put("controlled.shutdown.enable", "true");
        p.put("broker.session.timeout.ms", "3000");      // default 9000: bounds restart time after a crash
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("server.max.startup.time.ms", "30000");
        KafkaConfig config = new KafkaConfig(p, false);

        if (!Files.exists(logDir.resolve("meta.properties"))) {
            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(logDir.toString())
                    .setIgnoreFormatted(true);
            formatter.run();
            LOG.info("Formatted KRaft storage in {}", logDir);
        }

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();   // blocks until the broker is RUNNING (or throws)
            int bound = boundBrokerPort(server);
            LOG.info("Embedded Kafka started on {}:{} (controller {}), data {}", HOST, bound, controllerPort, logDir);
            return new EmbeddedKafka(server, bound);
        } catch (Throwable t) {
            shutdownQuietly(server);
            if (t instanceof Exception e) throw e;
            throw new IllegalStateException("Embedded Kafka failed to start", t);
        }
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Clean shutdown, waits for it, idempotent; bounded to ~9 s. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        shutdownQuietly(server);
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, r -> {
            Thread t = new Thread(r, "embedded-kafka-shutdown");
            t.setDaemon(true);
            t.start();
        });
        try {
            f.get(SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Embedded Kafka shutdown did not complete cleanly: {}", e.toString());
        }
    }

    /** KafkaRaftServer keeps its BrokerServer in a private Scala field; read it to learn the real bound port. */
    private static int boundBrokerPort(KafkaRaftServer server) throws ReflectiveOperationException {
        Field f = KafkaRaftServer.class.getDeclaredField("broker");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        scala.Option<BrokerServer> broker = (scala.Option<BrokerServer>) f.get(server);
        return broker.get().boundPort(ListenerName.normalised(BROKER_LISTENER));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
