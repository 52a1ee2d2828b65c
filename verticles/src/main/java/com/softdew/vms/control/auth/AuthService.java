package com.softdew.vms.control.auth;

import com.softdew.vms.control.auth.crypto.PasswordHasher;
import com.softdew.vms.control.auth.crypto.RecoveryCodes;
import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.control.auth.crypto.TotpService;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.KeyValueCache;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login with a mandatory second factor, token issue and rotation, logout.
 *
 * <p>Flow: password → an MFA token (enrolment when the user has no TOTP yet, challenge otherwise;
 * it opens nothing but the MFA endpoints) → TOTP code or recovery code → access token (JWT, 15 min)
 * and refresh token (opaque, stored hashed, single use). A refresh token used twice revokes its
 * whole family (theft detection). Failed passwords and codes count toward an exponential lockout.
 */
public final class AuthService {
  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PENDING = "pending:";
  public static final String DENY_PREFIX = "auth:deny:";

  /** Lifetimes and lockout policy (from the auth.* configuration keys). */
  public record Settings(Duration accessTtl, Duration refreshTtl, Duration mfaTtl, String issuer, int maxAttempts, Duration lockBase) {}

  private final Vertx vertx;
  private final TenantSql sql;
  private final SqlDialect d;
  private final KeyRing keys;
  private final SecretBox box;
  private final PasswordHasher hasher;
  private final TotpService totp;
  private final KeyValueCache cache;
  private final AuditLog audit;
  private final Settings s;
  private final String dummyHash;

  public AuthService(Vertx vertx, TenantSql sql, KeyRing keys, SecretBox box, PasswordHasher hasher, TotpService totp,
      KeyValueCache cache, AuditLog audit, Settings settings) {
    this.vertx = vertx;
    this.sql = sql;
    this.d = sql.dialect();
    this.keys = keys;
    this.box = box;
    this.hasher = hasher;
    this.totp = totp;
    this.cache = cache;
    this.audit = audit;
    this.s = settings;
    this.dummyHash = hasher.hash("not-a-real-password-0".toCharArray());
  }

  record UserRow(String userId, String tenantId, String username, Role role, String passwordHash, String totpSecret,
      long totpLastStep, String recoveryHashes, int failedAttempts, String lockedUntil, boolean disabled) {
    static UserRow of(Row r) {
      return new UserRow(r.getString("user_id"), r.getString("tenant_id"), r.getString("username"), Role.valueOf(r.getString("role")),
          r.getString("password_hash"), r.getString("totp_secret"), r.getLong("totp_last_step"), r.getString("recovery_hashes"),
          r.getInteger("failed_attempts"), r.getString("locked_until"), r.getBoolean("disabled"));
    }

    Principal principal() {
      return new Principal(userId, tenantId, username, role);
    }
  }

  static final String USER_COLUMNS = "user_id, tenant_id, username, role, password_hash, totp_secret, totp_last_step,"
      + " recovery_hashes, failed_attempts, locked_until, disabled";

  private static ApiException unauthorized(String detail) {
    return new ApiException(401, "unauthorized", "Authentication failed", detail, null);
  }

  // ------------------------------------------------------------------ password step

