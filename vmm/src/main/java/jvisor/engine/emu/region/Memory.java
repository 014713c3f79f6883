package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.CD_CPU;
import static jvisor.engine.emu.region.RegionFrame.CD_MMU;
import static jvisor.engine.emu.region.RegionFrame.CPU;
import static jvisor.engine.emu.region.RegionFrame.MMU;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;

/**
 * Guest memory operands in 64-bit mode: the effective address computed from the registers, and
 * reads and writes through the processor's MMU, whose small TLB-hit paths HotSpot's optimizing
 * compiler inlines while the page walk stays a call. As in the interpreter, only FS and GS add a
 * base there.
 */
final class Memory {
    private static final MethodTypeDesc MTD_SEGMENT_BASE = MethodTypeDesc.of(CD_long, CD_int);
    private static final MethodTypeDesc MTD_READ_INT = MethodTypeDesc.of(CD_int, CD_long);
    private static final MethodTypeDesc MTD_READ_LONG = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MTD_READ_FOR_WRITE = MethodTypeDesc.of(CD_long, CD_long, CD_int);
    private static final MethodTypeDesc MTD_WRITE_INT = MethodTypeDesc.of(CD_boolean, CD_long, CD_int);
    private static final MethodTypeDesc MTD_WRITE_LONG = MethodTypeDesc.of(CD_boolean, CD_long, CD_long);

    private Memory() { }

    /** Pushes the effective address (LEA's value), or with {@code linear} the linear address. */
    static void address(RegionFrame f, Insn x, boolean linear) {
        CodeBuilder code = f.code;
        boolean any = false;
        if (x.base() >= 0) {
            f.loadReg(x.base(), 8);
            any = true;
        }
        if (x.index() >= 0) {
            f.loadReg(x.index(), 8);
            if (x.scale() != 0) {
                code.loadConstant(x.scale()).lshl();
            }
            if (any) {
                code.ladd();
            }
            any = true;
        }
        if (!any) {
            code.loadConstant(x.disp());
        } else if (x.disp() != 0) {
            code.loadConstant(x.disp()).ladd();
        }
        if (x.addrMask() != -1L) {
            code.loadConstant(x.addrMask()).land();
        }
        if (linear && (x.seg() == Cpu.FS || x.seg() == Cpu.GS)) {
            code.aload(CPU).loadConstant(x.seg()).invokevirtual(CD_CPU, "segmentBase", MTD_SEGMENT_BASE).ladd();
        }
    }

    /** Pushes the memory operand's {@code size} bytes, zero- or sign-extended to a long. */
    static void read(RegionFrame f, Insn x, int size, boolean signed) {
        f.code.aload(MMU);
        address(f, x, true);
        invokeRead(f.code, size, signed);
    }

    /** Pushes {@code size} bytes at the linear address in long local {@code lin}. */
    static void readAt(RegionFrame f, int lin, int size, boolean signed) {
        f.code.aload(MMU).lload(lin);
        invokeRead(f.code, size, signed);
    }

    private static void invokeRead(CodeBuilder code, int size, boolean signed) {
        switch (size) {
            case 8 -> code.invokevirtual(CD_MMU, "read64", MTD_READ_LONG);
            case 4 -> {
                code.invokevirtual(CD_MMU, "read32", MTD_READ_INT).i2l();
                if (!signed) {
                    code.loadConstant(0xFFFF_FFFFL).land();
                }
            }
            case 2 -> {
                code.invokevirtual(CD_MMU, "read16", MTD_READ_INT);
                if (signed) {
                    code.i2s();
                }
                code.i2l();
            }
            default -> {
                code.invokevirtual(CD_MMU, "read8", MTD_READ_INT);
                if (signed) {
                    code.i2b();
                }
                code.i2l();
            }
        }
    }

    /** Pushes the read half of a read-modify-write at the address in {@code lin} (checked for writing). */
    static void readForWrite(RegionFrame f, int lin, int size, boolean signed) {
        f.code.aload(MMU).lload(lin).loadConstant(size).invokevirtual(CD_MMU, "readForWrite", MTD_READ_FOR_WRITE);
        if (signed) {
            f.signExtend(size);
        }
    }

    /**
     * Writes the long in local {@code value} at the linear address in local {@code lin}; pushes
     * whether the write hit decoded code (an int).
     */
    static void write(RegionFrame f, int lin, int value, int size) {
        CodeBuilder code = f.code;
        code.aload(MMU).lload(lin).lload(value);
        switch (size) {
            case 8 -> code.invokevirtual(CD_MMU, "write64", MTD_WRITE_LONG);
            case 4 -> code.l2i().invokevirtual(CD_MMU, "write32", MTD_WRITE_INT);
            case 2 -> code.l2i().invokevirtual(CD_MMU, "write16", MTD_WRITE_INT);
            default -> code.l2i().invokevirtual(CD_MMU, "write8", MTD_WRITE_INT);
        }
    }
}
