package com.softdew.vms.control.auth.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (BouncyCastle), stored in the PHC string format understood by the reference
 * implementation and by libsodium/argon2-cffi/Spring Security:
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (standard Base64 alphabet, no padding).
 *
 * <p>The defaults are the OWASP Password Storage Cheat Sheet minimum for Argon2id (19 MiB, 2 iterations,
 * 1 lane). {@link #verify} uses the parameters written in the encoded string, so hashes made with older
 * parameters still verify; {@link #needsRehash} tells the caller to re-hash on the next successful login.
 *
 * <p>Thread-safe: a new {@link Argon2BytesGenerator} is used for every call.
 */
public final class PasswordHasher {

    public static final int DEFAULT_MEMORY_KIB = 19_456;
    public static final int DEFAULT_ITERATIONS = 2;
    public static final int DEFAULT_PARALLELISM = 1;

    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;

    public static final int MIN_PASSWORD_LENGTH = 12;
    public static final int MAX_PASSWORD_LENGTH = 128;

    /* Bounds accepted when parsing a stored hash, so a corrupted/hostile row cannot make verify() allocate
       gigabytes or spin for minutes. */
    private static final int MAX_MEMORY_KIB = 1 << 20; // 1 GiB
    private static final int MAX_ITERATIONS = 64;
    private static final int MAX_PARALLELISM = 64;
    private static final int MIN_SALT_BYTES = 8;
    private static final int MAX_SALT_BYTES = 64;
    private static final int MIN_HASH_BYTES = 16;
    private static final int MAX_HASH_BYTES = 64;

    private static final String PREFIX = "argon2id";
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;
    private final SecureRandom random;

    /** OWASP defaults: m=19456 KiB, t=2, p=1. */
    public PasswordHasher() {
        this(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
    }

    public PasswordHasher(int memoryKiB, int iterations, int parallelism) {
        this(memoryKiB, iterations, parallelism, new SecureRandom());
    }

    PasswordHasher(int memoryKiB, int iterations, int parallelism, SecureRandom random) {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("parallelism must be in 1.." + MAX_PARALLELISM);
        }
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("memoryKiB must be in 8*parallelism.." + MAX_MEMORY_KIB);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be in 1.." + MAX_ITERATIONS);
        }
        this.memoryKiB = memoryKiB;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.random = Objects.requireNonNull(random);
    }

    public int memoryKiB() { return memoryKiB; }
    public int iterations() { return iterations; }
    public int parallelism() { return parallelism; }

    /** Hashes with a fresh 16-byte random salt; returns the PHC string. The caller may wipe {@code password}. */
    public String hash(char[] password) {
        Objects.requireNonNull(password, "password");
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
        try {
            return "$" + PREFIX + "$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism
                    + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
        } finally {
            Arrays.fill(out, (byte) 0);
        }
    }

    /**
     * Checks {@code password} against a PHC string, using the parameters stored in it. Returns false (never
     * throws) for a null or malformed encoding, an unsupported variant/version or out-of-range parameters.
     * The hash comparison is constant-time.
     */
    public boolean verify(char[] password, String encoded) {
        if (password == null) {
            return false;
        }
        Phc phc = Phc.parse(encoded);
        if (phc == null) {
            return false;
        }
        byte[] actual = derive(password, phc.salt, phc.m, phc.t, phc.p, phc.hash.length);
        try {
            return MessageDigest.isEqual(actual, phc.hash);
        } finally {
            Arrays.fill(actual, (byte) 0);
        }
    }

    /**
     * True when {@code encoded} was not made with this hasher's parameters (memory, iterations, parallelism,
     * salt and hash length) or cannot be parsed; re-hash the password after the next successful verify.
     */
    public boolean needsRehash(String encoded) {
        Phc phc = Phc.parse(encoded);
        return phc == null
                || phc.m != memoryKiB || phc.t != iterations || phc.p != parallelism
                || phc.salt.length != SALT_BYTES || phc.hash.length != HASH_BYTES;
    }

    /**
     * Password policy (NIST SP 800-63B style: length over composition rules).
     *
     * @return null when acceptable, otherwise a human-readable reason (never containing the password)
     */
    public static String validatePolicy(String password) {
        if (password == null) {
            return "password is required";
        }
        int length = password.codePointCount(0, password.length());
        if (length < MIN_PASSWORD_LENGTH) {
            return "password must be at least " + MIN_PASSWORD_LENGTH + " characters";
        }
        if (length > MAX_PASSWORD_LENGTH) {
            return "password must be at most " + MAX_PASSWORD_LENGTH + " characters";
        }
        int first = password.codePointAt(0);
        if (password.codePoints().allMatch(c -> c == first)) {
            return "password must not be a single repeated character";
        }
        return null;
    }

    private static byte[] derive(char[] password, byte[] salt, int m, int t, int p, int outLen) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(m)
                .withIterations(t)
                .withParallelism(p)
                .withSalt(salt)
                .build(); // default char->byte converter: UTF-8, as the reference CLI and other libraries
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[outLen];
        generator.generateBytes(password, out);
        return out;
    }

    /** Parsed {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}; null when anything is off. */
    private record Phc(int m, int t, int p, byte[] salt, byte[] hash) {
        static Phc parse(String encoded) {
            if (encoded == null || encoded.length() > 512) {
                return null;
            }
            String[] parts = encoded.split("\\$", -1);
            if (parts.length != 6 || !parts[0].isEmpty() || !PREFIX.equals(parts[1]) || !"v=19".equals(parts[2])) {
                return null;
            }
            String[] kv = parts[3].split(",", -1);
            if (kv.length != 3 || !kv[0].startsWith("m=") || !kv[1].startsWith("t=") || !kv[2].startsWith("p=")) {
                return null;
            }
            int m = decimal(kv[0].substring(2));
            int t = decimal(kv[1].substring(2));
            int p = decimal(kv[2].substring(2));
            if (p < 1 || p > MAX_PARALLELISM || m < 8 * p || m > MAX_MEMORY_KIB || t < 1 || t > MAX_ITERATIONS) {
                return null;
            }
            byte[] salt = base64(parts[4]);
            byte[] hash = base64(parts[5]);
            if (salt == null || hash == null
                    || salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_BYTES
                    || hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) {
                return null;
            }
            return new Phc(m, t, p, salt, hash);
        }

        private static int decimal(String s) {
            if (s.isEmpty() || s.length() > 9 || (s.length() > 1 && s.charAt(0) == '0')) {
                return -1;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return -1;
                }
            }
            return Integer.parseInt(s);
        }

        private static byte[] base64(String s) {
            if (s.isEmpty() || s.indexOf('=') >= 0) {
                return null; // PHC: no padding
            }
            try {
                return B64D.decode(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
