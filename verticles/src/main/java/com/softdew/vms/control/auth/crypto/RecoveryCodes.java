package com.softdew.vms.control.auth.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One-time recovery codes for users who lose their TOTP device, e.g. {@code 7kq4-92mf-x3pa}.
 *
 * <p>Each code is 12 characters drawn uniformly by {@link SecureRandom} from a 32-character lower-case
 * alphabet without the easily confused {@code 0 o 1 l}, i.e. 12 x 5 = 60 bits of entropy, shown in groups of
 * four. Only hashes are stored.
 *
 * <p><b>Why a fast hash (SHA-256) is enough here, unlike for passwords.</b> Slow, salted hashes (Argon2)
 * exist because human-chosen passwords have little entropy and a dictionary attack on a leaked hash
 * succeeds quickly. A recovery code is not chosen by a person: it is 60 random bits, so an attacker who
 * holds one stored hash must on average try 2^59 candidates, close to a year on a current high-end GPU
 * (~2x10^10 SHA-256/s) per code; there is no dictionary to try first. The code is single-use, the user can
 * regenerate the set at any time, and it only replaces the second factor (the password, stored with Argon2id,
 * is still needed). A slow hash would also cost up to ten derivations per recovery attempt, as a presented
 * code is compared with every unused hash.
 *
 * <p>Caveat: the hashes are unsalted, so an attacker holding many users' hashes searches them all at once;
 * with 10^7 stored codes some code would fall after about 2^60 / 10^7 ≈ 10^11 guesses (seconds on one GPU).
 * That attacker still needs the matching user's password. If that matters, prefix the code with a per-user
 * value (user id) before hashing.
 *
 * <p>Thread-safe.
 */
public final class RecoveryCodes {

    /** 32 symbols (5 bits each): digits 2-9 and a-z without l and o. */
    static final String ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz";
    public static final int DEFAULT_COUNT = 10;
    public static final int CODE_CHARS = 12;
    public static final int GROUP = 4;

    private final SecureRandom random;

    public RecoveryCodes() {
        this(new SecureRandom());
    }

    RecoveryCodes(SecureRandom random) {
        this.random = Objects.requireNonNull(random);
    }

    /** {@value #DEFAULT_COUNT} new codes. */
    public List<String> generate() {
        return generate(DEFAULT_COUNT);
    }

    /** {@code count} new distinct codes, formatted {@code xxxx-xxxx-xxxx}. */
    public List<String> generate(int count) {
        if (count < 1 || count > 100) {
            throw new IllegalArgumentException("count must be in 1..100");
        }
        List<String> codes = new ArrayList<>(count);
        while (codes.size() < count) {
            StringBuilder sb = new StringBuilder(CODE_CHARS + CODE_CHARS / GROUP - 1);
            for (int i = 0; i < CODE_CHARS; i++) {
                if (i > 0 && i % GROUP == 0) {
                    sb.append('-');
                }
                sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String code = sb.toString();
            if (!codes.contains(code)) {
                codes.add(code);
            }
        }
        return codes;
    }

    /** SHA-256 hex (lower case) of each normalized code, in order. */
    public static List<String> hashes(List<String> codes) {
        List<String> out = new ArrayList<>(codes.size());
        for (String code : codes) {
            String normalized = normalize(code);
            if (normalized == null) {
                throw new IllegalArgumentException("not a recovery code");
            }
            out.add(HexFormat.of().formatHex(sha256(normalized)));
        }
        return out;
    }

    /**
     * The index in {@code hashes} of the hash of {@code presented} (dashes, spaces and case ignored), or -1.
     * Every entry is compared in constant time, and the scan does not stop at the match. Null entries (codes
     * already used) are skipped. The caller removes/nulls the matched entry so the code is used once.
     */
    public static int match(String presented, List<String> hashes) {
        if (hashes == null || hashes.isEmpty()) {
            return -1;
        }
        String normalized = normalize(presented);
        if (normalized == null) {
            return -1;
        }
        byte[] digest = sha256(normalized);
        int found = -1;
        for (int i = 0; i < hashes.size(); i++) {
            byte[] stored = parseHex(hashes.get(i));
            if (stored != null && MessageDigest.isEqual(digest, stored) && found < 0) {
                found = i;
            }
        }
        return found;
    }

    /** Lower case without dashes and whitespace; null unless exactly 12 alphabet characters remain. */
    static String normalize(String code) {
        if (code == null || code.length() > 64) {
            return null;
        }
        StringBuilder sb = new StringBuilder(CODE_CHARS);
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '-' || Character.isWhitespace(c)) {
                continue;
            }
            c = Character.toLowerCase(c);
            if (ALPHABET.indexOf(c) < 0) {
                return null;
            }
            sb.append(c);
        }
        return sb.length() == CODE_CHARS ? sb.toString() : null;
    }

    private static byte[] parseHex(String hex) {
        if (hex == null || hex.length() != 64) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
