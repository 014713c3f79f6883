package jvisor.storage.luks;

import static jvisor.storage.luks.Luks2Json.base64;
import static jvisor.storage.luks.Luks2Json.idArray;
import static jvisor.storage.luks.Luks2Json.integer;
import static jvisor.storage.luks.Luks2Json.numbered;
import static jvisor.storage.luks.Luks2Json.object;
import static jvisor.storage.luks.Luks2Json.string;
import static jvisor.storage.luks.Luks2Json.u64;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The LUKS2 JSON metadata turned into a {@link LuksHeader}: one crypt segment, the pbkdf2
 * digests bound to it, and the luks2 key slots those digests name. Anything jvisor does not
 * implement (integrity, a reencryption in progress, mandatory requirements, other ciphers or
 * KDFs) is refused here by name rather than half-read.
 */
final class Luks2Metadata {
    private static final int MAX_SALT = 256;
    private static final int MAX_DIGEST = 64;

    private Luks2Metadata() { }

    private record Digest(List<Integer> keyslots, List<Integer> segments, VolumeKeyDigest value) { }

    static LuksHeader parse(Luks2BinaryHeader binary, long imageSize) {
        JsonNode root = Luks2Json.parse(binary.json());
        long headerArea = 2 * binary.hdrSize();
        checkConfig(object(root, "config", ""), binary.hdrSize());
        Map<Integer, JsonNode> segments = numbered(root, "segments");
        if (segments.size() != 1) {
            throw new LuksException("this LUKS2 volume has " + segments.size() + " data segments (a reencryption in progress?); jvisor opens one");
        }
        int segmentId = segments.keySet().iterator().next();
        DataSegment segment = segment(segments.get(segmentId), "segments." + segmentId, headerArea, imageSize);
        List<Digest> digests = new ArrayList<>();
        numbered(root, "digests").forEach((id, d) -> digests.add(digest(d, "digests." + id)));
        List<KeySlot> slots = new ArrayList<>();
        numbered(root, "keyslots").forEach((id, k) -> {
            Digest digest = digests.stream()
                    .filter(d -> d.keyslots.contains(id) && d.segments.contains(segmentId))
                    .findFirst().orElse(null);
            KeySlot slot = keySlot(id, k, digest, headerArea, segment.offset());
            if (slot != null) {
                slots.add(slot);
            }
        });
        slots.sort(Comparator.comparingInt(KeySlot::priority).reversed().thenComparingInt(KeySlot::index));
        List<String> tokens = new ArrayList<>();
        if (root.has("tokens")) {
            numbered(root, "tokens").forEach((id, t) -> tokens.add(Printable.of(string(t, "type", "tokens." + id))));
        }
        return new LuksHeader(2, binary.uuid(), segment, slots, tokens, headerArea);
    }

    private static void checkConfig(JsonNode config, long hdrSize) {
        long jsonSize = u64(config, "json_size", "config");
        if (jsonSize != hdrSize - Luks2BinaryHeader.BINARY_LENGTH) {
            throw new LuksException("the LUKS2 metadata's config.json_size (" + jsonSize + ") does not match the header size " + hdrSize);
        }
        JsonNode requirements = config.get("requirements");
        if (requirements != null) {
            JsonNode mandatory = requirements.get("mandatory");
            if (mandatory != null && (!mandatory.isArray() || !mandatory.isEmpty())) {
                throw new LuksException("this LUKS2 volume has mandatory requirements jvisor does not implement: "
                        + Printable.of(mandatory.toString()));
            }
        }
    }

    private static DataSegment segment(JsonNode s, String path, long headerArea, long imageSize) {
        String type = string(s, "type", path);
        if (!type.equals("crypt")) {
            throw new LuksException("this LUKS2 volume's data segment has type '" + Printable.of(type) + "'; jvisor opens 'crypt'");
        }
        if (s.has("integrity")) {
            throw new LuksException("this LUKS2 volume uses integrity protection (dm-integrity), which jvisor does not implement");
        }
        JsonNode flags = s.get("flags");
        if (flags != null && (!flags.isArray() || !flags.isEmpty())) {
            throw new LuksException("this LUKS2 volume's data segment has flags " + Printable.of(flags.toString()) + " (a reencryption?); jvisor opens plain segments");
        }
        XtsKeys.checkCipher(string(s, "encryption", path), "this LUKS2 volume");
        int sectorSize = integer(s, "sector_size", path, 512, 4096);
        long offset = u64(s, "offset", path);
        long ivTweak = u64(s, "iv_tweak", path);
        if (offset < headerArea || offset % 512 != 0 || offset > imageSize) {
            throw new LuksException("this LUKS2 volume's data offset (byte " + offset + ") is not inside the " + imageSize + "-byte image after its header");
        }
        long length;
        if (s.path("size").isTextual() && s.path("size").textValue().equals("dynamic")) {
            length = (imageSize - offset) / sectorSize * sectorSize;
        } else {
            length = u64(s, "size", path);
            if (length > imageSize - offset) {
                throw new LuksException("this LUKS2 volume's data segment (" + length + " bytes at byte " + offset + ") runs past the end of the image");
            }
        }
        return new DataSegment(offset, length, sectorSize, ivTweak);
    }

