package jvisor.storage.luks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Strict reading of the untrusted LUKS2 JSON: Jackson with its read constraints set to what a
 * LUKS2 header can hold (nesting, string and number lengths, token count) and duplicate keys
 * refused, then typed getters that name the JSON path of whatever is missing or wrong.
 */
final class Luks2Json {
    /** Object keys of keyslots, segments, digests and tokens are small decimal numbers. */
    static final int MAX_ID = 31;
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxStringLength(64 << 10)
                    .maxNumberLength(24)
                    .maxNameLength(256)
                    .maxDocumentLength(Luks2BinaryHeader.MAX_SIZE)
                    .maxTokenCount(200_000)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Luks2Json() { }

    static JsonNode parse(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new LuksException("the LUKS2 metadata is not valid JSON: " + Printable.of(String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
        }
        if (root == null || !root.isObject()) {
            throw new LuksException("the LUKS2 metadata is not a JSON object");
        }
        return root;
    }

    static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw bad(path, field, "an object");
        }
        return n;
    }

    static String string(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) {
            throw bad(path, field, "a string");
        }
        return n.textValue();
    }

    /** LUKS2 writes 64-bit numbers as decimal strings. */
    static long u64(JsonNode parent, String field, String path) {
        String s = string(parent, field, path);
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(path, field, "a decimal number string below 2^63");
        }
        return Long.parseLong(s);
    }

    static int integer(JsonNode parent, String field, String path, long min, long max) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            throw bad(path, field, "a whole number from " + min + " to " + max);
        }
        return (int) n.longValue();
    }

    static byte[] base64(JsonNode parent, String field, String path, int maxBytes) {
        String s = string(parent, field, path);
        byte[] b;
        try {
            b = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw bad(path, field, "base64");
        }
        if (b.length == 0 || b.length > maxBytes) {
            throw bad(path, field, "1 to " + maxBytes + " bytes of base64");
        }
        return b;
    }

    static List<Integer> idArray(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray() || n.size() > MAX_ID + 1) {
            throw bad(path, field, "an array of at most " + (MAX_ID + 1) + " ids");
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw bad(path, field, "an array of id strings");
            }
            ids.add(id(e.textValue(), path + "." + field));
        }
        return ids;
    }

    /** The members of a keyslots/segments/digests/tokens object, by numeric id. */
    static Map<Integer, JsonNode> numbered(JsonNode parent, String field) {
        JsonNode obj = object(parent, field, "");
        Map<Integer, JsonNode> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            int id = id(e.getKey(), field);
            if (!e.getValue().isObject()) {
                throw bad(field, e.getKey(), "an object");
            }
            out.put(id, e.getValue());
        }
        return out;
    }

    private static int id(String s, String path) {
        if (s.isEmpty() || s.length() > 2 || !s.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(s) > MAX_ID) {
            throw new LuksException("the LUKS2 metadata's " + path + " has id '" + Printable.of(s) + "'; ids are 0 to " + MAX_ID);
        }
        return Integer.parseInt(s);
    }

    static LuksException bad(String path, String field, String expected) {
        String where = path.isEmpty() ? field : path + "." + field;
        return new LuksException("the LUKS2 metadata's " + where + " is missing or not " + expected);
    }
}
