package jvisor.engine.emu;

import java.util.Set;
import java.util.TreeSet;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Decoder;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.BaseOpcodes;

/**
 * Counts distinct instruction forms: opcode (with the ModRM reg field of group opcodes), operand
 * size, register or memory operand, and the prefixes that change meaning (REP, REPNE, LOCK).
 */
final class FormCoverage {
    private static final Set<Integer> GROUPS = Set.of(0x80, 0x81, 0x83, 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3, 0xF6,
            0xF7, 0xFE, 0xFF, 0x8F, 0xC6, 0xC7, 0x0FBA, 0x0FC7, 0x0F00, 0x0F01, 0x0FAE, 0x38F3, 0x0F18);

    private final Set<String> forms = new TreeSet<>();
    private final Decoder decoder = new Decoder(BaseOpcodes.maps());

    /** Decodes the instructions at {@code rip} (already in guest memory) up to {@code length} bytes. */
    void add(Cpu c, long rip, int length) {
        long end = rip + length;
        while (rip < end) {
            Insn i = decoder.decode(c, rip);
            forms.add(key(i));
            rip = i.nextRip();
        }
    }

    static String key(Insn i) {
        StringBuilder sb = new StringBuilder(String.format("%04x", i.opcode()));
        if (GROUPS.contains(i.opcode())) {
            sb.append('/').append(i.sub());
        }
        sb.append(" size").append(i.opSize()).append(i.rm() >= 0 ? " reg" : " mem");
        if (i.hasPrefix(Insn.P_REP)) {
            sb.append(" rep");
        }
        if (i.hasPrefix(Insn.P_REPNE)) {
            sb.append(" repne");
        }
        if (i.hasPrefix(Insn.P_LOCK)) {
            sb.append(" lock");
        }
        return sb.toString();
    }

    int count() {
        return forms.size();
    }

    Set<String> forms() {
        return forms;
    }
}
