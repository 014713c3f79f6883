package jvisor.engine.emu.decode;

import java.util.Arrays;
import java.util.HexFormat;
import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;

/**
 * Decodes one x86 instruction at CS:rip in the processor's current mode: legacy prefixes, REX,
 * VEX, the opcode maps, ModRM/SIB/displacement (16-, 32- and 64-bit addressing, RIP-relative),
 * immediates. Fetches go through the MMU, so a fetch can fault (#PF, or #GP past the CS limit).
 * An encoding no family claims decodes to a handler that raises #UD and logs the bytes once.
 */
public final class Decoder {
    private static final int MAX_LENGTH = 15;

    /** What an instruction nothing implements does: #UD, as on a processor without it, logging its bytes once. */
    private static Op undefinedOp(byte[] bytes) {
        return (c, i) -> {
            EmuLog.once("ud" + HexFormat.of().formatHex(bytes), "invalid or unimplemented instruction at "
                    + Long.toHexString(i.rip()) + ": " + HexFormat.ofDelimiter(" ").formatHex(bytes) + " (#UD)");
            throw c.fault(Vectors.UD);
        };
    }
    private static final Op TOO_LONG = (c, i) -> {
        throw c.fault(Vectors.GP, 0);
    };

    private final OpcodeMaps maps;
    private final byte[] buf = new byte[MAX_LENGTH];
    private Cpu cpu;
    private long startRip;
    private long ipMask;
    private long csBase;
    private long csLimit;
    private boolean checkLimit;
    private long linMask;
    private int pos;

    public Decoder(OpcodeMaps maps) {
        this.maps = maps;
    }

    private static final class TooLong extends RuntimeException {
        TooLong() {
            super(null, null, false, false);
        }
    }

    private static final TooLong TOO_LONG_SIGNAL = new TooLong();

    private int next() {
        if (pos >= MAX_LENGTH) {
            throw TOO_LONG_SIGNAL;
        }
        long offset = (startRip + pos) & ipMask;
        if (checkLimit && offset > csLimit) {
            throw cpu.fault(Vectors.GP, 0);
        }
        int b = cpu.mmu.fetch8((csBase + offset) & linMask);
        buf[pos++] = (byte) b;
        return b;
    }

    /** Decodes the instruction at {@code rip}; may throw the processor's fetch fault. */
    public Insn decode(Cpu c, long rip) {
        return decodeOpen(c, rip).freeze();
    }

    /**
     * The instruction at {@code rip}, complete but not yet frozen: a block's decoder freezes its
     * instructions one after the other once it has them all, so that they lie side by side in
     * memory, not between the decoder's garbage (the interpreter's first load of each was a cache
     * miss).
     */
    public DecodedInsn decodeOpen(Cpu c, long rip) {
        DecodedInsn i = new DecodedInsn();
        this.cpu = c;
        this.startRip = rip;
        this.pos = 0;
        boolean mode64 = c.mode64();
        this.ipMask = mode64 ? -1L : c.codeSize() == 2 ? 0xFFFF : 0xFFFF_FFFFL;
        this.csBase = c.seg(Cpu.CS).base();
        this.csLimit = c.seg(Cpu.CS).limit() & 0xFFFF_FFFFL;
        this.checkLimit = !mode64;
        this.linMask = mode64 ? -1L : 0xFFFF_FFFFL;
        if (mode64) {
            csBase = 0;
        }
        i.rip = rip;
        i.mode64 = mode64;
        try {
            decodeFields(c, i, mode64);
        } catch (TooLong e) {
            i.op = TOO_LONG;
            i.endsBlock = true;
        }
        i.length = pos;
        i.nextRip = (rip + pos) & ipMask;
        if (i.bytes == null) {
            i.bytes = Arrays.copyOf(buf, pos);
        }
        if (i.op == null) {
            i.op = undefinedOp(i.bytes); // its bytes are known only now
        }
        return i;
    }

    /** The instruction's end is known: its length, bytes, the next RIP and RIP-relative addresses. */
    private void finish(DecodedInsn i) {
        i.length = pos;
        i.nextRip = (startRip + pos) & ipMask;
        i.bytes = Arrays.copyOf(buf, pos);
        if (i.base == RIP_RELATIVE) {
            i.base = Insn.NONE;
            i.disp += i.nextRip;
        }
    }

