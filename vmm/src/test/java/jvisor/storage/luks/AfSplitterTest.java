package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.security.SecureRandom;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The AF splitter's round trip, and that every stripe matters. Agreement with cryptsetup's
 * splitter is shown by unlocking its volumes (CryptsetupImagesTest), including a 32-byte key
 * diffused with sha512, where the last hash block is cut short.
 */
final class AfSplitterTest {
    @Property(tries = 40)
    void merge_undoes_split(@ForAll HashAlgorithm hash, @ForAll @IntRange(min = 1, max = 100) int keyBytes,
            @ForAll @IntRange(min = 1, max = 4000) int stripes) {
        byte[] key = Images.pattern(keyBytes, keyBytes);
        byte[] material = AfSplitter.split(key, stripes, hash, new SecureRandom());
        assertArrayEquals(key, AfSplitter.merge(material, keyBytes, stripes, hash));
    }

    @Property(tries = 20)
    void a_damaged_stripe_loses_the_key(@ForAll HashAlgorithm hash, @ForAll @IntRange(min = 0, max = 3999) int stripe) {
        byte[] key = Images.pattern(1, 64);
        byte[] material = AfSplitter.split(key, 4000, hash, new SecureRandom());
        material[stripe * 64] ^= 1;
        assertFalse(Arrays.equals(key, AfSplitter.merge(material, 64, 4000, hash)));
    }
}
