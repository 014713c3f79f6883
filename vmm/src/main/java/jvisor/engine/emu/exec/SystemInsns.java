package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.decode.OpcodeSpec.MOD_REG;
import static jvisor.engine.emu.decode.OpcodeSpec.SIZE64;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Cpuid;
import jvisor.engine.emu.cpu.FastSystemCalls;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.SystemOps;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * System instructions: HLT, CLI/STI, the flag instructions, CPUID, RDTSC(P), RDMSR/WRMSR, MOV
 * to/from control and debug registers, XGETBV/XSETBV, RDPKRU/WRPKRU, the descriptor-table instructions (0F 00, 0F 01), LAR/LSL,
 * cache and TLB maintenance, SYSCALL/SYSRET/SYSENTER/SYSEXIT, SWAPGS, UD2.
 */
public final class SystemInsns {
    private SystemInsns() { }

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0xF4, ENDS, i -> HLT);
        m.put(ONE_BYTE, 0xFA, 0, i -> CLI);
        m.put(ONE_BYTE, 0xFB, ENDS, i -> STI);
        m.put(ONE_BYTE, 0xF5, 0, i -> (c, x) -> c.flags.setBits(c.flags.bits() ^ Flags.CF));
        m.put(ONE_BYTE, 0xF8, 0, i -> (c, x) -> c.flags.setBits(c.flags.bits() & ~Flags.CF));
        m.put(ONE_BYTE, 0xF9, 0, i -> (c, x) -> c.flags.setBits(c.flags.bits() | Flags.CF));
        m.put(ONE_BYTE, 0xFC, 0, i -> (c, x) -> c.setFlag(Flags.DF, false));
        m.put(ONE_BYTE, 0xFD, 0, i -> (c, x) -> c.setFlag(Flags.DF, true));
        m.put(TWO_BYTE, 0xA2, 0, i -> (c, x) -> Cpuid.execute(c, (int) c.reg(Cpu.RAX), (int) c.reg(Cpu.RCX),
                c.cpuCount));
        m.put(TWO_BYTE, 0x31, 0, i -> RDTSC);
        m.put(TWO_BYTE, 0x32, 0, i -> RDMSR);
        m.put(TWO_BYTE, 0x30, ENDS, i -> WRMSR);
        m.put(TWO_BYTE, 0x33, 0, i -> (c, x) -> {
            throw c.fault(Vectors.GP, 0);
        });
        m.put(TWO_BYTE, 0x20, MODRM | MOD_REG | SIZE64, i -> movFromCr(i));
        m.put(TWO_BYTE, 0x22, MODRM | MOD_REG | SIZE64 | ENDS, i -> movToCr(i));
        m.put(TWO_BYTE, 0x21, MODRM | MOD_REG | SIZE64, i -> i.reg > 7 ? null : MOV_FROM_DR);
        m.put(TWO_BYTE, 0x23, MODRM | MOD_REG | SIZE64 | ENDS, i -> i.reg > 7 ? null : MOV_TO_DR);
        m.put(TWO_BYTE, 0x06, 0, i -> CLTS);
        m.put(TWO_BYTE, 0x08, 0, i -> RING0_NOP);
        m.put(TWO_BYTE, 0x09, 0, i -> RING0_NOP);
        m.put(TWO_BYTE, 0x0B, ENDS, i -> UD2);
        m.put(TWO_BYTE, 0x05, ENDS, i -> (c, x) -> FastSystemCalls.syscall(c, x.nextRip()));
        m.put(TWO_BYTE, 0x07, ENDS, i -> (c, x) -> FastSystemCalls.sysret(c, x.hasPrefix(Insn.P_REXW)));
        m.put(TWO_BYTE, 0x34, ENDS, i -> (c, x) -> FastSystemCalls.sysenter(c));
        m.put(TWO_BYTE, 0x35, ENDS, i -> (c, x) -> FastSystemCalls.sysexit(c, x.hasPrefix(Insn.P_REXW)));
        m.put(TWO_BYTE, 0x00, MODRM | ENDS, Descriptors::group6);
        m.put(TWO_BYTE, 0x01, MODRM | ENDS, Descriptors::group7);
        m.put(TWO_BYTE, 0x02, MODRM, i -> Descriptors.LAR);
        m.put(TWO_BYTE, 0x03, MODRM, i -> Descriptors.LSL);
        m.put(TWO_BYTE, 0xAE, MODRM, SystemInsns::groupAE);
    }

    static void requireRing0(Cpu c) {
        SystemOps.requireRing0(c);
    }

    private static final Op HLT = (c, x) -> {
        requireRing0(c);
        c.halted = true;
    };

    private static boolean mayChangeIf(Cpu c) {
        return !c.protectedMode() || c.iopl() >= c.cpl();
    }

    static final Op CLI = SystemInsns::cli;
    static void cli(Cpu c, Insn x) {
        if (!mayChangeIf(c)) {
            throw c.fault(Vectors.GP, 0);
        }
        c.setFlag(Flags.IF, false);
    }


    static final Op STI = SystemInsns::sti;
    static void sti(Cpu c, Insn x) {
        if (!mayChangeIf(c)) {
            throw c.fault(Vectors.GP, 0);
        }
        if (!c.interruptsEnabled()) {
            c.setFlag(Flags.IF, true);
            c.inhibitInterrupts = true;
        }
    }


    static void storeTsc(Cpu c) {
        if ((c.cr4() & Cpu.CR4_TSD) != 0 && c.cpl() != 0 && c.protectedMode()) {
            throw c.fault(Vectors.GP, 0);
        }
        long t = c.tsc().now();
        c.setReg(Cpu.RAX, t & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, t >>> 32);
    }

    private static final Op RDTSC = (c, x) -> storeTsc(c);

    static final Op RDTSCP = (c, x) -> {
        storeTsc(c);
        c.setReg(Cpu.RCX, c.msrs.tscAux());
    };

    private static final Op RDMSR = (c, x) -> {
        requireRing0(c);
        long v = c.msrs.read((int) c.reg(Cpu.RCX));
        c.setReg(Cpu.RAX, v & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, v >>> 32);
    };

    private static final Op WRMSR = (c, x) -> {
        requireRing0(c);
        long v = (c.reg(Cpu.RDX) << 32) | (c.reg(Cpu.RAX) & 0xFFFF_FFFFL);
        c.msrs.write((int) c.reg(Cpu.RCX), v);
    };

    private static boolean validCr(DecodedInsn i) {
        return i.reg == 0 || i.reg == 2 || i.reg == 3 || i.reg == 4 || (i.reg == 8 && i.mode64);
    }

    private static Op movFromCr(DecodedInsn i) {
        if (!validCr(i)) {
            return null;
        }
        int cr = i.reg;
        return (c, x) -> {
            requireRing0(c);
            long v = switch (cr) {
                case 0 -> c.cr0();
                case 2 -> c.cr2();
                case 3 -> c.cr3();
                case 4 -> c.cr4();
                default -> SystemOps.readCr8(c);
            };
            c.setReg(x.rm(), x.opSize(), v);
        };
    }

    private static Op movToCr(DecodedInsn i) {
        if (!validCr(i)) {
            return null;
        }
        int cr = i.reg;
        return (c, x) -> {
            requireRing0(c);
            long v = c.reg(x.rm(), x.opSize());
            switch (cr) {
                case 0 -> SystemOps.writeCr0(c, v);
                case 2 -> c.setCr2(v);
                case 3 -> SystemOps.writeCr3(c, v);
                case 4 -> SystemOps.writeCr4(c, v);
                default -> SystemOps.writeCr8(c, v);
            }
        };
    }

    /** XGETBV: ECX's upper half is ignored; EDX:EAX gets the register. */
    static final Op XGETBV = (c, x) -> {
        long v = SystemOps.xgetbv(c, (int) c.reg(Cpu.RCX));
        c.setReg(Cpu.RAX, v & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, v >>> 32);
    };

    static final Op XSETBV = (c, x) -> SystemOps.xsetbv(c, (int) c.reg(Cpu.RCX),
            (c.reg(Cpu.RDX) << 32) | (c.reg(Cpu.RAX) & 0xFFFF_FFFFL));

    /** RDPKRU: ECX must be 0; EDX is cleared. */
    static final Op RDPKRU = (c, x) -> {
        SystemOps.requirePke(c);
        if ((int) c.reg(Cpu.RCX) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.setReg(Cpu.RAX, c.pkru() & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, 0);
    };

    /** WRPKRU, at any privilege: ECX and EDX must be 0. */
    static final Op WRPKRU = (c, x) -> {
        SystemOps.requirePke(c);
        if ((int) c.reg(Cpu.RCX) != 0 || (int) c.reg(Cpu.RDX) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        SystemOps.writePkru(c, (int) c.reg(Cpu.RAX));
    };

    private static final Op MOV_FROM_DR = (c, x) -> {
        requireRing0(c);
        c.setReg(x.rm(), x.opSize(), SystemOps.readDr(c, x.reg()));
    };

    private static final Op MOV_TO_DR = (c, x) -> {
        requireRing0(c);
        SystemOps.writeDr(c, x.reg(), c.reg(x.rm(), x.opSize()));
    };

    private static final Op CLTS = (c, x) -> {
        requireRing0(c);
        c.setCr0Bits(c.cr0() & ~Cpu.CR0_TS);
    };

    private static final Op RING0_NOP = (c, x) -> requireRing0(c);

    private static final Op UD2 = (c, x) -> {
        throw c.fault(Vectors.UD);
    };

    static final Op LFENCE = (c, x) -> java.lang.invoke.VarHandle.fullFence();

    /** 0F AE: fences and CLFLUSH here; FXSAVE/XSAVE/MXCSR forms belong to the SSE family. */
    private static Op groupAE(DecodedInsn i) {
        if (i.rm >= 0) {
            if ((i.prefixes & (Insn.P_REP | Insn.P_REPNE | Insn.P_OPSIZE)) == 0 && i.sub >= 5) {
                return LFENCE;
            }
            return null;
        }
        if (i.sub == 7 && (i.prefixes & (Insn.P_REP | Insn.P_REPNE)) == 0) {
            return CLFLUSH;
        }
        return null;
    }

    /** CLFLUSH: no cache to flush, but the address must be valid (it can #PF, never touches MMIO). */
    private static final Op CLFLUSH = (c, x) -> {
        long lin = c.linearRead(x.seg(), Operands.ea(c, x), 1);
        c.mmu.probeRead(lin);
    };

    /** ARPL (0x63 outside 64-bit mode). */
    static Op arpl(DecodedInsn i) {
        i.opSize = 2;
        return (c, x) -> {
            if (!c.protectedMode() || c.flag(Flags.VM)) {
                throw c.fault(Vectors.UD);
            }
            long dst = Operands.readRm(c, x, 2);
            long src = c.reg(x.reg(), 2);
            long kept = c.flags.bits() & ~Flags.ZF;
            if ((dst & 3) < (src & 3)) {
                Operands.writeRm(c, x, 2, (dst & ~3L) | (src & 3));
                c.flags.setBits(kept | Flags.ZF);
            } else {
                c.flags.setBits(kept);
            }
        };
    }
}
