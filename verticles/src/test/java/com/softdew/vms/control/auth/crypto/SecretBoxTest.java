package com.softdew.vms.control.auth.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SecretBoxTest {

    private static final String PLAINTEXT = "rtsp-password-S3cr3t!";
    private static final String CTX = "tenant-42:camera.password";

    private static byte[] key(int fill) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) fill);
        return k;
    }

    private static SecretBox box(String kid, byte[] key) {
        return new SecretBox(Map.of(kid, key), kid);
    }

    /** Asserts an IllegalArgumentException whose message reveals neither the plaintext nor key material. */
    private static IllegalArgumentException rejects(Executable e, String... secrets) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        String msg = String.valueOf(ex.getMessage());
        assertFalse(msg.contains(PLAINTEXT), msg);
        for (String s : secrets) {
            assertFalse(msg.contains(s), msg);
        }
        return ex;
    }

    @Test
    void roundTrip() {
        SecretBox box = box("k1", key(1));
        for (String pt : new String[] {PLAINTEXT, "", "ünïcødé ✓ \uD83D\uDD11", "x".repeat(10_000)}) {
            String sealed = box.seal(pt, CTX);
            assertTrue(sealed.matches("v1\\.k1\\.[A-Za-z0-9_-]+"), sealed);
            assertEquals(pt, box.open(sealed, CTX));
            byte[] blob = Base64.getUrlDecoder().decode(sealed.substring("v1.k1.".length()));
            assertEquals(12 + pt.getBytes(StandardCharsets.UTF_8).length + 16, blob.length);
        }
        assertFalse(box.seal(PLAINTEXT, CTX).contains(PLAINTEXT));
    }

    @Test
    void layoutIsIvCiphertextTagWithContextAsAad() throws Exception {
        // Decrypt independently with the JDK: proves the documented format, not just seal/open symmetry.
        SecretBox box = box("k1", key(7));
        String sealed = box.seal(PLAINTEXT, CTX);
        byte[] blob = Base64.getUrlDecoder().decode(sealed.substring("v1.k1.".length()));
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key(7), "AES"), new GCMParameterSpec(128, blob, 0, 12));
        c.updateAAD(CTX.getBytes(StandardCharsets.UTF_8));
        assertEquals(PLAINTEXT, new String(c.doFinal(blob, 12, blob.length - 12), StandardCharsets.UTF_8));
    }

    @Test
    void ivIsFreshEachTime() {
        SecretBox box = box("k1", key(1));
        String a = box.seal(PLAINTEXT, CTX);
        String b = box.seal(PLAINTEXT, CTX);
        assertNotEquals(a, b);
        assertNotEquals(a.substring(6, 22), b.substring(6, 22)); // first 16 base64 chars = 12 IV bytes
    }

    @Test
    void wrongContextRejected() {
        SecretBox box = box("k1", key(1));
        String sealed = box.seal(PLAINTEXT, CTX);
        rejects(() -> box.open(sealed, "tenant-43:camera.password"));
        rejects(() -> box.open(sealed, "tenant-42:webhook.secret"));
        rejects(() -> box.open(sealed, ""));
        assertEquals(PLAINTEXT, box.open(sealed, CTX));
    }

    @Test
    void everyTamperedByteRejected() {
        SecretBox box = box("k1", key(1));
        String sealed = box.seal(PLAINTEXT, CTX);
        byte[] blob = Base64.getUrlDecoder().decode(sealed.substring(6));
        for (int i = 0; i < blob.length; i++) { // IV, ciphertext and tag
            byte[] t = blob.clone();
            t[i] ^= 0x01;
            String tampered = "v1.k1." + Base64.getUrlEncoder().withoutPadding().encodeToString(t);
            rejects(() -> box.open(tampered, CTX));
        }
        // truncated tag, appended byte
        rejects(() -> box.open("v1.k1." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOf(blob, blob.length - 1)), CTX));
        rejects(() -> box.open("v1.k1." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOf(blob, blob.length + 1)), CTX));
    }

    @Test
    void wrongKeyAndUnknownKidRejected() {
        String sealed = box("k1", key(1)).seal(PLAINTEXT, CTX);
        // same kid, other key material
        rejects(() -> box("k1", key(2)).open(sealed, CTX));
        // kid not in the keyring
        IllegalArgumentException ex = rejects(() -> box("k2", key(1)).open(sealed, CTX));
        assertTrue(ex.getMessage().contains("unknown key id"), ex.getMessage());
        // kid swapped to another key of the ring
        Map<String, byte[]> ring = new LinkedHashMap<>();
        ring.put("k1", key(1));
        ring.put("k2", key(2));
        SecretBox both = new SecretBox(ring, "k1");
        assertEquals(PLAINTEXT, both.open(sealed, CTX));
        rejects(() -> both.open(sealed.replace("v1.k1.", "v1.k2."), CTX));
    }

    @Test
    void malformedRejected() {
        SecretBox box = box("k1", key(1));
        String sealed = box.seal(PLAINTEXT, CTX);
        String data = sealed.substring(6);
        String[] bad = {null, "", "v1", "v1.k1", "v1.k1.", "v2.k1." + data, "V1.k1." + data, "v1..", "v1.." + data,
                        "v1.k1." + data + ".x", "v1.k 1." + data, "v1.k1." + data + "=", "v1.k1." + data + "!",
                        "v1.k1." + data.replace('-', '+').replace('_', '/') + "+/", "v1.k1.AAAA", PLAINTEXT};
        for (String s : bad) {
            rejects(() -> box.open(s, CTX));
        }
        assertThrows(IllegalArgumentException.class, () -> box.needsReseal("garbage"));
    }

    @Test
    void rotationWithFromConfig() {
        String k1 = SecretBox.newKeySpec("k1");
        String k2 = SecretBox.newKeySpec("k2");
        assertTrue(k1.matches("k1:[A-Za-z0-9+/]{43}="), k1);
        assertNotEquals(k1.substring(3), k2.substring(3));

        SecretBox old = SecretBox.fromConfig(k1);
        assertEquals("k1", old.currentKid());
        String sealedOld = old.seal(PLAINTEXT, CTX);
        assertFalse(old.needsReseal(sealedOld));

        SecretBox rotated = SecretBox.fromConfig(" " + k2 + " , " + k1 + " ");
        assertEquals("k2", rotated.currentKid());
        assertEquals(PLAINTEXT, rotated.open(sealedOld, CTX));
        assertTrue(rotated.needsReseal(sealedOld));
        String resealed = rotated.seal(rotated.open(sealedOld, CTX), CTX);
        assertTrue(resealed.startsWith("v1.k2."));
        assertFalse(rotated.needsReseal(resealed));
        // the old box cannot open values made under the new key
        rejects(() -> old.open(resealed, CTX));
        // order matters: first entry is current
        assertEquals("k1", SecretBox.fromConfig(k1 + "," + k2).currentKid());
        // toString shows no key material
        assertFalse(rotated.toString().contains(k1.substring(3)));
        assertFalse(rotated.toString().contains(k2.substring(3)));
    }

    @Test
    void fromConfigErrorsDoNotEchoKeys() {
        String k1 = SecretBox.newKeySpec("k1");
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        String material = k1.substring(3);
        rejects(() -> SecretBox.fromConfig(null));
        rejects(() -> SecretBox.fromConfig(""));
        rejects(() -> SecretBox.fromConfig("k1"));
        rejects(() -> SecretBox.fromConfig(":" + material), material);
        rejects(() -> SecretBox.fromConfig("k2:" + shortKey), shortKey);
        rejects(() -> SecretBox.fromConfig("k2:" + material + "!!"), material);
        rejects(() -> SecretBox.fromConfig(k1 + "," + k1), material);
        rejects(() -> SecretBox.fromConfig("bad.kid:" + material), material);
        rejects(() -> SecretBox.fromConfig(k1 + ","), material);
        // URL-safe Base64 is accepted too
        String urlSafe = "k3:" + Base64.getUrlEncoder().encodeToString(key(0xFB));
        assertTrue(urlSafe.contains("-") || urlSafe.contains("_"));
        SecretBox box = SecretBox.fromConfig(urlSafe);
        assertEquals(PLAINTEXT, box("k3", key(0xFB)).open(box.seal(PLAINTEXT, CTX), CTX));
    }

    @Test
    void constructorValidates() {
        assertThrows(IllegalArgumentException.class, () -> new SecretBox(Map.of("k1", new byte[16]), "k1"));
        assertThrows(IllegalArgumentException.class, () -> new SecretBox(Map.of("k1", key(1)), "k2"));
        assertThrows(IllegalArgumentException.class, () -> new SecretBox(Map.of("k.1", key(1)), "k.1"));
        assertThrows(IllegalArgumentException.class, () -> SecretBox.newKeySpec("a:b"));
        // the caller's array is copied
        byte[] k = key(1);
        SecretBox box = box("k1", k);
        String sealed = box.seal(PLAINTEXT, CTX);
        Arrays.fill(k, (byte) 0);
        assertEquals(PLAINTEXT, box.open(sealed, CTX));
    }
}
