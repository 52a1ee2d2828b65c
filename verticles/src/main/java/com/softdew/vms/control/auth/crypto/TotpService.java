package com.softdew.vms.control.auth.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

import javax.crypto.spec.SecretKeySpec;

import org.apache.commons.codec.CodecPolicy;
import org.apache.commons.codec.binary.Base32;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

/**
 * RFC 6238 TOTP second factor (java-otp), with the parameters every authenticator app supports: HMAC-SHA1,
 * 6 digits, 30-second steps. Secrets are 160 bits (the RFC 4226 recommended length), Base32 without padding.
 *
 * <p>{@link #verify} accepts the current step and one step either side (clock skew, slow typing) and returns
 * the step that matched; the caller stores it as {@code lastUsedStep} so the same code, or an older one,
 * cannot be replayed (RFC 6238 section 5.2).
 *
 * <p>Thread-safe.
 */
public final class TotpService {

    public static final int DIGITS = 6;
    public static final Duration PERIOD = Duration.ofSeconds(30);
    public static final String ALGORITHM = "SHA1";
    public static final int SECRET_BYTES = 20;
    /** Steps accepted either side of the current one. */
    public static final int WINDOW = 1;

    private static final String HMAC = TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1;

    private final TimeBasedOneTimePasswordGenerator generator =
            new TimeBasedOneTimePasswordGenerator(PERIOD, DIGITS, HMAC);
    private final SecureRandom random;

    public TotpService() {
        this(new SecureRandom());
    }

    TotpService(SecureRandom random) {
        this.random = Objects.requireNonNull(random);
    }

    /** A new 160-bit secret, Base32 (RFC 4648, upper case) without padding: 32 characters. */
    public String newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return base32().encodeToString(secret).replace("=", "");
    }

    /**
     * The Key Uri Format URI shown as QR code: {@code otpauth://totp/Issuer:account?secret=..&issuer=..
     * &algorithm=SHA1&digits=6&period=30}. Issuer and account are percent-encoded (UTF-8, space as %20);
     * neither may contain a colon, since apps split the label on it.
     */
    public String otpauthUri(String issuer, String account, String secretBase32) {
        requireLabelPart(issuer, "issuer");
        requireLabelPart(account, "account");
        byte[] key = decodeSecret(secretBase32);
        if (key == null) {
            throw new IllegalArgumentException("secret is not valid Base32");
        }
        String secret = base32().encodeToString(key).replace("=", "");
        return "otpauth://totp/" + encode(issuer) + ":" + encode(account)
                + "?secret=" + secret
                + "&issuer=" + encode(issuer)
                + "&algorithm=" + ALGORITHM
                + "&digits=" + DIGITS
                + "&period=" + PERIOD.toSeconds();
    }

    /** A {@code size} x {@code size} PNG QR code (error correction M, 4-module quiet zone) of {@code uri}. */
    public byte[] qrPng(String uri, int size) {
        Objects.requireNonNull(uri, "uri");
        if (size < 64 || size > 2048) {
            throw new IllegalArgumentException("size must be in 64..2048");
        }
        Map<EncodeHintType, Object> hints = new EnumMap<>(EncodeHintType.class);
        hints.put(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M);
        hints.put(EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name());
        hints.put(EncodeHintType.MARGIN, 4);
        try {
            BitMatrix matrix = new QRCodeWriter().encode(uri, BarcodeFormat.QR_CODE, size, size, hints);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            MatrixToImageWriter.writeToStream(matrix, "PNG", out);
            return out.toByteArray();
        } catch (WriterException e) {
            throw new IllegalArgumentException("cannot encode QR code: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks a 6-digit code at {@code now}, accepting steps {@code current-1 .. current+1}.
     *
     * @param lastUsedStep the step returned by the last successful verify for this secret ({@code -1} or
     *                     {@link Long#MIN_VALUE} if none); this step and older ones are rejected (replay)
     * @return the matched time step (store it as the new {@code lastUsedStep}), or empty when the code is
     *         wrong, not exactly 6 ASCII digits, replayed, or the secret is malformed
     */
    public OptionalLong verify(String secretBase32, String code, Instant now, long lastUsedStep) {
        Objects.requireNonNull(now, "now");
        if (code == null || code.length() != DIGITS) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < DIGITS; i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
        }
        byte[] keyBytes = decodeSecret(secretBase32);
        if (keyBytes == null) {
            return OptionalLong.empty();
        }
        Key key = new SecretKeySpec(keyBytes, HMAC);
        byte[] presented = code.getBytes(StandardCharsets.US_ASCII);
        long current = step(now);
        long matched = Long.MIN_VALUE;
        // Every step in the window is computed and compared (constant-time), whatever matches first.
        for (long s = current - WINDOW; s <= current + WINDOW; s++) {
            byte[] expected = codeAt(key, s).getBytes(StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, presented) && s > lastUsedStep && matched == Long.MIN_VALUE) {
                matched = s;
            }
        }
        return matched == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(matched);
    }

    /** The RFC 6238 time step (T) containing {@code instant}: floor(unix seconds / 30). */
    public static long step(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), PERIOD.toSeconds());
    }

    /** The 6-digit code for {@code secretBase32} at {@code instant} (for tests and enrolment checks). */
    public String codeAt(String secretBase32, Instant instant) {
        byte[] keyBytes = decodeSecret(secretBase32);
        if (keyBytes == null) {
            throw new IllegalArgumentException("secret is not valid Base32");
        }
        return codeAt(new SecretKeySpec(keyBytes, HMAC), step(instant));
    }

    private String codeAt(Key key, long step) {
        try {
            return generator.generateOneTimePasswordString(key, Instant.ofEpochSecond(step * PERIOD.toSeconds()),
                    Locale.ROOT);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HMAC key rejected", e);
        }
    }

    /** Decodes a Base32 secret as typed or stored: case-insensitive, spaces and padding ignored. Null if invalid. */
    static byte[] decodeSecret(String secretBase32) {
        if (secretBase32 == null) {
            return null;
        }
        String s = secretBase32.replace(" ", "").replace("=", "").toUpperCase(Locale.ROOT);
        if (s.isEmpty() || s.length() > 128) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) {
                return null;
            }
        }
        // Re-pad to a multiple of 8 and decode strictly (trailing bits must be zero).
        StringBuilder padded = new StringBuilder(s);
        while (padded.length() % 8 != 0) {
            padded.append('=');
        }
        try {
            byte[] key = base32().decode(padded.toString());
            return key.length < 16 ? null : key; // RFC 4226 section 4: the shared secret MUST be >= 128 bits
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Strict decoding: rejects non-zero trailing bits instead of silently dropping them. Thread-safe. */
    private static final Base32 BASE32 = new Base32(0, null, false, (byte) '=', CodecPolicy.STRICT);

    private static Base32 base32() {
        return BASE32;
    }

    private static void requireLabelPart(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException(name + " must not contain ':'");
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
