package jvisor.storage.luks;

import static jvisor.storage.luks.MaliceImages.LUKS1;
import static jvisor.storage.luks.MaliceImages.LUKS2;
import static jvisor.storage.luks.MaliceImages.PASSPHRASE;
import static jvisor.storage.luks.MaliceImages.mutated;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Hand-made hostile and unsupported headers, each refused with a message that names the problem. */
final class HostileHeaderTest {
    @Test
    void luks1_extremes() {
        refused(LUKS1, 208 + 44, intBytes(-1), "stripes");
        refused(LUKS1, 208 + 4, intBytes(-1), "4294967295 PBKDF2 iterations");
        refused(LUKS1, 164, intBytes(-1), "4294967295 PBKDF2 iterations");
        refused(LUKS1, 104, intBytes(-1), "data offset");
        refused(LUKS1, 108, intBytes(Integer.MAX_VALUE), "-bit key");
        refused(LUKS1, 208, intBytes(0x12345678), "key slot 0 is damaged");
        refused(LUKS1, 208 + 40, intBytes(-1), "key material lies outside");
        refused(LUKS1, 6, new byte[] {0, 3}, "LUKS version 3");
        refused(LUKS1, 0, new byte[6], "not a LUKS volume");
    }

    @Test
    void luks1_ciphers_and_hashes_jvisor_does_not_implement() {
        refused(LUKS1, 40, cString("cbc-essiv:sha256"), "cipher 'aes-cbc-essiv:sha256'");
        refused(LUKS1, 8, cString("twofish"), "cipher 'twofish-xts-plain64'");
        refused(LUKS1, 72, cString("ripemd160"), "hash 'ripemd160'");
        byte[] unterminated = new byte[32];
        Arrays.fill(unterminated, (byte) 'a');
        refused(LUKS1, 72, unterminated, "not terminated");
    }

    @Test
    void luks2_kdf_extremes() {
        refusedJson(j -> kdf(j).put("type", "argon2id").put("time", 4).put("memory", 4194305).put("cpus", 1), "keyslots.0.kdf.memory");
        refusedJson(j -> kdf(j).put("type", "argon2id").put("time", 4).put("memory", 65536).put("cpus", 1000), "keyslots.0.kdf.cpus");
        refusedJson(j -> kdf(j).put("type", "argon2id").put("time", Integer.MAX_VALUE).put("memory", 1 << 20).put("cpus", 4), "passes");
        refusedJson(j -> kdf(j).put("iterations", Integer.MAX_VALUE), "keyslots.0.kdf.iterations");
        refusedJson(j -> kdf(j).put("iterations", -5), "keyslots.0.kdf.iterations");
        refusedJson(j -> kdf(j).put("type", "scrypt"), "KDF 'scrypt'");
        refusedJson(j -> kdf(j).put("salt", "A".repeat(8000)), "keyslots.0.kdf.salt");
        refusedJson(j -> kdf(j).put("salt", "not base64!"), "keyslots.0.kdf.salt");
        refusedJson(j -> digest(j).put("iterations", Integer.MAX_VALUE), "digests.0.iterations");
    }

    @Test
    void luks2_key_slot_extremes() {
        refusedJson(j -> slot(j).put("key_size", 1 << 30), "keyslots.0.key_size");
        refusedJson(j -> slot(j).put("key_size", 48), "384-bit key");
        refusedJson(j -> ((ObjectNode) slot(j).get("af")).put("stripes", Integer.MAX_VALUE), "stripes");
        refusedJson(j -> ((ObjectNode) slot(j).get("area")).put("offset", "9223372036854775807"), "area");
        refusedJson(j -> ((ObjectNode) slot(j).get("area")).put("offset", "99999999999999999999"), "keyslots.0.area.offset");
        refusedJson(j -> ((ObjectNode) slot(j).get("area")).put("size", "512"), "area");
        refusedJson(j -> ((ObjectNode) slot(j).get("area")).put("encryption", "aes-cbc-essiv:sha256"), "cipher");
        refusedJson(j -> slot(j).put("type", "reencrypt"), "being reencrypted");
        refusedJson(j -> ((ObjectNode) j.get("keyslots")).set("99", slot(j).deepCopy()), "ids are 0 to 31");
    }

