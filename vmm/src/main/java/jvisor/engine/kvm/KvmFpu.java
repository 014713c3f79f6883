package jvisor.engine.kvm;

import java.lang.foreign.MemorySegment;
import jvisor.engine.FpuRegisters;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_fpu} to and from the engine-neutral FXSAVE image: the same fields in another
 * order. kvm_fpu has no MXCSR_MASK; the image gets 0 there, which FXSAVE's definition reads as the
 * default mask 0xFFBF.
 */
final class KvmFpu {
    private KvmFpu() { }

    private static final long FPR = off("fpr");
    private static final long FCW = off("fcw");
    private static final long FSW = off("fsw");
    private static final long FTWX = off("ftwx");
    private static final long LAST_OPCODE = off("last_opcode");
    private static final long LAST_IP = off("last_ip");
    private static final long LAST_DP = off("last_dp");
    private static final long XMM = off("xmm");
    private static final long MXCSR = off("mxcsr");

    // FXSAVE's 64-bit layout (Intel SDM vol. 1, table 10-2).
    private static final int FX_FCW = 0;
    private static final int FX_FSW = 2;
    private static final int FX_FTW = 4;
    private static final int FX_FOP = 6;
    private static final int FX_FIP = 8;
    private static final int FX_FDP = 16;
    private static final int FX_MXCSR = 24;
    private static final int FX_ST = 32;
    private static final int FX_XMM = 160;

    static FpuRegisters read(MemorySegment f) {
        MemorySegment x = MemorySegment.ofArray(new byte[FpuRegisters.SIZE]);
        x.set(SHORT_UNALIGNED, FX_FCW, f.get(JAVA_SHORT, FCW));
        x.set(SHORT_UNALIGNED, FX_FSW, f.get(JAVA_SHORT, FSW));
        x.set(JAVA_BYTE, FX_FTW, f.get(JAVA_BYTE, FTWX));
        x.set(SHORT_UNALIGNED, FX_FOP, f.get(JAVA_SHORT, LAST_OPCODE));
        x.set(JAVA_LONG_UNALIGNED, FX_FIP, f.get(JAVA_LONG, LAST_IP));
        x.set(JAVA_LONG_UNALIGNED, FX_FDP, f.get(JAVA_LONG, LAST_DP));
        x.set(JAVA_INT_UNALIGNED, FX_MXCSR, f.get(JAVA_INT, MXCSR));
        MemorySegment.copy(f, FPR, x, FX_ST, 8 * 16);
        MemorySegment.copy(f, XMM, x, FX_XMM, 16 * 16);
        return new FpuRegisters(x.toArray(JAVA_BYTE));
    }

    /** XSAVE's header follows the legacy area: XSTATE_BV, one bit per component in the image. */
    private static final long XSTATE_BV = 512;
    /** x87 and SSE (MXCSR and the XMM registers): the components of the FXSAVE image. */
    private static final long XSTATE_FP_SSE = 0b11;
    private static final int FX_MXCSR_MASK = 28;
    /** What an MXCSR_MASK of 0 stands for (Intel SDM vol. 1, 11.6.6). */
    private static final int DEFAULT_MXCSR_MASK = 0xFFBF;

    /** The FXSAVE image from a kvm_xsave: its first 512 bytes, as KVM fills them (init values where a component is in its init state). */
    static FpuRegisters readXsave(MemorySegment xsave) {
        return new FpuRegisters(xsave.asSlice(0, FpuRegisters.SIZE).toArray(JAVA_BYTE));
    }

    /**
     * {@code fpu} into a kvm_xsave just read from KVM: the legacy area replaced, x87 and SSE
     * marked present so KVM loads them, and MXCSR's reserved bits cleared (KVM_SET_XSAVE refuses
     * an image with them set, and a debugger may write anything).
     */
    static void writeXsave(MemorySegment xsave, FpuRegisters fpu) {
        MemorySegment x = MemorySegment.ofArray(fpu.fxsave());
        int mask = xsave.get(JAVA_INT, FX_MXCSR_MASK);
        int mxcsr = x.get(JAVA_INT_UNALIGNED, FX_MXCSR) & (mask == 0 ? DEFAULT_MXCSR_MASK : mask);
        MemorySegment.copy(x, 0, xsave, 0, FpuRegisters.SIZE);
        xsave.set(JAVA_INT, FX_MXCSR_MASK, mask);
        xsave.set(JAVA_INT, FX_MXCSR, mxcsr);
        xsave.set(JAVA_LONG, XSTATE_BV, xsave.get(JAVA_LONG, XSTATE_BV) | XSTATE_FP_SSE);
    }

    static void write(MemorySegment f, FpuRegisters fpu) {
        MemorySegment x = MemorySegment.ofArray(fpu.fxsave());
        f.fill((byte) 0);
        f.set(JAVA_SHORT, FCW, x.get(SHORT_UNALIGNED, FX_FCW));
        f.set(JAVA_SHORT, FSW, x.get(SHORT_UNALIGNED, FX_FSW));
        f.set(JAVA_BYTE, FTWX, x.get(JAVA_BYTE, FX_FTW));
        f.set(JAVA_SHORT, LAST_OPCODE, x.get(SHORT_UNALIGNED, FX_FOP));
        f.set(JAVA_LONG, LAST_IP, x.get(JAVA_LONG_UNALIGNED, FX_FIP));
        f.set(JAVA_LONG, LAST_DP, x.get(JAVA_LONG_UNALIGNED, FX_FDP));
        f.set(JAVA_INT, MXCSR, x.get(JAVA_INT_UNALIGNED, FX_MXCSR));
        MemorySegment.copy(x, FX_ST, f, FPR, 8 * 16);
        MemorySegment.copy(x, FX_XMM, f, XMM, 16 * 16);
    }

    private static final java.lang.foreign.ValueLayout.OfShort SHORT_UNALIGNED = JAVA_SHORT.withByteAlignment(1);
    private static final java.lang.foreign.ValueLayout.OfLong JAVA_LONG_UNALIGNED = JAVA_LONG.withByteAlignment(1);
    private static final java.lang.foreign.ValueLayout.OfInt JAVA_INT_UNALIGNED = JAVA_INT.withByteAlignment(1);

    private static long off(String name) {
        return KvmStructs.FPU.byteOffset(groupElement(name));
    }
}
