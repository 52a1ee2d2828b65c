package com.softdew.vms.edge.buffer;

import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.config.VmsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Cloud tier on the S3 API (AWS SDK v2, JDK URL-connection HTTP client). Keys:
 * {@code <prefix>/<tenant>/<camera>/<yyyy-MM-dd>/<segmentId>.mp4} in one bucket; the tenant prefix is the
 * tenancy boundary (give each tenant's credentials a policy on its prefix when tenants get their own keys).
 *
 * <p>Upload: the file is hashed (SHA-256 and MD5) and checked against the record; a HEAD finds an object
 * with the same {@code x-amz-meta-sha256} and size and skips it (idempotent resend); otherwise a PUT with
 * {@code Content-MD5} (AWS refuses a body that does not match it; s3rver 3.7.1 does not check it), metadata
 * {@code sha256}, server-side encryption when configured; the PUT's ETag must be the file's MD5 (single-part
 * objects, except with SSE-KMS), then a HEAD verifies the size and the sha256 metadata.
 *
 * <p>Credentials need s3:PutObject and s3:GetObject (for HEAD) on the prefix; without s3:ListBucket a HEAD of
 * a missing key answers 403, which the pre-upload check treats as "not there" (the PUT then decides).
 *
 * <p>Bodies are sent whole with a signed payload hash, not aws-chunked, and request checksums are "when
 * required" (the SDK's default CRC trailer in aws-chunked bodies is not understood by every S3-compatible
 * server); Content-MD5 carries the integrity check instead.
 */
public final class S3CloudTier implements CloudTier {
  /** Metadata key of the SHA-256 (x-amz-meta-sha256). */
  public static final String SHA256_META = "sha256";

  /**
   * @param endpoint  empty = AWS for the region
   * @param accessKey empty = the AWS default credentials chain
   * @param sse       none | AES256 | aws:kms
   */
  public record Settings(String endpoint, String region, String bucket, String prefix, String accessKey, String secretKey, String sse,
      boolean pathStyle) {
    public Settings {
      if (bucket == null || bucket.isBlank()) throw new IllegalArgumentException("storage.cloud.s3.bucket is required when storage.cloud.kind = s3");
      if (region == null || region.isBlank()) throw new IllegalArgumentException("storage.cloud.s3.region is required");
      if (sse == null || sse.isBlank()) sse = "none";
      if (!sse.equals("none") && !sse.equals("AES256") && !sse.equals("aws:kms")) {
        throw new IllegalArgumentException("storage.cloud.s3.sse must be none, AES256 or aws:kms: " + sse);
      }
      if (accessKey != null && !accessKey.isBlank() && (secretKey == null || secretKey.isBlank())) {
        throw new IllegalArgumentException("storage.cloud.s3.secretKey is required with storage.cloud.s3.accessKey");
      }
      if (endpoint != null && !endpoint.isBlank()) {
        try {
          URI u = URI.create(endpoint);
          if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException("no scheme or host");
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("storage.cloud.s3.endpoint is not a URL: " + endpoint, e);
        }
      }
      prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
    }

    public static Settings fromConfig(VmsConfig cfg) {
      return new Settings(cfg.string("storage.cloud.s3.endpoint"), cfg.string("storage.cloud.s3.region"), cfg.string("storage.cloud.s3.bucket"),
          cfg.string("storage.cloud.s3.prefix"), cfg.string("storage.cloud.s3.accessKey"), cfg.string("storage.cloud.s3.secretKey"),
          cfg.string("storage.cloud.s3.sse"), cfg.bool("storage.cloud.s3.pathStyle"));
    }
  }

  private final Settings settings;
  private final S3Client s3;