    private static final int RIP_RELATIVE = -2;

    private void decodeFields(Cpu c, DecodedInsn i, boolean mode64) {
        int prefixes = 0;
        int seg = -1;
        int rex = 0;
        int b;
        while (true) {
            b = next();
            if (mode64 && (b & 0xF0) == 0x40) {
                rex = b;
                continue;
            }
            int p = switch (b) {
                case 0x26 -> { seg = Cpu.ES; yield Insn.P_SEG; }
                case 0x2E -> { seg = Cpu.CS; yield Insn.P_SEG; }
                case 0x36 -> { seg = Cpu.SS; yield Insn.P_SEG; }
                case 0x3E -> { seg = Cpu.DS; yield Insn.P_SEG; }
                case 0x64 -> { seg = Cpu.FS; yield Insn.P_SEG; }
                case 0x65 -> { seg = Cpu.GS; yield Insn.P_SEG; }
                case 0x66 -> Insn.P_OPSIZE;
                case 0x67 -> Insn.P_ADSIZE;
                case 0xF0 -> Insn.P_LOCK;
                case 0xF2 -> { prefixes &= ~Insn.P_REP; yield Insn.P_REPNE; }
                case 0xF3 -> { prefixes &= ~Insn.P_REPNE; yield Insn.P_REP; }
                default -> 0;
            };
            if (p == 0) {
                break;
            }
            prefixes |= p;
            rex = 0;
        }
        if (rex != 0) {
            prefixes |= Insn.P_REX | ((rex & 8) != 0 ? Insn.P_REXW : 0);
        }
        int map = OpcodeMaps.ONE_BYTE;
        int op = b;
        if (b == 0x0F) {
            op = next();
            map = OpcodeMaps.TWO_BYTE;
            if (op == 0x38) {
                map = OpcodeMaps.MAP_0F38;
                op = next();
            } else if (op == 0x3A) {
                map = OpcodeMaps.MAP_0F3A;
                op = next();
            }
        } else if ((b == 0xC4 || b == 0xC5) && isVex(mode64)) {
            if ((prefixes & (Insn.P_OPSIZE | Insn.P_REP | Insn.P_REPNE | Insn.P_LOCK)) != 0 || rex != 0) {
                undefined(i);
                return;
            }
            int[] vex = decodeVex(b);
            map = vex[0];
            rex = vex[1];
            prefixes |= vex[2] | Insn.P_VEX | ((rex & 8) != 0 ? Insn.P_REXW : 0);
            i.vreg = vex[3];
            op = next();
            if (map < 0) {
                undefined(i);
                return;
            }
        } else if (b == 0x62 && mode64) {
            undefined(i);
            return;
        }
        i.prefixes = prefixes;
        i.opcode = (map == OpcodeMaps.ONE_BYTE ? 0 : map == OpcodeMaps.TWO_BYTE ? 0x0F00 : map == OpcodeMaps.MAP_0F38
                ? 0x3800 : 0x3A00) | op;
        OpcodeSpec spec = maps.get(map, op);
        if (spec == null || (mode64 && spec.has(OpcodeSpec.INV64)) || (!mode64 && spec.has(OpcodeSpec.ONLY64))) {
            undefined(i);
            return;
        }
        sizes(c, i, spec, prefixes, mode64);
        i.seg = seg;
        if (spec.has(OpcodeSpec.MODRM)) {
            modrm(i, spec, rex, mode64);
        } else {
            i.rm = Insn.NONE;
            i.base = Insn.NONE;
            i.index = Insn.NONE;
            if (spec.has(OpcodeSpec.PLUS_R)) {
                int r = (op & 7) | ((rex & 1) << 3);
                i.sub = op & 7;
                i.reg = i.opSize == 1 ? byteReg(r, rex) : r;
            }
        }
        if (i.seg < 0) {
            i.seg = Cpu.DS;
        }
        i.flat = mode64 && (i.seg == Cpu.DS || i.seg == Cpu.ES);
        immediates(i, spec);
        boolean locked = (prefixes & Insn.P_LOCK) != 0;
        if (locked && (!spec.has(OpcodeSpec.LOCKABLE) || i.rm != Insn.NONE)) {
            undefined(i);
            return;
        }
        i.endsBlock = spec.has(OpcodeSpec.ENDS);
        finish(i);
        Op handler = spec.builder().build(i);
        if (handler == null) {
            undefined(i);
            return;
        }
        i.op = handler;
        i.fastForm = maps.fastFormOf(handler);
    }

