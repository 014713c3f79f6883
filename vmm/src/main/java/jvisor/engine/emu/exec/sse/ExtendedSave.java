package jvisor.engine.emu.exec.sse;

import java.util.Arrays;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.SystemOps;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.FxsaveImage;
import jvisor.engine.emu.fpu.Mxcsr;
import jvisor.engine.emu.fpu.XsaveLayout;

/**
 * XSAVE, XSAVEOPT and XRSTOR (0F AE /4, /6, /5; with REX.W the 64-bit x87 pointer layout of
 * FXSAVE64) in the standard form of the area: the components the requested-feature bitmap (XCR0
 * and EDX:EAX) selects, the XSAVE header's XSTATE_BV, and on restore the initial configuration of
 * each selected component the image marks as such. XSAVEOPT saves everything as XSAVE does, which
 * its optimizations allow. The x87 and SSE components count as always in use; PKRU when nonzero.
 */
final class ExtendedSave {
    private ExtendedSave() { }

    private static final int XSTATE_BV = XsaveLayout.HEADER;
    private static final int XCOMP_BV = XsaveLayout.HEADER + 8;
    private static final long LEGACY = XsaveLayout.X87 | XsaveLayout.SSE;

    /** The requested-feature bitmap: XCR0 and EDX:EAX. */
    private static long requested(Cpu c) {
        return c.xcr0() & ((c.reg(Cpu.RDX) << 32) | (c.reg(Cpu.RAX) & 0xFFFF_FFFFL));
    }

    /** #UD without CR4.OSXSAVE, #NM under CR0.TS (CR0.EM does not matter here). */
    private static void check(Cpu c) {
        SystemOps.requireOsxsave(c);
        if ((c.cr0() & Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    /** The area's linear address, 64-byte aligned (#GP(0) if not), its first {@code extent} bytes in the segment. */
    private static long area(Cpu c, Insn x, int extent, boolean write) {
        long ea = Operands.ea(c, x);
        if ((ea & 63) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long lin = write ? c.linearWrite(x.seg(), ea, extent) : c.linearRead(x.seg(), ea, extent);
        if ((lin & 63) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return lin;
    }

    private static int xmmCount(Insn x) {
        return x.mode64() ? 16 : 8;
    }

    private static long inUse(Cpu c) {
        return LEGACY | (c.pkru() != 0 ? XsaveLayout.PKRU : 0);
    }

    static final Op XSAVE = (c, x) -> {
        check(c);
        long rfbm = requested(c);
        long lin = area(c, x, XsaveLayout.size(rfbm | XsaveLayout.X87), true);
        boolean user = c.cpl() == 3;
        // Every place written is checked first, so a fault leaves the area as it was.
        c.mmu.probeWrite(lin, XsaveLayout.HEADER + 8, user);
        if ((rfbm & XsaveLayout.PKRU) != 0) {
            c.mmu.probeWrite(lin + XsaveLayout.PKRU_OFFSET, XsaveLayout.PKRU_SIZE, user);
        }
        if ((rfbm & LEGACY) != 0) {
            FpuState f = c.fpu;
            byte[] b = f.image;
            int n = FxsaveImage.definedBytes(xmmCount(x));
            // What the selected components do not cover keeps what memory holds.
            for (int k = 0; k < n; k += 8) {
                FxsaveImage.put64(b, k, c.mmu.read64(lin + k));
            }
            if ((rfbm & XsaveLayout.X87) != 0) {
                FxsaveImage.storeX87(f, b, x.hasPrefix(Insn.P_REXW));
            }
            if ((rfbm & XsaveLayout.SSE) != 0) {
                FxsaveImage.storeMxcsr(f, b);
                FxsaveImage.storeXmm(f, b, xmmCount(x));
            }
            for (int k = 0; k < n; k += 8) {
                c.mmu.write64(lin + k, FxsaveImage.u64(b, k));
            }
        }
        if ((rfbm & XsaveLayout.PKRU) != 0) {
            c.mmu.write64(lin + XsaveLayout.PKRU_OFFSET, c.pkru() & 0xFFFF_FFFFL);
        }
        long bv = c.mmu.read64(lin + XSTATE_BV);
        c.mmu.write64(lin + XSTATE_BV, (bv & ~rfbm) | (inUse(c) & rfbm));
    };

    /**
     * XRSTOR: #GP(0) for a compacted image (XSAVEC is not offered), nonzero header bytes 8-23, an
     * XSTATE_BV naming a component XCR0 does not enable, or reserved MXCSR bits. Everything is
     * read and checked before any register changes.
     */
    static final Op XRSTOR = (c, x) -> {
        check(c);
        long rfbm = requested(c);
        long lin = area(c, x, XsaveLayout.size(rfbm | XsaveLayout.X87), false);
        long bv = c.mmu.read64(lin + XSTATE_BV);
        if (c.mmu.read64(lin + XCOMP_BV) != 0 || c.mmu.read64(lin + XCOMP_BV + 8) != 0 || (bv & ~c.xcr0()) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        FpuState f = c.fpu;
        byte[] b = f.image;
        int xmm = xmmCount(x);
        if ((rfbm & LEGACY) != 0) {
            int n = FxsaveImage.definedBytes(xmm);
            for (int k = 0; k < n; k += 8) {
                FxsaveImage.put64(b, k, c.mmu.read64(lin + k));
            }
        }
        // MXCSR is loaded with the SSE component even when the image marks it initial.
        if ((rfbm & XsaveLayout.SSE) != 0 && (FxsaveImage.mxcsr(b) & ~Mxcsr.WRITABLE) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        int pkru = 0;
        if ((rfbm & bv & XsaveLayout.PKRU) != 0) {
            pkru = c.mmu.read32(lin + XsaveLayout.PKRU_OFFSET);
        }
        if ((rfbm & XsaveLayout.X87) != 0) {
            if ((bv & XsaveLayout.X87) != 0) {
                FxsaveImage.loadX87(f, b, x.hasPrefix(Insn.P_REXW));
            } else {
                f.initX87Component();
            }
        }
        if ((rfbm & XsaveLayout.SSE) != 0) {
            f.mxcsr = FxsaveImage.mxcsr(b);
            if ((bv & XsaveLayout.SSE) != 0) {
                FxsaveImage.loadXmm(f, b, xmm);
            } else {
                Arrays.fill(f.xmm, 0, 2 * xmm, 0);
            }
        }
        if ((rfbm & XsaveLayout.PKRU) != 0) {
            SystemOps.writePkru(c, pkru);
        }
    };
}
