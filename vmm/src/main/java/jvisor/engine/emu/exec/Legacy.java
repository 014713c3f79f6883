package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.INV64;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Segmentation;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * Instructions that 64-bit code no longer has, for real-mode and 32-bit guests: the BCD
 * adjustments, BOUND, SALC, and the far-pointer loads (LDS LES LSS LFS LGS). Flags the SDM leaves
 * undefined after the BCD instructions are cleared.
 */
public final class Legacy {
    private Legacy() { }

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0x27, INV64, i -> DAA);
        m.put(ONE_BYTE, 0x2F, INV64, i -> DAS);
        m.put(ONE_BYTE, 0x37, INV64, i -> AAA);
        m.put(ONE_BYTE, 0x3F, INV64, i -> AAS);
        m.put(ONE_BYTE, 0xD4, IMM8 | INV64, i -> AAM);
        m.put(ONE_BYTE, 0xD5, IMM8 | INV64, i -> AAD);
        m.put(ONE_BYTE, 0xD6, INV64, i -> SALC);
        m.put(ONE_BYTE, 0x62, MODRM | INV64, i -> i.rm >= 0 ? null : BOUND);
        m.put(ONE_BYTE, 0xC4, MODRM | INV64, i -> i.rm >= 0 ? null : farLoad(Cpu.ES));
        m.put(ONE_BYTE, 0xC5, MODRM | INV64, i -> i.rm >= 0 ? null : farLoad(Cpu.DS));
        m.put(TWO_BYTE, 0xB2, MODRM, i -> i.rm >= 0 ? null : farLoad(Cpu.SS));
        m.put(TWO_BYTE, 0xB4, MODRM, i -> i.rm >= 0 ? null : farLoad(Cpu.FS));
        m.put(TWO_BYTE, 0xB5, MODRM, i -> i.rm >= 0 ? null : farLoad(Cpu.GS));
    }

    private static int al(Cpu c) {
        return (int) c.reg(Cpu.RAX) & 0xFF;
    }

    private static void setAlFlags(Cpu c, int al, boolean cf, boolean af) {
        c.setReg8(Cpu.RAX, al);
        c.flags.result(al, 1, (cf ? Flags.CF : 0) | (af ? Flags.AF : 0));
    }

    private static final Op DAA = (c, x) -> {
        int old = al(c);
        boolean oldCf = c.flags.cf();
        boolean af = c.flags.af();
        int al = old;
        boolean cf = false;
        if ((old & 0xF) > 9 || af) {
            al = (al + 6) & 0xFF;
            cf = oldCf || old > 0xF9;
            af = true;
        } else {
            af = false;
        }
        if (old > 0x99 || oldCf) {
            al = (al + 0x60) & 0xFF;
            cf = true;
        } else {
            cf = false;
        }
        setAlFlags(c, al, cf, af);
    };

    private static final Op DAS = (c, x) -> {
        int old = al(c);
        boolean oldCf = c.flags.cf();
        boolean af = c.flags.af();
        int al = old;
        boolean cf = false;
        if ((old & 0xF) > 9 || af) {
            al = (al - 6) & 0xFF;
            cf = oldCf || old < 6;
            af = true;
        } else {
            af = false;
        }
        if (old > 0x99 || oldCf) {
            al = (al - 0x60) & 0xFF;
            cf = true;
        }
        setAlFlags(c, al, cf, af);
    };

    private static void asciiAdjust(Cpu c, boolean add) {
        long ax = c.reg(Cpu.RAX) & 0xFFFF;
        boolean adjust = (ax & 0xF) > 9 || c.flags.af();
        if (adjust) {
            ax = add ? ax + 0x106 : ax - 0x106;
        }
        ax = (ax & 0xFF00) | (ax & 0x0F);
        c.setReg(Cpu.RAX, 2, ax);
        c.flags.result(ax & 0xFF, 1, adjust ? Flags.CF | Flags.AF : 0);
    }

    private static final Op AAA = (c, x) -> asciiAdjust(c, true);
    private static final Op AAS = (c, x) -> asciiAdjust(c, false);

    private static final Op AAM = (c, x) -> {
        int base = (int) x.imm() & 0xFF;
        if (base == 0) {
            throw c.fault(Vectors.DE);
        }
        int al = al(c);
        int result = al % base;
        c.setReg(Cpu.RAX, 2, ((long) (al / base) << 8) | result);
        c.flags.result(result, 1, 0);
    };

    private static final Op AAD = (c, x) -> {
        int base = (int) x.imm() & 0xFF;
        long ax = c.reg(Cpu.RAX);
        int al = (int) ((ax & 0xFF) + ((ax >>> 8) & 0xFF) * base) & 0xFF;
        c.setReg(Cpu.RAX, 2, al);
        c.flags.result(al, 1, 0);
    };

    private static final Op SALC = (c, x) -> c.setReg8(Cpu.RAX, c.flags.cf() ? 0xFF : 0);

    private static final Op BOUND = (c, x) -> {
        int s = x.opSize();
        long ea = Operands.ea(c, x);
        long index = Flags.sx(c.reg(x.reg(), s), s);
        long lower = Flags.sx(c.read(x.seg(), ea, s), s);
        long upper = Flags.sx(c.read(x.seg(), (ea + s) & x.addrMask(), s), s);
        if (index < lower || index > upper) {
            throw c.fault(Vectors.BR);
        }
    };

    private static Op farLoad(int sreg) {
        return (c, x) -> {
            long ea = Operands.ea(c, x);
            long offset = c.read(x.seg(), ea, x.opSize());
            int selector = c.read16(x.seg(), (ea + x.opSize()) & x.addrMask());
            if (sreg == Cpu.SS) {
                Segmentation.loadStack(c, selector);
            } else {
                Segmentation.loadData(c, sreg, selector);
            }
            c.setReg(x.reg(), x.opSize(), offset);
        };
    }
}
