package com.softdew.vms.control.auth.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM (JDK {@code javax.crypto}) for sensitive fields stored at rest: camera passwords, API keys,
 * webhook secrets.
 *
 * <p>Sealed form: {@code v1.<kid>.<base64url(iv || ciphertext || tag)>} (no padding), with a fresh random
 * 12-byte IV and a 128-bit tag. The {@code context} (e.g. {@code tenantId + ":" + field}) is bound as
 * additional authenticated data, so a value copied to another tenant or another column does not open.
 *
 * <p>Keys are identified by a key id, so they can be rotated: {@link #seal} always uses the current key,
 * {@link #open} any key of the keyring, and {@link #needsReseal} finds values to re-encrypt under the current
 * key. With random 96-bit IVs NIST SP 800-38D limits one key to 2^32 seals; rotate long before that.
 *
 * <p>Errors never carry the plaintext, the ciphertext or key material. Thread-safe (a new {@link Cipher} per
 * call).
 */
public final class SecretBox {

    public static final String VERSION = "v1";
    public static final int KEY_BYTES = 32;
    public static final int IV_BYTES = 12;
    public static final int TAG_BITS = 128;

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_D = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKey> keys;
    private final String currentKid;

    /**
     * @param keyring    key id to 32-byte key; the arrays are copied
     * @param currentKid the key used by {@link #seal}; must be in {@code keyring}
     */
    public SecretBox(Map<String, byte[]> keyring, String currentKid) {
        Objects.requireNonNull(keyring, "keyring");
        Map<String, SecretKey> copy = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : keyring.entrySet()) {
            String kid = e.getKey();
            if (kid == null || !KID.matcher(kid).matches()) {
                throw new IllegalArgumentException("key id must match " + KID.pattern());
            }
            byte[] key = e.getValue();
            if (key == null || key.length != KEY_BYTES) {
                throw new IllegalArgumentException("key '" + kid + "' must be " + KEY_BYTES + " bytes");
            }
            copy.put(kid, new SecretKeySpec(key, "AES")); // SecretKeySpec clones the array
        }
        if (currentKid == null || !copy.containsKey(currentKid)) {
            throw new IllegalArgumentException("current key id is not in the keyring");
        }
        this.keys = Collections.unmodifiableMap(copy);
        this.currentKid = currentKid;
    }

    /**
     * Parses {@code "kid1:base64key,kid2:base64key"} (standard or URL-safe Base64 of 32 bytes); the FIRST
     * entry is the current key, the others only open older values.
     */
    public static SecretBox fromConfig(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("secret key spec is empty");
        }
        Map<String, byte[]> keyring = new LinkedHashMap<>();
        String current = null;
        try {
            for (String entry : spec.split(",", -1)) {
                String trimmed = entry.trim();
                int colon = trimmed.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("secret key spec entries must be kid:base64key");
                }
                String kid = trimmed.substring(0, colon).trim();
                if (!KID.matcher(kid).matches()) {
                    throw new IllegalArgumentException("key id must match " + KID.pattern());
                }
                if (keyring.containsKey(kid)) {
                    throw new IllegalArgumentException("duplicate key id '" + kid + "'");
                }
                byte[] key = decodeKey(trimmed.substring(colon + 1).trim());
                if (key == null || key.length != KEY_BYTES) {
                    // no detail: the value is key material
                    throw new IllegalArgumentException("key '" + kid + "' is not Base64 of " + KEY_BYTES + " bytes");
                }
                keyring.put(kid, key);
                if (current == null) {
                    current = kid;
                }
            }
            return new SecretBox(keyring, current);
        } finally {
            keyring.values().forEach(k -> Arrays.fill(k, (byte) 0));
        }
    }

    /** A new {@code kid:base64key} entry (256-bit random key), to put first in the spec for rotation. */
    public static String newKeySpec(String kid) {
        if (kid == null || !KID.matcher(kid).matches()) {
            throw new IllegalArgumentException("key id must match " + KID.pattern());
        }
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        try {
            return kid + ":" + Base64.getEncoder().encodeToString(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    public String currentKid() {
        return currentKid;
    }

    /** Encrypts {@code plaintext} under the current key, binding {@code context} as AAD. */
    public String seal(String plaintext, String context) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(context, "context");
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        byte[] pt = plaintext.getBytes(StandardCharsets.UTF_8);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKid), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[IV_BYTES + cipher.getOutputSize(pt.length)];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            cipher.doFinal(pt, 0, pt.length, out, IV_BYTES);
            return VERSION + "." + currentKid + "." + B64URL.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(pt, (byte) 0);
        }
    }

    /**
     * Decrypts a value made by {@link #seal} with the same {@code context}.
     *
     * @throws IllegalArgumentException malformed value, unknown key id, or authentication failure (wrong
     *                                  context, wrong key, tampered data); the message names no secret
     */
    public String open(String sealed, String context) {
        Objects.requireNonNull(context, "context");
        Parsed p = parse(sealed);
        SecretKey key = keys.get(p.kid);
        if (key == null) {
            throw new IllegalArgumentException("sealed value uses unknown key id '" + p.kid + "'");
        }
        byte[] pt = null;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, p.blob, 0, IV_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            pt = cipher.doFinal(p.blob, IV_BYTES, p.blob.length - IV_BYTES);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(pt)).toString();
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("sealed value failed authentication (wrong key or context, or tampered)");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("sealed value does not decrypt to UTF-8 text");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("sealed value cannot be decrypted: " + e.getClass().getSimpleName());
        } finally {
            if (pt != null) {
                Arrays.fill(pt, (byte) 0);
            }
        }
    }

    /** True when {@code sealed} was made with a key other than the current one. */
    public boolean needsReseal(String sealed) {
        return !parse(sealed).kid.equals(currentKid);
    }

    @Override
    public String toString() {
        return "SecretBox[current=" + currentKid + ", kids=" + keys.keySet() + "]";
    }

    private record Parsed(String kid, byte[] blob) {
    }

    private static Parsed parse(String sealed) {
        if (sealed == null) {
            throw new IllegalArgumentException("sealed value is null");
        }
        int first = sealed.indexOf('.');
        int second = first < 0 ? -1 : sealed.indexOf('.', first + 1);
        if (first < 0 || second < 0 || sealed.indexOf('.', second + 1) >= 0) {
            throw new IllegalArgumentException("sealed value is not v1.<kid>.<data>");
        }
        if (!VERSION.equals(sealed.substring(0, first))) {
            throw new IllegalArgumentException("sealed value has unsupported version");
        }
        String kid = sealed.substring(first + 1, second);
        if (!KID.matcher(kid).matches()) {
            throw new IllegalArgumentException("sealed value has an invalid key id");
        }
        String data = sealed.substring(second + 1);
        byte[] blob;
        try {
            blob = data.indexOf('=') >= 0 ? null : B64URL_D.decode(data);
        } catch (IllegalArgumentException e) {
            blob = null;
        }
        if (blob == null || blob.length < IV_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("sealed value data is not base64url of iv, ciphertext and tag");
        }
        return new Parsed(kid, blob);
    }

    private static byte[] decodeKey(String b64) {
        try {
            return b64.indexOf('-') >= 0 || b64.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(b64)
                    : Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
