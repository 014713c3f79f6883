package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.FxsaveImage;
import jvisor.engine.emu.fpu.Mxcsr;

/**
 * The memory forms of 0F AE this family owns: FXSAVE, FXRSTOR (with REX.W: the 64-bit pointer
 * layout), LDMXCSR and STMXCSR, and XSAVE, XRSTOR and XSAVEOPT ({@link ExtendedSave}). The fences and CLFLUSH in the same row belong to the integer set.
 */
final class SaveRestore {
    private SaveRestore() { }

    static void register(OpcodeMaps m) {
        m.chain(TWO_BYTE, 0xAE, MODRM, SaveRestore::groupAE);
    }

    private static Op groupAE(DecodedInsn i) {
        if (i.rm >= 0 || Mandatory.of(i) != Mandatory.NONE) {
            return null;
        }
        return switch (i.sub) {
            case 0 -> FXSAVE;
            case 1 -> FXRSTOR;
            case 2 -> LDMXCSR;
            case 3 -> STMXCSR;
            case 4 -> ExtendedSave.XSAVE;
            case 5 -> ExtendedSave.XRSTOR;
            case 6 -> ExtendedSave.XSAVE; // XSAVEOPT
            default -> null;
        };
    }

    /** FXSAVE and FXRSTOR: #NM under CR0.EM or CR0.TS (they do not need CR4.OSFXSR). */
    private static void checkSave(Cpu c) {
        if ((c.cr0() & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    private static long imageAddress(Cpu c, Insn x, boolean write) {
        long ea = Operands.ea(c, x);
        if ((ea & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long lin = write ? c.linearWrite(x.seg(), ea, FxsaveImage.SIZE) : c.linearRead(x.seg(), ea, FxsaveImage.SIZE);
        if ((lin & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return lin;
    }

    private static int xmmCount(Insn x) {
        return x.mode64() ? 16 : 8;
    }

    private static final Op FXSAVE = (c, x) -> {
        checkSave(c);
        long lin = imageAddress(c, x, true);
        FpuState f = c.fpu;
        int n = FxsaveImage.definedBytes(xmmCount(x));
        c.mmu.probeWrite(lin, n, c.cpl() == 3);
        byte[] b = f.image;
        // Slot padding and reserved bytes keep what memory holds.
        for (int k = 0; k < n; k += 8) {
            FxsaveImage.put64(b, k, c.mmu.read64(lin + k));
        }
        FxsaveImage.store(f, b, x.hasPrefix(Insn.P_REXW), xmmCount(x));
        for (int k = 0; k < n; k += 8) {
            c.mmu.write64(lin + k, FxsaveImage.u64(b, k));
        }
    };

    private static final Op FXRSTOR = (c, x) -> {
        checkSave(c);
        long lin = imageAddress(c, x, false);
        FpuState f = c.fpu;
        int n = FxsaveImage.definedBytes(xmmCount(x));
        byte[] b = f.image;
        for (int k = 0; k < n; k += 8) {
            FxsaveImage.put64(b, k, c.mmu.read64(lin + k));
        }
        if ((FxsaveImage.mxcsr(b) & ~Mxcsr.WRITABLE) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        FxsaveImage.load(f, b, x.hasPrefix(Insn.P_REXW), xmmCount(x));
    };

    private static final Op LDMXCSR = (c, x) -> {
        Sse.check(c);
        int v = c.read32(x.seg(), Operands.ea(c, x));
        if ((v & ~Mxcsr.WRITABLE) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.fpu.mxcsr = v;
    };

    private static final Op STMXCSR = (c, x) -> {
        Sse.check(c);
        c.write32(x.seg(), Operands.ea(c, x), c.fpu.mxcsr);
    };
}