    /** Nothing implements the encoding: the handler is made once the bytes are known ({@link #undefinedOp}). */
    private void undefined(DecodedInsn i) {
        i.op = null;
        i.endsBlock = true;
    }

    private boolean isVex(boolean mode64) {
        if (mode64) {
            return true;
        }
        int peek = next();
        pos--;
        return (peek & 0xC0) == 0xC0;
    }

    /** VEX: returns {map, rex bits, mandatory-prefix bits, vvvv}. */
    private int[] decodeVex(int first) {
        int p1 = next();
        int rex = (p1 & 0x80) == 0 ? 4 : 0;
        int map;
        int p2;
        if (first == 0xC5) {
            map = OpcodeMaps.TWO_BYTE;
            p2 = p1;
        } else {
            rex |= ((p1 & 0x40) == 0 ? 2 : 0) | ((p1 & 0x20) == 0 ? 1 : 0);
            map = switch (p1 & 0x1F) {
                case 1 -> OpcodeMaps.TWO_BYTE;
                case 2 -> OpcodeMaps.MAP_0F38;
                case 3 -> OpcodeMaps.MAP_0F3A;
                default -> -1;
            };
            p2 = next();
            rex |= (p2 & 0x80) != 0 ? 8 : 0;
        }
        if (!cpu.mode64()) {
            rex &= 8;
        }
        int pp = switch (p2 & 3) {
            case 1 -> Insn.P_OPSIZE;
            case 2 -> Insn.P_REP;
            case 3 -> Insn.P_REPNE;
            default -> 0;
        };
        int vvvv = (~p2 >>> 3) & 0xF;
        if (!cpu.mode64()) {
            vvvv &= 7;
        }
        int vexL = (p2 >>> 2) & 1;
        return new int[] {map, rex | 0x40, pp | (vexL != 0 ? Insn.P_VEXL : 0), vvvv};
    }

    private static void sizes(Cpu c, DecodedInsn i, OpcodeSpec spec, int prefixes, boolean mode64) {
        boolean opsize = (prefixes & Insn.P_OPSIZE) != 0 && (prefixes & Insn.P_VEX) == 0;
        if (spec.has(OpcodeSpec.BYTE)) {
            i.opSize = 1;
        } else if (mode64) {
            if ((prefixes & Insn.P_REXW) != 0 || spec.has(OpcodeSpec.FORCE64) || spec.has(OpcodeSpec.SIZE64)) {
                i.opSize = 8;
            } else if (spec.has(OpcodeSpec.DEF64)) {
                i.opSize = opsize ? 2 : 8;
            } else {
                i.opSize = opsize ? 2 : 4;
            }
        } else if (spec.has(OpcodeSpec.SIZE64)) {
            i.opSize = 4;
        } else {
            i.opSize = (c.codeSize() == 2) != opsize ? 2 : 4;
        }
        boolean adsize = (prefixes & Insn.P_ADSIZE) != 0;
        if (mode64) {
            i.addrSize = adsize ? 4 : 8;
        } else {
            i.addrSize = (c.codeSize() == 2) != adsize ? 2 : 4;
        }
    }

    private static int byteReg(int n, int rex) {
        return rex != 0 || n < 4 || n > 7 ? n : n + 12;
    }

