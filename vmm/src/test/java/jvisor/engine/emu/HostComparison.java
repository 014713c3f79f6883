package jvisor.engine.emu;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import jvisor.engine.emu.UndefinedFlags.Effect;

/**
 * What a differential test compares of a snippet, run on the host and in the emulator, on this
 * host. A snippet is a list of units (pool entries, or single instructions) run back to back.
 *
 * <p>On an AMD host everything is compared, exactly: the emulator reproduces AMD's results where
 * the manuals leave them undefined, those choices are its documented behaviour, and an AMD host
 * is the one oracle that can pin them (a change there is a regression, not a vendor's freedom).
 *
 * <p>On any other host only what the architecture defines is compared ({@link UndefinedFlags}):
 * the flags left undefined by an instruction and not redefined by a later one are left out, as is
 * an undefined result; the snippet is cut before the first unit that reads an undefined flag
 * (its result would depend on the vendor, and so would everything computed from it) and after
 * an instruction with an undefined result. Units with jumps or labels count none of their
 * instructions as certainly run.
 */
final class HostComparison {
    private final int units;
    private final int of;
    private final CpuSnapshot.Ignored ignored;

    private HostComparison(int units, int of, CpuSnapshot.Ignored ignored) {
        this.units = units;
        this.of = of;
        this.ignored = ignored;
    }

    /** How {@code units} from state {@code in} are compared on this host; {@code dataAddress} locates memory operands. */
    static HostComparison of(List<String> units, CpuSnapshot in, long dataAddress) {
        return HostVendor.amd() ? new HostComparison(units.size(), units.size(), CpuSnapshot.Ignored.nothing())
                : definedPartsOf(units, in, dataAddress);
    }

    /** How {@code units} are compared where only the defined parts count, whatever this host is. */
    static HostComparison definedPartsOf(List<String> units, CpuSnapshot in, long dataAddress) {
        Tracker done = new Tracker(in, dataAddress);
        for (int u = 0; u < units.size(); u++) {
            Tracker next = done.copy();
            if (!next.run(units.get(u))) {
                return new HostComparison(u, units.size(), done.ignored());
            }
            done = next;
        }
        return new HostComparison(units.size(), units.size(), done.ignored());
    }

    /** The instructions of {@code source} as units of their own. */
    static List<String> instructions(String source) {
        List<String> out = new ArrayList<>();
        for (String line : source.split("[;\n]")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** How many leading units to run and compare. */
    int units() {
        return units;
    }

    boolean cut() {
        return units < of;
    }

    CpuSnapshot.Ignored ignored() {
        return ignored;
    }

    /** The differences between the host's and the emulator's state after the compared units. */
    String diff(CpuSnapshot host, CpuSnapshot emu) {
        return host.diff(emu, ignored);
    }

    @Override
    public String toString() {
        if (!cut() && ignored.isNothing()) {
            return "";
        }
        boolean result = !ignored.memory().isEmpty() || java.util.Arrays.stream(ignored.registerBits()).anyMatch(b -> b != 0);
        return String.format(" [compared %d of %d units; left out: flags %03x%s]", units, of, ignored.flags(),
                result ? " and an undefined result" : "");
    }

    /** The undefined flags and results after the units run so far, and the registers still known. */
    private static final class Tracker {
        private final long dataAddress;
        private long undefined;
        private long[] registerBits = new long[16];
        private BitSet memory = new BitSet();
        private final long rcx;
        private final long rbx;
        private boolean rcxKnown = true;
        private boolean rbxKnown = true;
        /** An instruction with an undefined result ran: nothing after it is compared. */
        private boolean ended;

        Tracker(CpuSnapshot in, long dataAddress) {
            this(dataAddress, in.regs()[1], in.regs()[3]);
        }

        private Tracker(long dataAddress, long rcx, long rbx) {
            this.dataAddress = dataAddress;
            this.rcx = rcx;
            this.rbx = rbx;
        }

        Tracker copy() {
            Tracker t = new Tracker(dataAddress, rcx, rbx);
            t.undefined = undefined;
            t.registerBits = registerBits.clone();
            t.memory = (BitSet) memory.clone();
            t.rcxKnown = rcxKnown;
            t.rbxKnown = rbxKnown;
            t.ended = ended;
            return t;
        }

        CpuSnapshot.Ignored ignored() {
            return new CpuSnapshot.Ignored(undefined, registerBits.clone(), (BitSet) memory.clone());
        }

        /** Runs one unit; false if it cannot be compared. */
        boolean run(String unit) {
            List<AsmInstruction> insns = AsmInstruction.parseAll(unit);
            int k = 0;
            while (k < insns.size() && !insns.get(k).labelled()) {
                AsmInstruction i = insns.get(k++);
                if (!step(i, true)) {
                    return false;
                }
                if (transfersControl(i)) {
                    break;
                }
            }
            // Past a jump or a label, any instruction may run any number of times or not at all:
            // none defines a flag for sure, and a second pass sees what the first left undefined.
            for (int pass = 0; pass < 2 && k < insns.size(); pass++) {
                for (AsmInstruction i : insns.subList(k, insns.size())) {
                    if (!step(i, false)) {
                        return false;
                    }
                }
            }
            return true;
        }

        private static boolean transfersControl(AsmInstruction i) {
            String m = i.mnemonic();
            return i.isDirective() || m.startsWith("j") || m.startsWith("loop") || m.equals("call") || m.equals("ret");
        }

        private boolean step(AsmInstruction i, boolean certain) {
            if (ended) {
                return false;
            }
            Effect e = UndefinedFlags.of(i, count(i));
            if ((e.reads() & undefined) != 0) {
                return false;
            }
            if (e.resultUndefined()) {
                if (!ignoreDestination(i)) {
                    return false;
                }
                ended = true;
            }
            undefined = (undefined & ~(certain ? e.defines() : 0)) | e.undefines();
            forgetWrittenRegisters(i);
            return true;
        }

        /** The shift or rotate count: the last operand (an immediate or CL), 1 if there is none; -1 if unknown. */
        private long count(AsmInstruction i) {
            int n = i.operands().size();
            if (n < 2) {
                return 1;
            }
            if (i.operands().get(n - 1).equals("cl")) {
                return rcxKnown ? rcx & 0xFF : -1;
            }
            Long imm = i.immediate(n - 1);
            return imm == null ? -1 : imm;
        }

        private boolean ignoreDestination(AsmInstruction i) {
            AsmInstruction.Register r = i.register(0);
            if (r != null) {
                registerBits[r.index()] |= r.mask();
                return true;
            }
            long[] bd = i.baseAndDisplacement(0);
            int bytes = i.width(0) / 8;
            if (bd == null || bd[0] != 3 || !rbxKnown || bytes == 0) {
                return false;
            }
            long at = rbx + bd[1] - dataAddress;
            if (at < 0 || at + bytes > NativeCpu.DATA_SIZE) {
                return false;
            }
            memory.set((int) at, (int) at + bytes);
            return true;
        }

        /** Conservatively: a register named anywhere outside memory, or used implicitly, may change. */
        private void forgetWrittenRegisters(AsmInstruction i) {
            for (AsmInstruction.Register r : i.registersNamed()) {
                rcxKnown &= r.index() != 1;
                rbxKnown &= r.index() != 3;
            }
            String m = i.mnemonic();
            if (i.isDirective() || m.equals("cpuid")) {
                rcxKnown = false;
                rbxKnown = false;
            }
            if (m.startsWith("loop") || i.repeated()) {
                rcxKnown = false;
            }
        }
    }
}
