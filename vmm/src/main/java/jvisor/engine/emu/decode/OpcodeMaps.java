package jvisor.engine.emu.decode;

import java.util.IdentityHashMap;

/**
 * The opcode maps the decoder consults: one-byte, 0F, 0F 38 and 0F 3A, 256 entries each. Each
 * instruction family registers its own entries (the base integer set, x87, SSE), so adding a
 * family is a new file that fills its rows, not an edit of a central switch.
 */
public final class OpcodeMaps {
    public static final int ONE_BYTE = 0;
    public static final int TWO_BYTE = 1;
    public static final int MAP_0F38 = 2;
    public static final int MAP_0F3A = 3;

    private final OpcodeSpec[][] maps = new OpcodeSpec[4][256];
    private final IdentityHashMap<Op, Integer> fastForms = new IdentityHashMap<>();

    /** Numbers a frequent handler for the interpreter's switch ({@link Insn#fastForm}). */
    public void putFastForm(Op handler, int number) {
        if (handler == null || number <= 0 || fastForms.put(handler, number) != null) {
            throw new IllegalStateException("fast form " + number + " registered twice or without a handler");
        }
    }

    /** The interpreter's number for {@code handler}, 0 if it has none. */
    public int fastFormOf(Op handler) {
        Integer number = fastForms.get(handler);
        return number == null ? 0 : number;
    }

    public OpcodeSpec get(int map, int opcode) {
        return maps[map][opcode & 0xFF];
    }

    /** Registers an opcode; two families claiming the same row is a jvisor bug. */
    public void put(int map, int opcode, int form, OpcodeSpec.Builder builder) {
        if (maps[map][opcode] != null) {
            throw new IllegalStateException(String.format("opcode %d:%02x registered twice", map, opcode));
        }
        maps[map][opcode] = new OpcodeSpec(form, builder);
    }

    /**
     * Adds a builder to a row another family already owns (e.g. an SSE form behind a mandatory
     * prefix in an integer row): the first builder that accepts the instruction wins. The forms
     * must agree, since the decoder reads ModRM and immediates before any builder runs.
     */
    public void chain(int map, int opcode, int form, OpcodeSpec.Builder builder) {
        OpcodeSpec old = maps[map][opcode];
        if (old == null) {
            put(map, opcode, form, builder);
            return;
        }
        if (old.form() != form) {
            throw new IllegalStateException(String.format("opcode %d:%02x chained with a different form", map, opcode));
        }
        OpcodeSpec.Builder first = old.builder();
        maps[map][opcode] = new OpcodeSpec(form, i -> {
            Op op = first.build(i);
            return op != null ? op : builder.build(i);
        });
    }

    /** Registers the same spec for {@code count} consecutive opcodes. */
    public void putRange(int map, int first, int count, int form, OpcodeSpec.Builder builder) {
        for (int op = first; op < first + count; op++) {
            put(map, op, form, builder);
        }
    }
}
