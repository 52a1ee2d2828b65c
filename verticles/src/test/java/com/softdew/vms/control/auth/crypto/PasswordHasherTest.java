package com.softdew.vms.control.auth.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    /** Small parameters so the tests stay fast; the default-params test below uses the real ones. */
    private final PasswordHasher fast = new PasswordHasher(256, 1, 1);

    /* Produced by the reference implementation (Debian package argon2, 0~20171227):
       echo -n "correct horse battery staple" | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e */
    private static final String REF_SMALL =
            "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jl9aMRiFdmA52uqiivDqYVot6fVz3erNUlWPoxyg46A";
    /* echo -n "password" | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e */
    private static final String REF_DEFAULT =
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE";

    @Test
    void roundTripAndWrongPassword() {
        String encoded = fast.hash("correct horse battery staple".toCharArray());
        assertTrue(encoded.matches("\\$argon2id\\$v=19\\$m=256,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"),
                encoded);
        assertTrue(fast.verify("correct horse battery staple".toCharArray(), encoded));
        assertFalse(fast.verify("correct horse battery stapl".toCharArray(), encoded));
        assertFalse(fast.verify("Correct horse battery staple".toCharArray(), encoded));
        assertFalse(fast.verify("".toCharArray(), encoded));
        assertFalse(fast.verify(null, encoded));
    }

    @Test
    void saltIsRandom() {
        String a = fast.hash("same password!!".toCharArray());
        String b = fast.hash("same password!!".toCharArray());
        assertNotEquals(a, b);
        assertTrue(fast.verify("same password!!".toCharArray(), a));
        assertTrue(fast.verify("same password!!".toCharArray(), b));
    }

    @Test
    void matchesReferenceImplementationByteForByte() {
        // With the reference salt, hash() must produce exactly the reference CLI's PHC string.
        PasswordHasher fixedSalt = new PasswordHasher(1024, 2, 1, new FixedRandom("somesaltsomesalt"));
        assertEquals(REF_SMALL, fixedSalt.hash("correct horse battery staple".toCharArray()));
        // and verify() accepts the reference's string whatever this hasher's own parameters are
        assertTrue(fast.verify("correct horse battery staple".toCharArray(), REF_SMALL));
        assertFalse(fast.verify("correct horse battery staplE".toCharArray(), REF_SMALL));
    }

    @Test
    void defaultParametersOwasp() {
        PasswordHasher hasher = new PasswordHasher();
        char[] pw = "a long enough passphrase".toCharArray();
        long t0 = System.nanoTime();
        String encoded = hasher.hash(pw);
        long hashNanos = System.nanoTime() - t0;
        assertTrue(encoded.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), encoded);
        t0 = System.nanoTime();
        assertTrue(hasher.verify(pw, encoded));
        long verifyNanos = System.nanoTime() - t0;
        assertTrue(hasher.verify("password".toCharArray(), REF_DEFAULT));
        assertFalse(hasher.verify("passwore".toCharArray(), REF_DEFAULT));
        assertFalse(hasher.needsRehash(encoded));
        System.out.printf("argon2id m=19456,t=2,p=1: hash %.1f ms, verify %.1f ms%n",
                hashNanos / 1e6, verifyNanos / 1e6);
    }

    @Test
    void tamperedHashOrSaltOrParamsRejected() {
        String encoded = fast.hash("correct horse battery staple".toCharArray());
        int lastDollar = encoded.lastIndexOf('$');
        char[] pw = "correct horse battery staple".toCharArray();
        // flip the first hash character
        String badHash = encoded.substring(0, lastDollar + 1) + flip(encoded.charAt(lastDollar + 1))
                + encoded.substring(lastDollar + 2);
        assertFalse(fast.verify(pw, badHash));
        // flip the first salt character
        int saltStart = encoded.lastIndexOf('$', lastDollar - 1) + 1;
        String badSalt = encoded.substring(0, saltStart) + flip(encoded.charAt(saltStart))
                + encoded.substring(saltStart + 1);
        assertFalse(fast.verify(pw, badSalt));
        // other parameters give another hash
        assertFalse(fast.verify(pw, encoded.replace("t=1", "t=2")));
        assertFalse(fast.verify(pw, encoded.replace("m=256", "m=512")));
        // other variant
        assertFalse(fast.verify(pw, encoded.replace("$argon2id$", "$argon2i$")));
    }

    @Test
    void malformedEncodingsReturnFalseWithoutThrowing() {
        char[] pw = "correct horse battery staple".toCharArray();
        String salt = "c29tZXNhbHRzb21lc2FsdA";
        String hash = "Jl9aMRiFdmA52uqiivDqYVot6fVz3erNUlWPoxyg46A";
        String[] bad = {
            null, "", "$", "plaintext-password", "$argon2id$", "$argon2id$v=19$m=1024,t=2,p=1$" + salt,
            "$argon2id$v=16$m=1024,t=2,p=1$" + salt + "$" + hash,            // old version
            "$argon2id$m=1024,t=2,p=1$" + salt + "$" + hash,                 // version missing
            "$argon2d$v=19$m=1024,t=2,p=1$" + salt + "$" + hash,
            "$argon2id$v=19$t=2,m=1024,p=1$" + salt + "$" + hash,            // order
            "$argon2id$v=19$m=01024,t=2,p=1$" + salt + "$" + hash,           // leading zero
            "$argon2id$v=19$m=-1024,t=2,p=1$" + salt + "$" + hash,
            "$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + hash,
            "$argon2id$v=19$m=1024,t=2,p=0$" + salt + "$" + hash,
            "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + hash,     // overflow
            "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + hash,         // 4 GiB: refused, not allocated
            "$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + hash + "=",      // padding
            "$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + hash.substring(0, 10), // hash too short
            "$argon2id$v=19$m=1024,t=2,p=1$c29tZQ$" + hash,                  // salt too short
            "$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + "!!!notbase64!!!",
            "$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + hash + "$extra",
            "x$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + hash,
        };
        for (String encoded : bad) {
            assertFalse(fast.verify(pw, encoded), String.valueOf(encoded));
            assertTrue(fast.needsRehash(encoded), String.valueOf(encoded));
        }
        // sanity: the well-formed one verifies
        assertTrue(fast.verify(pw, "$argon2id$v=19$m=1024,t=2,p=1$" + salt + "$" + hash));
    }

    @Test
    void needsRehashWhenParametersDiffer() {
        String small = fast.hash("correct horse battery staple".toCharArray());
        assertFalse(fast.needsRehash(small));
        assertTrue(new PasswordHasher(512, 1, 1).needsRehash(small));
        assertTrue(new PasswordHasher(256, 2, 1).needsRehash(small));
        assertTrue(new PasswordHasher(256, 1, 2).needsRehash(small));
        assertTrue(new PasswordHasher().needsRehash(small));
        assertTrue(new PasswordHasher().needsRehash(REF_SMALL));
        // right parameters, other salt length: still rehash
        assertTrue(new PasswordHasher(1024, 2, 1).needsRehash(
                "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHQ$Jl9aMRiFdmA52uqiivDqYVot6fVz3erNUlWPoxyg46A"));
        assertFalse(new PasswordHasher(1024, 2, 1).needsRehash(REF_SMALL));
    }

    @Test
    void constructorRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new PasswordHasher(4, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new PasswordHasher(1024, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new PasswordHasher(1024, 1, 0));
    }

    @Test
    void policy() {
        assertNotNull(PasswordHasher.validatePolicy(null));
        assertNotNull(PasswordHasher.validatePolicy(""));
        assertNotNull(PasswordHasher.validatePolicy("elevenchars"));
        assertNull(PasswordHasher.validatePolicy("twelve chars"));
        assertNull(PasswordHasher.validatePolicy("x".repeat(127) + "y"));
        assertNotNull(PasswordHasher.validatePolicy("x".repeat(128) + "y"));
        assertNotNull(PasswordHasher.validatePolicy("aaaaaaaaaaaaaaaa"));
        assertNotNull(PasswordHasher.validatePolicy("\uD83D\uDD11".repeat(12))); // one repeated emoji
        assertNull(PasswordHasher.validatePolicy("aaaaaaaaaaab"));
        // length counts characters (code points), not UTF-16 units: 6 emoji are 12 chars in Java but too short
        assertNotNull(PasswordHasher.validatePolicy("\uD83D\uDD11\uD83D\uDD12".repeat(3)));
        assertNull(PasswordHasher.validatePolicy("\uD83D\uDD11\uD83D\uDD12".repeat(6)));
        String reason = PasswordHasher.validatePolicy("hunter2");
        assertFalse(reason.contains("hunter2"));
    }

    private static char flip(char c) {
        return c == 'A' ? 'B' : 'A';
    }

    /** Returns the given bytes from nextBytes (to reproduce the reference vector's salt). */
    private static final class FixedRandom extends SecureRandom {
        private final byte[] bytes;

        FixedRandom(String ascii) {
            this.bytes = ascii.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public void nextBytes(byte[] out) {
            assertEquals(bytes.length, out.length);
            System.arraycopy(bytes, 0, out, 0, out.length);
        }
    }
}