  public Future<JsonObject> login(String username, String password, String ip) {
    return sql.asPlatform(c -> c.preparedQuery("SELECT " + USER_COLUMNS + " FROM app_user WHERE username = " + d.p(1))
            .execute(Tuple.of(username)))
        .compose(rows -> vertx.executeBlocking(() -> {
          UserRow u = rows.size() == 0 ? null : UserRow.of(rows.iterator().next());
          // hash even for unknown users so response time does not reveal which usernames exist
          boolean ok = hasher.verify(password.toCharArray(), u == null ? dummyHash : u.passwordHash());
          return new Object[] {u, ok};
        }))
        .compose(res -> {
          UserRow u = (UserRow) res[0];
          boolean ok = (Boolean) res[1];
          if (u == null) return Future.failedFuture(unauthorized("invalid username or password"));
          Future<Void> locked = checkLock(u);
          if (locked != null) return locked.mapEmpty();
          if (u.disabled() || !ok) {
            return recordFailure(u, "password", ip).compose(v -> Future.failedFuture(unauthorized("invalid username or password")));
          }
          // a right password does not reset the failure count: only a complete sign-in does, otherwise
          // someone who knows the password could guess codes forever, a few per password step
          return Future.succeededFuture().compose(v -> {
            boolean enrolled = u.totpSecret() != null && !u.totpSecret().startsWith(PENDING);
            String typ = enrolled ? "mfa_challenge" : "mfa_enroll";
            String token = keys.sign(new JsonObject().put("sub", u.userId()).put("typ", typ).put("jti", UUID.randomUUID().toString()), s.mfaTtl());
            return audit("auth.password.ok", u, ip, null).map(x -> new JsonObject().put("mfaRequired", enrolled ? "challenge" : "enroll")
                .put("mfaToken", token).put("expiresIn", s.mfaTtl().toSeconds()));
          });
        });
  }

  /** A failed future when the user is locked out right now, else null. */
  private Future<Void> checkLock(UserRow u) {
    if (u.lockedUntil() == null) return null;
    Instant until = Instant.parse(u.lockedUntil());
    long left = Duration.between(Instant.now(), until).toSeconds();
    if (left <= 0) return null;
    return Future.failedFuture(new ApiException(429, "locked", "Too many failed attempts",
        "sign-in is locked for " + (left + 1) + " s after repeated failures", new JsonObject().put("retryAfterSeconds", left + 1)));
  }

  private Future<Void> recordFailure(UserRow u, String factor, String ip) {
    int failed = u.failedAttempts() + 1;
    String lockedUntil = null;
    if (failed >= s.maxAttempts()) {
      long secs = Math.min(86_400L, s.lockBase().toSeconds() << Math.min(20, failed - s.maxAttempts()));
      lockedUntil = Instant.now().plusSeconds(secs).toString();
    }
    String lu = lockedUntil;
    return sql.inTenant(u.tenantId(), c -> c.preparedQuery("UPDATE app_user SET failed_attempts = " + d.p(1) + ", locked_until = "
            + d.p(2) + " WHERE user_id = " + d.p(3)).execute(Tuple.of(failed, lu, u.userId())))
        .compose(v -> audit(lu == null ? "auth." + factor + ".failed" : "auth.lockout", u, ip,
            new JsonObject().put("failedAttempts", failed).put("lockedUntil", lu)));
  }

  // ------------------------------------------------------------------ second factor

  private Future<UserRow> userOfMfaToken(String mfaToken, String expectedTyp) {
    return keys.verify(mfaToken).recover(e -> Future.failedFuture(unauthorized("invalid or expired MFA token")))
        .compose(claims -> {
          if (!expectedTyp.equals(claims.getString("typ")) && !(expectedTyp.equals("any") && claims.getString("typ", "").startsWith("mfa_"))) {
            return Future.failedFuture(unauthorized("this token cannot be used here"));
          }
          return userById(claims.getString("sub"));
        });
  }

