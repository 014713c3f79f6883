package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.SystemOps;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE and 16-, 32-
 * and 64-bit address sizes. A repeated instruction runs at most {@link #BATCH} iterations per
 * execution and then restarts itself, so interrupts and kicks are never held off for long;
 * registers always reflect the iterations done, so a fault in the middle resumes correctly.
 */
public final class Strings {
    private Strings() { }

    static final int BATCH = 4096;

    static final int MOVS = 0;
    static final int CMPS = 1;
    static final int STOS = 2;
    static final int LODS = 3;
    static final int SCAS = 4;
    static final int INS = 5;
    static final int OUTS = 6;

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0xA4, BYTE, i -> build(i, MOVS));
        m.put(ONE_BYTE, 0xA5, 0, i -> build(i, MOVS));
        m.put(ONE_BYTE, 0xA6, BYTE, i -> build(i, CMPS));
        m.put(ONE_BYTE, 0xA7, 0, i -> build(i, CMPS));
        m.put(ONE_BYTE, 0xAA, BYTE, i -> build(i, STOS));
        m.put(ONE_BYTE, 0xAB, 0, i -> build(i, STOS));
        m.put(ONE_BYTE, 0xAC, BYTE, i -> build(i, LODS));
        m.put(ONE_BYTE, 0xAD, 0, i -> build(i, LODS));
        m.put(ONE_BYTE, 0xAE, BYTE, i -> build(i, SCAS));
        m.put(ONE_BYTE, 0xAF, 0, i -> build(i, SCAS));
        m.put(ONE_BYTE, 0x6C, BYTE | ENDS, i -> build(i, INS));
        m.put(ONE_BYTE, 0x6D, ENDS, i -> build(i, INS));
        m.put(ONE_BYTE, 0x6E, BYTE | ENDS, i -> build(i, OUTS));
        m.put(ONE_BYTE, 0x6F, ENDS, i -> build(i, OUTS));
    }

    private static Op build(DecodedInsn i, int kind) {
        if (kind == INS || kind == OUTS) {
            i.opSize = Math.min(i.opSize, 4);
        }
        boolean rep = i.hasPrefix(Insn.P_REP) || i.hasPrefix(Insn.P_REPNE);
        if (!rep) {
            return (c, x) -> {
                if (kind == INS || kind == OUTS) {
                    SystemOps.checkIoPermission(c, (int) c.reg(Cpu.RDX) & 0xFFFF, x.opSize());
                }
                once(c, x, kind);
            };
        }
        i.endsBlock = true;
        boolean conditional = kind == CMPS || kind == SCAS;
        boolean whileEqual = i.hasPrefix(Insn.P_REP);
        return (c, x) -> {
            if (kind == INS || kind == OUTS) {
                SystemOps.checkIoPermission(c, (int) c.reg(Cpu.RDX) & 0xFFFF, x.opSize());
            }
            int a = x.addrSize();
            long count = c.reg(Cpu.RCX, a);
            if ((kind == MOVS || kind == STOS) && count > 1 && !c.flag(Flags.DF) && c.mode64()) {
                count = BulkStrings.run(c, x, kind == MOVS, count);
            }
            for (int budget = BATCH; count != 0; budget--) {
                if (budget == 0) {
                    c.setRip(x.rip());
                    return;
                }
                once(c, x, kind);
                count--;
                c.setReg(Cpu.RCX, a, count);
                if (conditional && c.flags.zf() != whileEqual) {
                    break;
                }
                if (c.codeWritten) {
                    c.setRip(count == 0 ? x.nextRip() : x.rip());
                    return;
                }
            }
            c.setRip(x.nextRip());
        };
    }

    private static void advance(Cpu c, int reg, int addrSize, int delta) {
        c.setReg(reg, addrSize, c.reg(reg, addrSize) + delta);
    }

    /** One iteration. */
    private static void once(Cpu c, Insn x, int kind) {
        int s = x.opSize();
        int a = x.addrSize();
        int delta = c.flag(Flags.DF) ? -s : s;
        switch (kind) {
            case MOVS -> {
                long v = c.read(x.seg(), c.reg(Cpu.RSI, a), s);
                c.write(Cpu.ES, c.reg(Cpu.RDI, a), s, v);
                advance(c, Cpu.RSI, a, delta);
                advance(c, Cpu.RDI, a, delta);
            }
            case CMPS -> {
                long src = c.read(x.seg(), c.reg(Cpu.RSI, a), s);
                long dst = c.read(Cpu.ES, c.reg(Cpu.RDI, a), s);
                Alu.compute(c, Alu.CMP, src, dst, s);
                advance(c, Cpu.RSI, a, delta);
                advance(c, Cpu.RDI, a, delta);
            }
            case STOS -> {
                c.write(Cpu.ES, c.reg(Cpu.RDI, a), s, c.reg(Cpu.RAX, s));
                advance(c, Cpu.RDI, a, delta);
            }
            case LODS -> {
                c.setReg(Cpu.RAX, s, c.read(x.seg(), c.reg(Cpu.RSI, a), s));
                advance(c, Cpu.RSI, a, delta);
            }
            case SCAS -> {
                long dst = c.read(Cpu.ES, c.reg(Cpu.RDI, a), s);
                Alu.compute(c, Alu.CMP, c.reg(Cpu.RAX, s), dst, s);
                advance(c, Cpu.RDI, a, delta);
            }
            case INS -> {
                long lin = c.linearWrite(Cpu.ES, c.reg(Cpu.RDI, a), s);
                c.mmu.probeWrite(lin, s, c.cpl() == 3);
                int v = c.io().portRead((int) c.reg(Cpu.RDX) & 0xFFFF, s);
                c.mmu.write(lin, s, v & 0xFFFF_FFFFL);
                advance(c, Cpu.RDI, a, delta);
            }
            default -> {
                long v = c.read(x.seg(), c.reg(Cpu.RSI, a), s);
                c.io().portWrite((int) c.reg(Cpu.RDX) & 0xFFFF, s, (int) v);
                advance(c, Cpu.RSI, a, delta);
            }
        }
    }
}
