package com.softdew.vms.control.auth.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;

import org.apache.commons.codec.binary.Base32;
import org.junit.jupiter.api.Test;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;

class TotpServiceTest {

    /** RFC 6238 Appendix B SHA-1 seed: ASCII "12345678901234567890". */
    private static final byte[] RFC_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final String RFC_SEED_B32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /** RFC 6238 Appendix B, SHA1 column: unix time -> 8-digit TOTP. */
    private static final long[][] RFC_VECTORS = {
        {59L, 94287082L},
        {1111111109L, 7081804L},
        {1111111111L, 14050471L},
        {1234567890L, 89005924L},
        {2000000000L, 69279037L},
        {20000000000L, 65353130L},
    };

    private final TotpService totp = new TotpService();

    @Test
    void rfc6238AppendixBSha1Vectors() throws Exception {
        TimeBasedOneTimePasswordGenerator eight = new TimeBasedOneTimePasswordGenerator(Duration.ofSeconds(30), 8,
                TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1);
        SecretKeySpec key = new SecretKeySpec(RFC_SEED, "HmacSHA1");
        for (long[] v : RFC_VECTORS) {
            Instant t = Instant.ofEpochSecond(v[0]);
            assertEquals(v[1], eight.generateOneTimePassword(key, t), "t=" + v[0]);
            // The 6-digit code is the same truncation mod 10^6: the service must produce and accept it.
            String six = String.format("%06d", v[1] % 1_000_000);
            assertEquals(six, totp.codeAt(RFC_SEED_B32, t), "t=" + v[0]);
            assertEquals(OptionalLong.of(v[0] / 30), totp.verify(RFC_SEED_B32, six, t, -1), "t=" + v[0]);
        }
        assertArrayEquals(RFC_SEED, new Base32().decode(RFC_SEED_B32));
    }