  /** Builds the client (no request is sent). */
  public S3CloudTier(Settings settings) {
    this.settings = settings;
    AwsCredentialsProvider creds = settings.accessKey() != null && !settings.accessKey().isBlank()
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
        : DefaultCredentialsProvider.builder().build();
    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(60)))
        // one attempt per call: the edge sync's lane retries with its own backoff (0.5 s doubling to 30 s) and counts each failure
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .region(Region.of(settings.region()))
        .credentialsProvider(creds)
        // chunked (aws-chunked) uploads off: the whole payload is signed instead (the file is read twice). s3rver 3.7.1 stores the
        // chunk framing of an aws-chunked body as object bytes (found by the size check after upload), and a signed plain body is
        // understood by every S3 implementation.
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).chunkedEncodingEnabled(false).build())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null && !settings.endpoint().isBlank()) b.endpointOverride(URI.create(settings.endpoint()));
    this.s3 = b.build();
  }

  public Settings settings() {
    return settings;
  }

  /** The SDK client (tests read objects back with it). */
  public S3Client client() {
    return s3;
  }

  @Override
  public String kind() {
    return "s3";
  }

  @Override
  public String objectKey(RecordingSegment s) {
    String rel = CloudTier.relativeKey(s);
    return settings.prefix().isEmpty() ? rel : settings.prefix() + "/" + rel;
  }

  /** HEAD of a key, null when absent. */
  public HeadObjectResponse head(String key) throws IOException {
    try {
      return s3.headObject(HeadObjectRequest.builder().bucket(settings.bucket()).key(key).build());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) return null;
      throw new IOException("S3 HEAD " + settings.bucket() + "/" + key + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("S3 HEAD " + settings.bucket() + "/" + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Upload upload(RecordingSegment s) throws IOException {
    long t0 = System.nanoTime();
    String key = objectKey(s);
    FileDigest d = FileDigest.checked(s);
    HeadObjectResponse there;
    try {
      there = head(key);
    } catch (IOException e) {
      // AWS answers 403, not 404, for a missing key when the credentials lack s3:ListBucket: then PUT decides
      if (!(e.getCause() instanceof S3Exception se && se.statusCode() == 403)) throw e;
      there = null;
    }
    if (there != null && d.sha256Hex().equalsIgnoreCase(there.metadata().get(SHA256_META)) && there.contentLength() != null
        && there.contentLength() == d.bytes()) {
      return new Upload(key, d.bytes(), true, System.nanoTime() - t0);
    }
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(settings.bucket()).key(key).contentType("video/mp4")
        .contentLength(d.bytes()).contentMD5(Base64.getEncoder().encodeToString(d.md5()))
        .metadata(Map.of(SHA256_META, d.sha256Hex(), "tenant", s.tenantId(), "camera", s.cameraId(), "segment", s.segmentId()));
    if (!settings.sse().equals("none")) put.serverSideEncryption(ServerSideEncryption.fromValue(settings.sse()));
    String etag;
    try {
      etag = s3.putObject(put.build(), RequestBody.fromFile(s.path())).eTag();
    } catch (SdkException e) {
      throw new IOException("S3 PUT " + settings.bucket() + "/" + key + ": " + e.getMessage(), e);
    }
    // a single-part object's ETag is the MD5 of what the server stored (not with SSE-KMS); not every server checks Content-MD5
    String md5Hex = java.util.HexFormat.of().formatHex(d.md5());
    if (!settings.sse().equals("aws:kms") && etag != null && !etag.replace("\"", "").equalsIgnoreCase(md5Hex)) {
      throw new IOException("S3 object " + key + " has ETag " + etag + " after upload, the file's MD5 is " + md5Hex);
    }
    HeadObjectResponse after = head(key);
    if (after == null) throw new IOException("S3 PUT " + key + " succeeded but HEAD finds no object");
    if (after.contentLength() == null || after.contentLength() != d.bytes()) {
      throw new IOException("S3 object " + key + " has " + after.contentLength() + " bytes after upload, the file " + d.bytes());
    }
    if (!d.sha256Hex().equalsIgnoreCase(after.metadata().get(SHA256_META))) {
      throw new IOException("S3 object " + key + " has sha256 metadata " + after.metadata().get(SHA256_META) + ", expected " + d.sha256Hex());
    }
    return new Upload(key, d.bytes(), false, System.nanoTime() - t0);
  }

  @Override
  public InputStream open(String objectKey) throws IOException {
    try {
      return s3.getObject(GetObjectRequest.builder().bucket(settings.bucket()).key(objectKey).build());
    } catch (SdkException e) {
      throw new IOException("S3 GET " + settings.bucket() + "/" + objectKey + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String objectKey) throws IOException {
    try {
      s3.deleteObject(DeleteObjectRequest.builder().bucket(settings.bucket()).key(objectKey).build());
    } catch (SdkException e) {
      throw new IOException("S3 DELETE " + settings.bucket() + "/" + objectKey + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return "s3 tier " + (settings.endpoint().isBlank() ? "aws" : settings.endpoint()) + " " + settings.bucket() + "/" + settings.prefix();
  }
}