    @Test
    void luks2_segment_and_config_extremes() {
        refusedJson(j -> segment(j).put("sector_size", 8192), "sector_size");
        refusedJson(j -> segment(j).put("sector_size", 1000), "sector size is 1000");
        refusedJson(j -> segment(j).put("offset", "4096"), "data offset");
        refusedJson(j -> segment(j).put("size", "999999999999"), "runs past the end");
        refusedJson(j -> segment(j).putObject("integrity").put("type", "hmac(sha256)"), "integrity");
        refusedJson(j -> segment(j).putArray("flags").add("backup-previous"), "flags");
        refusedJson(j -> segment(j).put("encryption", "serpent-xts-plain64"), "serpent");
        refusedJson(j -> ((ObjectNode) j.get("segments")).set("1", segment(j).deepCopy()), "2 data segments");
        refusedJson(j -> ((ObjectNode) j.get("config")).putObject("requirements").putArray("mandatory").add("online-reencrypt-v2"),
                "online-reencrypt-v2");
        refusedJson(j -> ((ObjectNode) j.get("config")).put("json_size", "4096"), "json_size");
        refusedJson(j -> digest(j).put("type", "argon2"), "digest has type");
        refusedJson(j -> j.remove("segments"), "segments is missing");
    }

    @Test
    void luks2_json_that_is_not_what_it_should_be() {
        refusedText("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "not valid JSON");
        refusedText("{\"keyslots\":{},\"keyslots\":{}}", "not valid JSON");
        refusedText("[]", "not a JSON object");
        refusedText(HeaderSurgery.json(LUKS2).toString() + "{}", "not valid JSON");
        refusedText("\"" + "x".repeat(12000) + "\"", "not");
        refusedText("", "not");
    }

    @Test
    void no_slot_left_to_try() {
        refusedJson(j -> slot(j).put("priority", 0), "no active key slot");
        refusedJson(j -> ((ArrayNode) digest(j).get("keyslots")).removeAll(), "no active key slot");
    }

    @Test
    void a_wrong_passphrase_names_the_tokens_jvisor_ignores() {
        Path image = mutated(LUKS2, img -> {
            ObjectNode json = HeaderSurgery.json(img);
            ObjectNode token = ((ObjectNode) json.get("tokens")).putObject("0");
            token.put("type", "systemd-tpm2");
            token.putArray("keyslots").add("0");
            HeaderSurgery.setJson(img, json);
        });
        LuksException e = assertThrows(LuksException.class, () -> LuksVolume.open(image, "wrong".getBytes(), true));
        assertTrue(e.getMessage().contains("wrong passphrase") && e.getMessage().contains("systemd-tpm2"), e.getMessage());
    }

    @Test
    void images_that_are_not_luks() throws IOException {
        refused(Files.write(MaliceImages.DIR.resolve("empty.img"), new byte[0]), "too small");
        refused(Images.sparse(MaliceImages.DIR, "zeros.img", 32 << 20), "not a LUKS volume");
        refused(MaliceImages.DIR.resolve("absent.img"), "no such file");
    }

    @Test
    void both_luks2_copies_with_an_absurd_header_size() {
        refused(mutated(LUKS2, img -> {
            for (long copy : new long[] {0, 16384}) {
                byte[] h = Images.read(img, copy, 16384);
                HeaderSurgery.putLong(h, 8, 1L << 62);
                HeaderSurgery.reseal(h);
                HeaderSurgery.poke(img, copy, h);
            }
        }), "neither copy of the LUKS2 header is intact");
    }

    private static void refused(Path base, long at, byte[] bytes, String expected) {
        refused(mutated(base, img -> HeaderSurgery.poke(img, at, bytes)), expected);
    }

    private static void refused(Path image, String expected) {
        LuksException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(LuksException.class, () -> LuksVolume.open(image, PASSPHRASE, true)));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void refusedJson(Consumer<ObjectNode> edit, String expected) {
        refused(mutated(LUKS2, img -> {
            ObjectNode json = HeaderSurgery.json(img);
            edit.accept(json);
            HeaderSurgery.setJson(img, json);
        }), expected);
    }

    private static void refusedText(String json, String expected) {
        refused(mutated(LUKS2, img -> HeaderSurgery.setJson(img, json)), expected);
    }

    private static ObjectNode slot(ObjectNode json) {
        return (ObjectNode) json.get("keyslots").get("0");
    }

    private static ObjectNode kdf(ObjectNode json) {
        return (ObjectNode) slot(json).get("kdf");
    }

    private static ObjectNode segment(ObjectNode json) {
        return (ObjectNode) json.get("segments").get("0");
    }

    private static ObjectNode digest(ObjectNode json) {
        return (ObjectNode) json.get("digests").get("0");
    }

    private static byte[] intBytes(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    private static byte[] cString(String s) {
        return Arrays.copyOf(s.getBytes(), s.length() + 1);
    }
}
