package jvisor.storage.luks;

import static jvisor.storage.luks.MaliceImages.LUKS1;
import static jvisor.storage.luks.MaliceImages.LUKS2;
import static jvisor.storage.luks.MaliceImages.PASSPHRASE;
import static jvisor.storage.luks.MaliceImages.mutated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random damage to headers: bytes of the LUKS1 phdr and key material, bytes of the LUKS2 binary
 * headers, values and text of the LUKS2 JSON with the checksums made right again (so the parser,
 * not the checksum, must catch it), and the image's length. Opening must end in a volume or a
 * {@link LuksException} with a one-line message within seconds: never another exception, an
 * out-of-memory error or a hang.
 */
final class HostileHeaderPropertiesTest {
    @Property(tries = 150)
    void luks1_byte_mutations_open_or_are_refused(@ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 1023) Integer> offsets,
            @ForAll @Size(min = 8, max = 8) List<Byte> values) {
        openOrRefuse(mutated(LUKS1, img -> {
            for (int i = 0; i < offsets.size(); i++) {
                // Most in the phdr, the rest in key slot 0's material at sector 8.
                long at = offsets.get(i) < 600 ? offsets.get(i) : 4096 + offsets.get(i);
                HeaderSurgery.poke(img, at, new byte[] {values.get(i)});
            }
        }));
    }

    @Property(tries = 60)
    void a_damaged_primary_luks2_header_falls_back_to_the_secondary(@ForAll @IntRange(min = 0, max = 16383) int at, @ForAll byte value) {
        Path image = mutated(LUKS2, img -> HeaderSurgery.poke(img, at, new byte[] {value}));
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            assertEquals(1 << 20, v.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 100)
    void luks2_binary_header_mutations_in_both_copies_open_or_are_refused(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 511) Integer> offsets,
            @ForAll @Size(min = 6, max = 6) List<Byte> values, @ForAll boolean reseal) {
        openOrRefuse(mutated(LUKS2, img -> {
            for (long copy : new long[] {0, 16384}) {
                byte[] h = Images.read(img, copy, 16384);
                for (int i = 0; i < offsets.size(); i++) {
                    h[offsets.get(i)] = values.get(i);
                }
                if (reseal) {
                    HeaderSurgery.reseal(h);
                }
                HeaderSurgery.poke(img, copy, h);
            }
        }));
    }

    @Property(tries = 250)
    void luks2_json_value_replacements_open_or_are_refused(@ForAll @IntRange(min = 0, max = 10_000) int node,
            @ForAll @IntRange(min = 0, max = NASTY_VALUES - 1) int nasty) {
        openOrRefuse(mutated(LUKS2, img -> {
            ObjectNode json = HeaderSurgery.json(img);
            List<Consumer<JsonNode>> places = new ArrayList<>();
            collect(json, places);
            places.get(node % places.size()).accept(nastyValue(nasty));
            HeaderSurgery.setJson(img, json);
        }));
    }

    @Property(tries = 150)
    void luks2_json_text_mutations_open_or_are_refused(@ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 2000) Integer> offsets,
            @ForAll @Size(min = 6, max = 6) List<Byte> values) {
        openOrRefuse(mutated(LUKS2, img -> {
            byte[] json = Images.read(img, 4096, 12288);
            int length = 0;
            while (json[length] != 0) {
                length++;
            }
            for (int i = 0; i < offsets.size(); i++) {
                json[offsets.get(i) % length] = values.get(i);
            }
            HeaderSurgery.setJson(img, Arrays.copyOf(json, length));
        }));
    }

    @Property(tries = 40)
    void truncated_images_open_or_are_refused(@ForAll @IntRange(min = 0, max = 2_200_000) int length, @ForAll boolean luks2) {
        openOrRefuse(mutated(luks2 ? LUKS2 : LUKS1, img -> {
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(luks2 ? length * 8L : length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    /**
     * Opens {@code image} with the right passphrase and reads a sector; a header that asks for
     * costly key derivation (a mutation may raise an iteration count within the limits) is
     * only parsed, to keep the run short.
     */
    private static void openOrRefuse(Path image) {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try {
                LuksHeader h;
                try (FileChannel ch = FileChannel.open(image)) {
                    h = LuksHeaderReader.read(ch, ch.size());
                }
                if (cheap(h)) {
                    try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
                        if (v.size() > 0) {
                            v.read(0, ByteBuffer.allocate(v.sectorSize()));
                        }
                    }
                }
            } catch (LuksException e) {
                assertFalse(e.getMessage().isBlank() || e.getMessage().contains("\n"), "a one-line message: " + e.getMessage());
            } finally {
                Files.deleteIfExists(image);
            }
        });
    }

    private static boolean cheap(LuksHeader h) {
        for (KeySlot s : h.keySlots()) {
            boolean costly = s.digest().iterations() > 20_000 || switch (s.kdf()) {
                case Pbkdf2Kdf p -> p.iterations() > 20_000;
                case Argon2Kdf a -> (long) a.time() * a.memoryKiB() > 64 << 10;
            };
            if (costly) {
                return false;
            }
        }
        return true;
    }

    /** Every place in the tree where a value can be replaced, as a setter. */
    private static void collect(JsonNode node, List<Consumer<JsonNode>> out) {
        if (node instanceof ObjectNode o) {
            for (String name : o.properties().stream().map(Map.Entry::getKey).toList()) {
                out.add(v -> o.set(name, v));
                collect(o.get(name), out);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                int index = i;
                out.add(v -> a.set(index, v));
                collect(a.get(i), out);
            }
        }
    }

    static final int NASTY_VALUES = 22;

    private static JsonNode nastyValue(int i) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (i) {
            case 0 -> f.textNode("18446744073709551615");
            case 1 -> f.textNode("9223372036854775807");
            case 2 -> f.textNode("-1");
            case 3 -> f.textNode("");
            case 4 -> f.numberNode(-1);
            case 5 -> f.numberNode(Long.MAX_VALUE);
            case 6 -> f.numberNode(1e300);
            case 7 -> f.numberNode(0);
            case 8 -> f.nullNode();
            case 9 -> f.booleanNode(true);
            case 10 -> f.objectNode();
            case 11 -> f.arrayNode();
            case 12 -> f.textNode("x".repeat(5000));
            case 13 -> f.textNode("dynamic");
            case 14 -> f.textNode("0");
            case 15 -> f.numberNode(4096);
            case 16 -> f.numberNode(Integer.MAX_VALUE);
            case 17 -> f.arrayNode().add("0").add("1").add("31");
            case 18 -> f.textNode("AAAA");
            case 19 -> f.textNode("16777216");
            case 20 -> f.numberNode(1 << 20);
            default -> f.textNode("luks2\u0000\u00ff\n");
        };
    }
}