  private Future<UserRow> userById(String userId) {
    return sql.asPlatform(c -> c.preparedQuery("SELECT " + USER_COLUMNS + " FROM app_user WHERE user_id = " + d.p(1)).execute(Tuple.of(userId)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(unauthorized("unknown user")) : Future.succeededFuture(UserRow.of(rows.iterator().next())));
  }

  /** Starts TOTP enrolment: a new secret (pending until a first code verifies), its otpauth URI and QR, and recovery codes. */
  public Future<JsonObject> enroll(String mfaToken, String ip) {
    return userOfMfaToken(mfaToken, "mfa_enroll").compose(u -> {
      String secret = totp.newSecret();
      String uri = totp.otpauthUri(s.issuer(), u.username(), secret);
      List<String> codes = new RecoveryCodes().generate(10);
      String sealed = PENDING + box.seal(secret, "totp:" + u.userId());
      String hashes = String.join(",", RecoveryCodes.hashes(codes));
      return sql.inTenant(u.tenantId(), c -> c.preparedQuery("UPDATE app_user SET totp_secret = " + d.p(1) + ", recovery_hashes = " + d.p(2)
              + ", totp_last_step = 0 WHERE user_id = " + d.p(3)).execute(Tuple.of(sealed, hashes, u.userId())))
          .compose(v -> audit("auth.mfa.enroll.started", u, ip, null))
          .map(v -> new JsonObject().put("otpauthUri", uri).put("secret", secret)
              .put("qrPng", Base64.getEncoder().encodeToString(totp.qrPng(uri, 256)))
              .put("recoveryCodes", new JsonArray(codes)));
    });
  }

  /** Checks a TOTP code (or a recovery code) against an enrolment or challenge token; issues tokens on success. */
  public Future<JsonObject> verifyMfa(String mfaToken, String code, String ip) {
    return userOfMfaToken(mfaToken, "any").compose(u -> {
      Future<Void> locked = checkLock(u);
      if (locked != null) return locked.map(x -> null);
      if (u.totpSecret() == null) return Future.failedFuture(unauthorized("enrol a second factor first"));
      boolean pending = u.totpSecret().startsWith(PENDING);
      String secret = box.open(pending ? u.totpSecret().substring(PENDING.length()) : u.totpSecret(), "totp:" + u.userId());
      OptionalLong step = totp.verify(secret, code, Instant.now(), u.totpLastStep());
      if (step.isPresent()) {
        String activeSecret = pending ? u.totpSecret().substring(PENDING.length()) : u.totpSecret();
        return sql.inTenant(u.tenantId(), c -> c.preparedQuery("UPDATE app_user SET totp_secret = " + d.p(1) + ", totp_last_step = " + d.p(2)
                + ", failed_attempts = 0, locked_until = NULL WHERE user_id = " + d.p(3)).execute(Tuple.of(activeSecret, step.getAsLong(), u.userId())))
            .compose(v -> audit(pending ? "auth.mfa.enrolled" : "auth.mfa.ok", u, ip, null))
            .compose(v -> issue(u, UUID.randomUUID().toString(), ip));
      }
      List<String> hashes = u.recoveryHashes().isEmpty() ? List.of() : Arrays.asList(u.recoveryHashes().split(","));
      int idx = pending ? -1 : RecoveryCodes.match(code, hashes);
      if (idx >= 0) {
        List<String> left = new java.util.ArrayList<>(hashes);
        left.remove(idx);
        return sql.inTenant(u.tenantId(), c -> c.preparedQuery("UPDATE app_user SET recovery_hashes = " + d.p(1)
                + ", failed_attempts = 0, locked_until = NULL WHERE user_id = " + d.p(2)).execute(Tuple.of(String.join(",", left), u.userId())))
            .compose(v -> audit("auth.mfa.recovery-code", u, ip, new JsonObject().put("recoveryCodesLeft", left.size())))
            .compose(v -> issue(u, UUID.randomUUID().toString(), ip));
      }
      return recordFailure(u, "mfa", ip).compose(v -> Future.failedFuture(unauthorized("invalid code")));
    });
  }

  // ------------------------------------------------------------------ tokens

  private Future<JsonObject> issue(UserRow u, String family, String ip) {
    String jti = UUID.randomUUID().toString();
    String access = keys.sign(new JsonObject().put("sub", u.userId()).put("tid", u.tenantId()).put("role", u.role().name())
        .put("usr", u.username()).put("typ", "access").put("jti", jti), s.accessTtl());
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String refresh = "rt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = Instant.now();
    return sql.inTenant(u.tenantId(), c -> c.preparedQuery("INSERT INTO refresh_token (token_hash, family_id, tenant_id, user_id, issued_at, expires_at)"
            + " VALUES (" + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ")")
        .execute(Tuple.of(sha256(refresh), family, u.tenantId(), u.userId(), now.toString(), now.plus(s.refreshTtl()).toString())))
        .map(v -> new JsonObject().put("accessToken", access).put("tokenType", "Bearer").put("expiresIn", s.accessTtl().toSeconds())
            .put("refreshToken", refresh).put("refreshExpiresIn", s.refreshTtl().toSeconds())
            .put("user", new JsonObject().put("userId", u.userId()).put("tenantId", u.tenantId()).put("username", u.username()).put("role", u.role().name())));
  }

  /** Rotates a refresh token. A token presented twice revokes its whole family: someone else has a copy. */
  public Future<JsonObject> refresh(String refreshToken, String ip) {
    String hash = sha256(refreshToken);
    return sql.asPlatform(c -> c.preparedQuery("SELECT family_id, tenant_id, user_id, expires_at, used_at, revoked_at FROM refresh_token WHERE token_hash = "
            + d.p(1)).execute(Tuple.of(hash)))
        .compose(rows -> {
          if (rows.size() == 0) return Future.failedFuture(unauthorized("unknown refresh token"));
          Row r = rows.iterator().next();
          String family = r.getString("family_id");
          String tenant = r.getString("tenant_id");
          if (r.getString("revoked_at") != null) return Future.failedFuture(unauthorized("refresh token revoked"));
          if (r.getString("used_at") != null) {
            return revokeFamily(tenant, family)
                .compose(v -> userById(r.getString("user_id")))
                .compose(u -> audit("auth.refresh.reuse", u, ip, new JsonObject().put("family", family)))
                .compose(v -> Future.failedFuture(unauthorized("refresh token reused: every session of this login was revoked")));
          }
          if (Instant.parse(r.getString("expires_at")).isBefore(Instant.now())) return Future.failedFuture(unauthorized("refresh token expired"));
          return sql.inTenant(tenant, c -> c.preparedQuery("UPDATE refresh_token SET used_at = " + d.p(1) + " WHERE token_hash = " + d.p(2)
                  + " AND used_at IS NULL").execute(Tuple.of(Instant.now().toString(), hash)))
              .compose(rs -> {
                if (rs.rowCount() != 1) {
                  return revokeFamily(tenant, family).compose(v -> Future.failedFuture(unauthorized("refresh token reused")));
                }
                return userById(r.getString("user_id")).compose(u -> {
                  if (u.disabled()) return Future.failedFuture(unauthorized("user disabled"));
                  return issue(u, family, ip);
                });
              });
        });
  }

  private Future<Void> revokeFamily(String tenant, String family) {
    return sql.inTenant(tenant, c -> c.preparedQuery("UPDATE refresh_token SET revoked_at = " + d.p(1) + " WHERE family_id = " + d.p(2)
        + " AND revoked_at IS NULL").execute(Tuple.of(Instant.now().toString(), family))).mapEmpty();
  }

  /** Ends a session: the refresh family is revoked and the access token denied until it expires. */
  public Future<Void> logout(Principal p, JsonObject accessClaims, String refreshToken, String ip) {
    long exp = accessClaims.getLong("exp", 0L);
    long left = Math.max(1, exp - Instant.now().getEpochSecond());
    Future<Void> deny = cache.set(DENY_PREFIX + accessClaims.getString("jti"), "1", Duration.ofSeconds(left));
    Future<Void> revoke = refreshToken == null ? Future.succeededFuture()
        : sql.inTenant(p.tenantId(), c -> c.preparedQuery("SELECT family_id FROM refresh_token WHERE token_hash = " + d.p(1) + " AND user_id = " + d.p(2))
            .execute(Tuple.of(sha256(refreshToken), p.userId())))
            .compose(rows -> rows.size() == 0 ? Future.succeededFuture() : revokeFamily(p.tenantId(), rows.iterator().next().getString(0)));
    return Future.all(deny, revoke).compose(v -> audit.append(new AuditLog.AuditEntry(p.tenantId(), p.actor(), "auth.logout", "user:" + p.userId(),
        null, null, ip)).mapEmpty());
  }

  /** Verifies an access token; returns the caller and the claims. */
  public Future<JsonObject> authenticate(String bearer) {
    return keys.verify(bearer).recover(e -> Future.failedFuture(unauthorized("invalid or expired access token")))
        .compose(claims -> {
          if (!"access".equals(claims.getString("typ"))) return Future.failedFuture(unauthorized("not an access token"));
          return cache.get(DENY_PREFIX + claims.getString("jti")).compose(denied -> denied != null
              ? Future.failedFuture(unauthorized("access token revoked (logged out)")) : Future.succeededFuture(claims));
        });
  }

  public static Principal principalOf(JsonObject claims) {
    return new Principal(claims.getString("sub"), claims.getString("tid"), claims.getString("usr"), Role.valueOf(claims.getString("role")));
  }

  // ------------------------------------------------------------------ users

  /** Creates a user (password policy checked, Argon2id hashed off the event loop). Returns the user id. */
  public Future<String> createUser(String tenantId, String username, String password, Role role, Principal by, String ip) {
    String reason = PasswordHasher.validatePolicy(password);
    if (reason != null) return Future.failedFuture(ApiException.invalid("password", reason));
    if (!username.matches("[A-Za-z0-9._@-]{3,128}")) return Future.failedFuture(ApiException.invalid("username", "must be 3-128 of letters, digits, . _ @ -"));
    String userId = UUID.randomUUID().toString();
    return vertx.executeBlocking(() -> hasher.hash(password.toCharArray()))
        .compose(hash -> sql.inTenant(tenantId, c -> c.preparedQuery("INSERT INTO app_user (user_id, tenant_id, username, role, password_hash, created_at)"
                + " VALUES (" + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ")")
            .execute(Tuple.of(userId, tenantId, username, role.name(), hash, Instant.now().toString())))
            .recover(e -> Future.failedFuture(e.getMessage() != null && (e.getMessage().contains("unique") || e.getMessage().contains("duplicate")
                || e.getMessage().contains("UNIQUE")) ? ApiException.conflict("username '" + username + "' is taken") : e)))
        .compose(v -> audit.append(new AuditLog.AuditEntry(tenantId, by == null ? "system" : by.actor(), "user.create", "user:" + userId, null,
            new JsonObject().put("username", username).put("role", role.name()), ip)))
        .map(v -> userId);
  }

  /** At first start: the platform operator 'admin', with the configured or a generated password (printed once). */
  public Future<Void> bootstrapAdmin(String configuredPassword) {
    return sql.asPlatform(c -> c.query("SELECT count(*) FROM app_user WHERE role = 'OPERATOR'").execute())
        .compose(rows -> {
          if (rows.iterator().next().getLong(0) > 0) return Future.succeededFuture();
          boolean generated = configuredPassword == null || configuredPassword.isEmpty();
          String pw = generated ? generatePassword() : configuredPassword;
          return createUser(TenantSql.PLATFORM_TENANT, "admin", pw, Role.OPERATOR, null, "local").onSuccess(id -> {
            if (generated) {
              // printed once, on the console only: it is not stored anywhere in clear
              System.out.println("\n==== VMS first start: platform operator 'admin', initial password: " + pw
                  + " (MFA enrolment is required at first login) ====\n");
            }
            LOG.info("created the platform operator 'admin'{}", generated ? " (password printed on the console)" : " (password from admin.password)");
          }).mapEmpty();
        });
  }

  static String generatePassword() {
    byte[] raw = new byte[18];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  private Future<Void> audit(String action, UserRow u, String ip, JsonObject detail) {
    return audit.append(new AuditLog.AuditEntry(u.tenantId(), u.username() + " (" + u.userId() + ")", action, "user:" + u.userId(), null, detail, ip))
        .<Void>mapEmpty().recover(e -> {
          LOG.error("audit write failed for {} of {}: {}", action, u.userId(), e.getMessage());
          return Future.succeededFuture();
        });
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
