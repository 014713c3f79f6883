package jvisor.storage.luks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * The JSON metadata of a new LUKS2 volume with one key slot, one crypt segment and its digest,
 * in the shape cryptsetup writes (64-bit numbers as strings, ids as object keys).
 */
final class Luks2MetadataWriter {
    /** Key slot 0: its KDF and where its area lies. */
    record Slot(Kdf kdf, long areaOffset, long areaSize) { }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Luks2MetadataWriter() { }

    static byte[] json(Slot slot, VolumeKeyDigest digest, int sectorSize, long dataOffset, long hdrSize, long keyslotsSize) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode keyslot = root.putObject("keyslots").putObject("0");
        keyslot.put("type", "luks2");
        keyslot.put("key_size", LuksFormat.KEY_BYTES);
        ObjectNode af = keyslot.putObject("af");
        af.put("type", "luks1");
        af.put("stripes", LuksFormat.STRIPES);
        af.put("hash", "sha256");
        ObjectNode area = keyslot.putObject("area");
        area.put("type", "raw");
        area.put("offset", Long.toString(slot.areaOffset()));
        area.put("size", Long.toString(slot.areaSize()));
        area.put("encryption", XtsKeys.CIPHER);
        area.put("key_size", LuksFormat.KEY_BYTES);
        kdf(keyslot.putObject("kdf"), slot.kdf());
        root.putObject("tokens");
        ObjectNode segment = root.putObject("segments").putObject("0");
        segment.put("type", "crypt");
        segment.put("offset", Long.toString(dataOffset));
        segment.put("size", "dynamic");
        segment.put("iv_tweak", "0");
        segment.put("encryption", XtsKeys.CIPHER);
        segment.put("sector_size", sectorSize);
        ObjectNode d = root.putObject("digests").putObject("0");
        d.put("type", "pbkdf2");
        d.putArray("keyslots").add("0");
        d.putArray("segments").add("0");
        d.put("hash", digest.hash().luksName());
        d.put("iterations", digest.iterations());
        d.put("salt", Base64.getEncoder().encodeToString(digest.salt()));
        d.put("digest", Base64.getEncoder().encodeToString(digest.digest()));
        ObjectNode config = root.putObject("config");
        config.put("json_size", Long.toString(hdrSize - Luks2BinaryHeader.BINARY_LENGTH));
        config.put("keyslots_size", Long.toString(keyslotsSize));
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers did not serialize", e);
        }
    }

    private static void kdf(ObjectNode out, Kdf kdf) {
        switch (kdf) {
            case Pbkdf2Kdf p -> {
                out.put("type", "pbkdf2");
                out.put("hash", p.hash().luksName());
                out.put("iterations", p.iterations());
                out.put("salt", Base64.getEncoder().encodeToString(p.salt()));
            }
            case Argon2Kdf a -> {
                out.put("type", a.name());
                out.put("time", a.time());
                out.put("memory", a.memoryKiB());
                out.put("cpus", a.lanes());
                out.put("salt", Base64.getEncoder().encodeToString(a.salt()));
            }
        }
    }
}
