package com.softdew.vms.control.auth;

import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.platform.store.SqlDialect;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JWT signing keys with rotation (kid). Keys are HS256 secrets stored in SQL sealed with the
 * key-encryption key, so every node of a cluster signs and verifies with the same set. The key of the
 * current rotation period ({@code k<epoch-seconds / period>}) is created by whichever node needs it
 * first (a duplicate insert loses harmlessly). Tokens are signed only with the current key; the
 * current and the previous keys verify (a token lives far shorter than a period).
 *
 * <p>Two JWTAuth instances, because Vert.x picks a random key when several share an algorithm: the
 * signer holds only the current key, the verifier all valid ones and selects by the token's kid.
 */
public final class KeyRing {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final SqlDialect d;
  private final Pool pool;
  private final SecretBox box;
  private final Duration period;
  private volatile JWTAuth signer;
  private volatile JWTAuth verifier;
  private volatile String currentKid;

  public KeyRing(Vertx vertx, SqlDialect dialect, Pool pool, SecretBox box, Duration period) {
    this.vertx = vertx;
    this.d = dialect;
    this.pool = pool;
    this.box = box;
    this.period = period;
  }

  public String currentKid() {
    return currentKid;
  }

  String kidAt(Instant t) {
    return "k" + (t.getEpochSecond() / period.toSeconds());
  }

  /** Makes sure the current period's key exists and reloads the ring; call at start and periodically. */
  public Future<Void> refresh() {
    String kid = kidAt(Instant.now());
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String sealed = box.seal(Base64.getEncoder().encodeToString(secret), "signing_key:" + kid);
    Future<Void> ensure = kid.equals(currentKid) ? Future.succeededFuture()
        : pool.preparedQuery("INSERT INTO signing_key (kid, sealed_secret, created_at) VALUES (" + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ")")
            .execute(Tuple.of(kid, sealed, Instant.now().toString())).<Void>mapEmpty()
            .recover(e -> Future.succeededFuture()); // another node created it first
    return ensure.compose(v -> pool.query("SELECT kid, sealed_secret FROM signing_key ORDER BY created_at DESC").execute())
        .map(rows -> {
          List<PubSecKeyOptions> keys = new ArrayList<>();
          for (Row r : rows) {
            String k = r.getString(0);
            if (!k.equals(kid) && !k.equals(kidAt(Instant.now().minus(period)))) continue; // older keys verify nothing alive
            String b64;
            try {
              b64 = box.open(r.getString(1), "signing_key:" + k);
            } catch (IllegalArgumentException e) {
              if (k.equals(kid)) {
                throw new IllegalStateException("JWT signing key " + k + " in SQL was sealed with another key-encryption key than"
                    + " this node's (auth.kek, or data.dir/keys/kek): give every node the same auth.kek; on a development install,"
                    + " a data directory was removed while its database was kept");
              }
              LOG.warn("JWT signing key {} cannot be opened with this node's key-encryption key: ignored", k);
              continue;
            }
            keys.add(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(b64).setId(k));
          }
          PubSecKeyOptions current = keys.stream().filter(o -> o.getId().equals(kid)).findFirst()
              .orElseThrow(() -> new IllegalStateException("signing key " + kid + " missing after insert"));
          signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(current));
          JWTAuthOptions all = new JWTAuthOptions();
          keys.forEach(all::addPubSecKey);
          verifier = JWTAuth.create(vertx, all);
          if (!kid.equals(currentKid)) LOG.info("JWT signing key {} active ({} key(s) verify)", kid, keys.size());
          currentKid = kid;
          return null;
        });
  }

  /** Signs claims with the current key. */
  public String sign(JsonObject claims, Duration ttl) {
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) ttl.toSeconds()));
  }

  /**
   * Verifies signature (by kid), expiry and shape; fails for anything else. The claims include {@code exp} (epoch
   * seconds; vertx-auth keeps it in the user's attributes, not its principal) for holders of long-lived connections.
   */
  public Future<JsonObject> verify(String token) {
    return verifier.authenticate(new TokenCredentials(token)).map(u -> {
      Object exp = u.attributes() == null ? null : u.attributes().getValue("exp");
      return exp == null ? u.principal() : u.principal().copy().put("exp", exp);
    });
  }
}