    @Test
    void newSecretIs160BitBase32WithoutPadding() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String s = totp.newSecret();
            assertTrue(s.matches("[A-Z2-7]{32}"), s);
            assertEquals(20, new Base32().decode(s).length);
            assertTrue(seen.add(s));
        }
    }

    @Test
    void roundTripSixDigits() {
        String secret = totp.newSecret();
        Instant now = Instant.parse("2025-06-01T12:00:10Z");
        String code = totp.codeAt(secret, now);
        assertTrue(code.matches("\\d{6}"), code);
        long t0 = System.nanoTime();
        OptionalLong step = totp.verify(secret, code, now, -1);
        long nanos = System.nanoTime() - t0;
        assertEquals(OptionalLong.of(now.getEpochSecond() / 30), step);
        // lower-case / spaced secret as a user might type it
        assertEquals(step, totp.verify(secret.toLowerCase().replaceAll("(.{4})", "$1 "), code, now, -1));
        // wrong code
        String wrong = String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
        assertTrue(totp.verify(secret, wrong, now, -1).isEmpty());
        // other secret
        assertTrue(totp.verify(totp.newSecret(), code, now, -1).isEmpty());
        System.out.printf("totp verify (first call, window of 3): %.3f ms%n", nanos / 1e6);
    }

    @Test
    void verifyTiming() {
        String secret = totp.newSecret();
        Instant now = Instant.parse("2025-06-01T12:00:10Z");
        String code = totp.codeAt(secret, now);
        for (int i = 0; i < 2000; i++) { // warm-up
            totp.verify(secret, code, now, -1);
        }
        int n = 5000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            assertTrue(totp.verify(secret, code, now, -1).isPresent());
        }
        System.out.printf("totp verify (warm, mean of %d): %.1f us%n", n, (System.nanoTime() - t0) / 1e3 / n);
    }

    @Test
    void replayOfSameOrOlderStepRejected() {
        Instant now = Instant.ofEpochSecond(1_700_000_015L);
        long current = TotpService.step(now);
        String code = totp.codeAt(RFC_SEED_B32, now);
        OptionalLong first = totp.verify(RFC_SEED_B32, code, now, -1);
        assertEquals(OptionalLong.of(current), first);
        // the very same code again, seconds later, within the same step
        assertTrue(totp.verify(RFC_SEED_B32, code, now.plusSeconds(5), first.getAsLong()).isEmpty());
        // still inside the window on the next step, but already used
        assertTrue(totp.verify(RFC_SEED_B32, code, now.plusSeconds(30), first.getAsLong()).isEmpty());
        // an older (previous-step) code after a newer one was used
        String previous = totp.codeAt(RFC_SEED_B32, now.minusSeconds(30));
        assertTrue(totp.verify(RFC_SEED_B32, previous, now, current).isEmpty());
        assertEquals(OptionalLong.of(current - 1), totp.verify(RFC_SEED_B32, previous, now, current - 2));
        // the next step's code is still fine after the current one was used
        String next = totp.codeAt(RFC_SEED_B32, now.plusSeconds(30));
        assertEquals(OptionalLong.of(current + 1), totp.verify(RFC_SEED_B32, next, now, current));
    }

    @Test
    void windowIsExactlyOneStepEitherSide() {
        long current = 56_666_666L;
        // at the first and the last second of the step
        for (Instant now : new Instant[] {Instant.ofEpochSecond(current * 30), Instant.ofEpochSecond(current * 30 + 29)}) {
            assertEquals(current, TotpService.step(now));
            for (long delta = -3; delta <= 3; delta++) {
                String code = totp.codeAt(RFC_SEED_B32, Instant.ofEpochSecond((current + delta) * 30));
                OptionalLong r = totp.verify(RFC_SEED_B32, code, now, -1);
                if (Math.abs(delta) <= 1) {
                    assertEquals(OptionalLong.of(current + delta), r, "delta " + delta + " at " + now);
                } else {
                    assertTrue(r.isEmpty(), "delta " + delta + " at " + now);
                }
            }
        }
        // one second later it is the next step: the code of current-1 is now two steps old
        String old = totp.codeAt(RFC_SEED_B32, Instant.ofEpochSecond((current - 1) * 30));
        assertTrue(totp.verify(RFC_SEED_B32, old, Instant.ofEpochSecond(current * 30 + 29), -1).isPresent());
        assertTrue(totp.verify(RFC_SEED_B32, old, Instant.ofEpochSecond(current * 30 + 30), -1).isEmpty());
    }

    @Test
    void onlyExactlySixAsciiDigits() {
        Instant now = Instant.ofEpochSecond(59);
        assertTrue(totp.verify(RFC_SEED_B32, "287082", now, -1).isPresent());
        String[] bad = {null, "", "28708", "2870820", "94287082", " 287082", "287082 ", "287 082", "28708a",
                        "+87082", "-87082", "２８７０８２" /* full-width digits */, "٢٨٧٠٨٢" /* Arabic-Indic */};
        for (String code : bad) {
            assertTrue(totp.verify(RFC_SEED_B32, code, now, -1).isEmpty(), String.valueOf(code));
        }
    }

    @Test
    void malformedSecretsRejected() {
        Instant now = Instant.ofEpochSecond(59);
        for (String s : new String[] {null, "", "GEZDGNBVGY3TQOJ1", "not base32!", "GEZDGNBV" /* 40 bits */}) {
            assertTrue(totp.verify(s, "287082", now, -1).isEmpty(), String.valueOf(s));
        }
        assertThrows(IllegalArgumentException.class, () -> totp.otpauthUri("Softdew", "alice", "0000"));
    }

    @Test
    void otpauthUriIsEncoded() throws Exception {
        String uri = totp.otpauthUri("Softdew VMS", "alice+ops@example.com", RFC_SEED_B32);
        assertEquals("otpauth://totp/Softdew%20VMS:alice%2Bops%40example.com?secret=" + RFC_SEED_B32
                + "&issuer=Softdew%20VMS&algorithm=SHA1&digits=6&period=30", uri);
        URI parsed = new URI(uri);
        assertEquals("otpauth", parsed.getScheme());
        assertEquals("totp", parsed.getHost());
        assertEquals("/Softdew VMS:alice+ops@example.com", parsed.getPath());

        String tricky = totp.otpauthUri("A&B=C?#", "jörg", RFC_SEED_B32.toLowerCase());
        assertEquals("otpauth://totp/A%26B%3DC%3F%23:j%C3%B6rg?secret=" + RFC_SEED_B32
                + "&issuer=A%26B%3DC%3F%23&algorithm=SHA1&digits=6&period=30", tricky);
        assertEquals("/A&B=C?#:jörg", new URI(tricky).getPath());

        assertThrows(IllegalArgumentException.class, () -> totp.otpauthUri("Soft:dew", "alice", RFC_SEED_B32));
        assertThrows(IllegalArgumentException.class, () -> totp.otpauthUri("Softdew", "al:ice", RFC_SEED_B32));
        assertThrows(IllegalArgumentException.class, () -> totp.otpauthUri(" ", "alice", RFC_SEED_B32));
    }

    @Test
    void qrPngDecodesToTheUri() throws Exception {
        String uri = totp.otpauthUri("Softdew VMS", "alice@example.com", totp.newSecret());
        byte[] png = totp.qrPng(uri, 256);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(256, image.getWidth());
        assertEquals(256, image.getHeight());
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
        Result result = new MultiFormatReader().decode(bitmap, Map.of(DecodeHintType.PURE_BARCODE, Boolean.FALSE));
        assertEquals(BarcodeFormat.QR_CODE, result.getBarcodeFormat());
        assertEquals(uri, result.getText());
        // different URI, different picture
        assertNotEquals(Arrays.hashCode(png), Arrays.hashCode(totp.qrPng(uri + "x", 256)));
        assertThrows(IllegalArgumentException.class, () -> totp.qrPng(uri, 10));
    }
}