    private void modrm(DecodedInsn i, OpcodeSpec spec, int rex, boolean mode64) {
        int m = next();
        int mod = spec.has(OpcodeSpec.MOD_REG) ? 3 : m >>> 6;
        int reg = ((m >>> 3) & 7) | ((rex & 4) << 1);
        int rm = m & 7;
        i.sub = (m >>> 3) & 7;
        i.reg = i.opSize == 1 ? byteReg(reg, rex) : reg;
        i.index = Insn.NONE;
        i.scale = 0;
        i.disp = 0;
        if (mod == 3) {
            int r = rm | ((rex & 1) << 3);
            i.rm = i.opSize == 1 || spec.has(OpcodeSpec.RM_BYTE) ? byteReg(r, rex) : r;
            i.base = Insn.NONE;
            return;
        }
        i.rm = Insn.NONE;
        if (i.addrSize == 2) {
            modrm16(i, mod, rm);
            return;
        }
        if (rm == 4) {
            int sib = next();
            int idx = ((sib >>> 3) & 7) | ((rex & 2) << 2);
            i.index = idx == 4 ? Insn.NONE : idx;
            i.scale = sib >>> 6;
            int base = sib & 7;
            if (base == 5 && mod == 0) {
                i.base = Insn.NONE;
                i.disp = next32();
            } else {
                i.base = base | ((rex & 1) << 3);
            }
        } else if (rm == 5 && mod == 0) {
            i.base = mode64 ? RIP_RELATIVE : Insn.NONE;
            i.disp = next32();
        } else {
            i.base = rm | ((rex & 1) << 3);
        }
        boolean stack = i.base == Cpu.RSP || i.base == Cpu.RBP;
        if (mod == 1) {
            i.disp += (byte) next();
        } else if (mod == 2) {
            i.disp += next32();
        }
        if (i.seg < 0 && stack) {
            i.seg = Cpu.SS;
        }
    }

    private static final int[] BASES16 = {Cpu.RBX, Cpu.RBX, Cpu.RBP, Cpu.RBP, Cpu.RSI, Cpu.RDI, Cpu.RBP, Cpu.RBX};
    private static final int[] INDEXES16 = {Cpu.RSI, Cpu.RDI, Cpu.RSI, Cpu.RDI, Insn.NONE, Insn.NONE, Insn.NONE,
        Insn.NONE};

    private void modrm16(DecodedInsn i, int mod, int rm) {
        i.base = BASES16[rm];
        i.index = INDEXES16[rm];
        boolean stack = rm == 2 || rm == 3 || rm == 6;
        if (mod == 0 && rm == 6) {
            i.base = Insn.NONE;
            i.disp = next16();
            stack = false;
        } else if (mod == 1) {
            i.disp = (byte) next();
        } else if (mod == 2) {
            i.disp = (short) next16();
        }
        if (i.seg < 0 && stack) {
            i.seg = Cpu.SS;
        }
    }

    private int next16() {
        return next() | (next() << 8);
    }

    private long next32() {
        return next16() | (next16() << 16);
    }

    private long next64() {
        return (next32() & 0xFFFF_FFFFL) | (next32() << 32);
    }

    private void immediates(DecodedInsn i, OpcodeSpec spec) {
        int f = spec.form();
        if ((f & OpcodeSpec.TEST_IMM) != 0) {
            if (i.sub <= 1) {
                i.imm = i.opSize == 1 ? (byte) next() : immz(i.opSize);
            }
            return;
        }
        if ((f & OpcodeSpec.IMM8) != 0) {
            i.imm = (byte) next();
        } else if ((f & OpcodeSpec.IMM16) != 0) {
            i.imm = next16();
        } else if ((f & OpcodeSpec.IMMZ) != 0) {
            i.imm = immz(i.opSize);
        } else if ((f & OpcodeSpec.IMMV) != 0) {
            i.imm = switch (i.opSize) {
                case 2 -> next16();
                case 4 -> next32() & 0xFFFF_FFFFL;
                default -> next64();
            };
        } else if ((f & OpcodeSpec.MOFFS) != 0) {
            i.base = Insn.NONE;
            i.index = Insn.NONE;
            i.rm = Insn.NONE;
            i.disp = switch (i.addrSize) {
                case 2 -> next16();
                case 4 -> next32() & 0xFFFF_FFFFL;
                default -> next64();
            };
        } else if ((f & OpcodeSpec.FAR) != 0) {
            i.imm = i.opSize == 2 ? next16() : next32() & 0xFFFF_FFFFL;
            i.imm2 = next16();
        } else if ((f & OpcodeSpec.IMM16_8) != 0) {
            i.imm = next16();
            i.imm2 = next();
        }
    }

    private long immz(int size) {
        return size == 2 ? (short) next16() : next32();
    }
}