    private static Digest digest(JsonNode d, String path) {
        String type = string(d, "type", path);
        if (!type.equals("pbkdf2")) {
            throw new LuksException("this LUKS2 volume's digest has type '" + Printable.of(type) + "'; jvisor implements pbkdf2");
        }
        HashAlgorithm hash = HashAlgorithm.fromLuks(string(d, "hash", path), "the LUKS2 volume key digest");
        VolumeKeyDigest value = new VolumeKeyDigest(hash, integer(d, "iterations", path, 1, Pbkdf2.MAX_ITERATIONS),
                base64(d, "salt", path, MAX_SALT), base64(d, "digest", path, MAX_DIGEST));
        return new Digest(idArray(d, "keyslots", path), idArray(d, "segments", path), value);
    }

    /** The slot, or null when no digest binds it to the data segment (an unbound key). */
    private static KeySlot keySlot(int id, JsonNode k, Digest digest, long headerArea, long dataOffset) {
        String path = "keyslots." + id;
        String type = string(k, "type", path);
        if (type.equals("reencrypt")) {
            throw new LuksException("this LUKS2 volume is being reencrypted; finish that with cryptsetup first");
        }
        if (!type.equals("luks2")) {
            throw new LuksException("LUKS2 key slot " + id + " has type '" + Printable.of(type) + "'; jvisor implements luks2");
        }
        if (digest == null) {
            return null;
        }
        int keyBytes = integer(k, "key_size", path, 1, 1024);
        JsonNode af = object(k, "af", path);
        if (!string(af, "type", path + ".af").equals("luks1")) {
            throw new LuksException("LUKS2 key slot " + id + " uses an anti-forensic splitter other than luks1");
        }
        int stripes = integer(af, "stripes", path + ".af", 1, KeySlot.MAX_AREA);
        HashAlgorithm afHash = HashAlgorithm.fromLuks(string(af, "hash", path + ".af"), "LUKS2 key slot " + id);
        JsonNode area = object(k, "area", path);
        if (!string(area, "type", path + ".area").equals("raw")) {
            throw new LuksException("LUKS2 key slot " + id + " has an area of a type other than raw");
        }
        XtsKeys.checkCipher(string(area, "encryption", path + ".area"), "LUKS2 key slot " + id);
        int areaKeyBytes = integer(area, "key_size", path + ".area", 1, 1024);
        long areaOffset = u64(area, "offset", path + ".area");
        long areaSize = u64(area, "size", path + ".area");
        int priority = k.has("priority") ? integer(k, "priority", path, 0, 2) : 1;
        KeySlot slot = new KeySlot(id, priority, kdf(object(k, "kdf", path), path + ".kdf"), areaOffset, areaKeyBytes, keyBytes,
                stripes, afHash, digest.value);
        if (areaOffset < headerArea || areaSize < slot.materialLength() || areaSize > dataOffset - areaOffset) {
            throw new LuksException("LUKS2 key slot " + id + "'s area (" + areaSize + " bytes at byte " + areaOffset
                    + ") does not fit between the header and the data");
        }
        return slot;
    }

    private static Kdf kdf(JsonNode kdf, String path) {
        String type = string(kdf, "type", path);
        byte[] salt = base64(kdf, "salt", path, MAX_SALT);
        return switch (type) {
            case "pbkdf2" -> new Pbkdf2Kdf(HashAlgorithm.fromLuks(string(kdf, "hash", path), "the key slot's PBKDF2"),
                    integer(kdf, "iterations", path, 1, Pbkdf2.MAX_ITERATIONS), salt);
            case "argon2i", "argon2id" -> new Argon2Kdf(type.equals("argon2i") ? Argon2Kdf.Variant.ARGON2I : Argon2Kdf.Variant.ARGON2ID,
                    integer(kdf, "time", path, 1, Integer.MAX_VALUE), integer(kdf, "memory", path, 1, Argon2Kdf.MAX_MEMORY_KIB),
                    integer(kdf, "cpus", path, 1, Argon2Kdf.MAX_LANES), salt);
            default -> throw new LuksException("the key slot's KDF '" + Printable.of(type) + "' is not one jvisor implements (pbkdf2, argon2i, argon2id)");
        };
    }
}
