package com.softdew.vms.control.auth.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RecoveryCodesTest {

    private final RecoveryCodes codes = new RecoveryCodes();

    @Test
    void alphabetIs32UnambiguousSymbols() {
        String a = RecoveryCodes.ALPHABET;
        assertEquals(32, a.length());
        assertEquals(32, a.chars().distinct().count());
        for (char ambiguous : new char[] {'0', 'o', '1', 'l'}) {
            assertTrue(a.indexOf(ambiguous) < 0, "contains " + ambiguous);
        }
        assertTrue(a.chars().allMatch(c -> (c >= '2' && c <= '9') || (c >= 'a' && c <= 'z')));
        // 12 symbols x log2(32) = 60 bits
        assertEquals(60, RecoveryCodes.CODE_CHARS * Integer.numberOfTrailingZeros(a.length()));
    }

    @Test
    void generatesTenDistinctFormattedCodes() {
        List<String> list = codes.generate();
        assertEquals(10, list.size());
        assertEquals(10, new HashSet<>(list).size());
        for (String c : list) {
            assertTrue(c.matches("[23456789abcdefghijkmnpqrstuvwxyz]{4}(-[23456789abcdefghijkmnpqrstuvwxyz]{4}){2}"), c);
        }
        assertEquals(3, codes.generate(3).size());
        assertThrows(IllegalArgumentException.class, () -> codes.generate(0));
    }

    @Test
    void everySymbolIsUsed() {
        // 12,000 draws: each of the 32 symbols is missing with probability ~ 32 * (31/32)^12000 = 1e-164.
        // Catches an off-by-one such as nextInt(31).
        Set<Character> used = new HashSet<>();
        for (String c : codes.generate(100)) {
            for (char ch : c.replace("-", "").toCharArray()) {
                used.add(ch);
            }
        }
        for (int i = 0; i < 9; i++) {
            for (String c : codes.generate(100)) {
                for (char ch : c.replace("-", "").toCharArray()) {
                    used.add(ch);
                }
            }
        }
        assertEquals(32, used.size());
    }

    @Test
    void hashIsSha256HexOfNormalizedCode() {
        // python3 -c "import hashlib; print(hashlib.sha256(b'7kq492mfx3pa').hexdigest())"
        String expected = "408988fb712cde832efe725cf1ab992619add8612ba4ee0f20cd4c45e7a0f00c";
        assertEquals(List.of(expected, expected, expected),
                RecoveryCodes.hashes(List.of("7kq4-92mf-x3pa", "7KQ4 92MF X3PA", "7kq492mfx3pa")));
        assertThrows(IllegalArgumentException.class, () -> RecoveryCodes.hashes(List.of("not-a-code")));
    }

    @Test
    void matchReturnsIndexOrMinusOne() {
        List<String> list = codes.generate();
        List<String> hashes = RecoveryCodes.hashes(list);
        for (int i = 0; i < list.size(); i++) {
            assertEquals(i, RecoveryCodes.match(list.get(i), hashes));
            assertEquals(i, RecoveryCodes.match(" " + list.get(i).toUpperCase().replace("-", " ") + " ", hashes));
        }
        String first = list.get(0);
        // one symbol changed
        char c = first.charAt(0);
        String changed = (c == '2' ? '3' : '2') + first.substring(1);
        assertEquals(-1, RecoveryCodes.match(changed, hashes));
        // truncated, extended, junk, empty
        assertEquals(-1, RecoveryCodes.match(first.substring(0, first.length() - 1), hashes));
        assertEquals(-1, RecoveryCodes.match(first + "a", hashes));
        assertEquals(-1, RecoveryCodes.match("0000-0000-0000", hashes));
        assertEquals(-1, RecoveryCodes.match("", hashes));
        assertEquals(-1, RecoveryCodes.match(null, hashes));
        assertEquals(-1, RecoveryCodes.match(first, List.of()));
        // a code from another set
        assertEquals(-1, RecoveryCodes.match(codes.generate(1).get(0), hashes));
        // a used code (entry nulled by the caller) no longer matches; the others keep their index
        List<String> afterUse = new ArrayList<>(hashes);
        afterUse.set(0, null);
        assertEquals(-1, RecoveryCodes.match(first, afterUse));
        assertEquals(1, RecoveryCodes.match(list.get(1), afterUse));
        // stored hashes in upper case still match; garbage entries are skipped
        List<String> upper = new ArrayList<>(hashes);
        upper.replaceAll(String::toUpperCase);
        upper.set(2, "zz");
        assertEquals(3, RecoveryCodes.match(list.get(3), upper));
        assertEquals(-1, RecoveryCodes.match(list.get(2), upper));
        // duplicates (not produced by generate, but possible in a hand-edited row): the first index wins
        assertEquals(0, RecoveryCodes.match(list.get(4), List.of(hashes.get(4), hashes.get(4))));
    }
}
