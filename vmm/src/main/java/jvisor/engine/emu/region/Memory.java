package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.CD_CPU;
import static jvisor.engine.emu.region.RegionFrame.CD_MMU;
import static jvisor.engine.emu.region.RegionFrame.CPU;
import static jvisor.engine.emu.region.RegionFrame.MMU;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.HostRam;
import jvisor.engine.emu.cpu.Mmu;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.DataWatch;
import jvisor.engine.emu.decode.Insn;

/**
 * Guest memory operands in 64-bit mode: the effective address computed from the registers, and
 * reads and writes through the processor's MMU. A region for C1 calls the MMU's methods; a region
 * for C2 looks the TLB up itself and on a hit reads or writes RAM ({@link HostRam}), a constant
 * of its class, so that C2 keeps the TLB in registers and folds the RAM's address and size; a
 * miss calls the MMU's slow path, which walks the page tables or reaches the device. As in the
 * interpreter, only FS and GS add a base in 64-bit mode.
 */
final class Memory {
    private static final MethodTypeDesc MTD_SEGMENT_BASE = MethodTypeDesc.of(CD_long, CD_int);
    private static final MethodTypeDesc MTD_READ_INT = MethodTypeDesc.of(CD_int, CD_long);
    private static final MethodTypeDesc MTD_READ_LONG = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MTD_READ_SIZED = MethodTypeDesc.of(CD_long, CD_long, CD_int);
    private static final MethodTypeDesc MTD_WRITE_INT = MethodTypeDesc.of(CD_boolean, CD_long, CD_int);
    private static final MethodTypeDesc MTD_WRITE_LONG = MethodTypeDesc.of(CD_boolean, CD_long, CD_long);
    static final ClassDesc CD_HOST_RAM = ClassDesc.of(HostRam.class.getName());

    private Memory() { }

    /**
     * Where a TLB miss on the current instruction's first access goes in a region that looks the
     * TLB up itself: a {@link DataWatch#REPLAY} fault, which leaves the region before the
     * instruction and has the interpreter run it alone (walking the page tables, faulting,
     * reaching the device). So no call into the MMU sits inside the region's loops, for which
     * HotSpot would keep every value the loop carries on the stack. Null (a call) in a region for
     * C1. The operand stack must be empty where the miss branches.
     */
    static Label leaveOnMiss(RegionEmitter e) {
        return e.frame().inlineTlb ? e.raiseOutOfLine(DataWatch.REPLAY) : null;
    }

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
        read(f, x, size, signed, null);
    }

    /**
     * As {@link #read(RegionFrame, Insn, int, boolean)}; where the region looks the TLB up itself
     * and {@code leave} is not null, a miss goes there ({@link #leaveOnMiss}) rather than into the
     * MMU.
     */
    static void read(RegionFrame f, Insn x, int size, boolean signed, Label leave) {
        if (f.inlineTlb) {
            address(f, x, true);
            f.code.lstore(RegionFrame.ADDR);
            readAt(f, RegionFrame.ADDR, size, signed, leave);
            return;
        }
        f.code.aload(MMU);
        address(f, x, true);
        invokeRead(f.code, size, signed);
    }

    /**
     * Pushes {@code size} bytes at the linear address in long local {@code lin}; a TLB miss goes
     * to {@code leave} if not null (see {@link #read(RegionFrame, Insn, int, boolean, Label)}).
     */
    static void readAt(RegionFrame f, int lin, int size, boolean signed, Label leave) {
        CodeBuilder code = f.code;
        if (!f.inlineTlb) {
            code.aload(MMU).lload(lin);
            invokeRead(code, size, signed);
            return;
        }
        Label slow = leave != null ? leave : code.newLabel();
        hit(f, lin, size, false, slow);
        ramGet(f, lin, size);
        extend(code, size, signed);
        if (leave != null) {
            return;
        }
        Label done = code.newLabel();
        code.goto_(done).labelBinding(slow);
        code.aload(MMU).lload(lin).loadConstant(size).invokevirtual(CD_MMU, "readMissed", MTD_READ_SIZED);
        if (signed) {
            f.signExtend(size);
        }
        code.labelBinding(done);
    }

    /**
     * Jumps to {@code miss} unless the TLB's read (or write) set maps the page of the address in
     * long local {@code lin} and the access stays in it: one compare of the entry's tag with the
     * page of the access's last byte ({@link Mmu#tlb()}). Leaves the tag's index in IDX.
     */
    private static void hit(RegionFrame f, int lin, int size, boolean write, Label miss) {
        CodeBuilder code = f.code;
        code.aload(RegionFrame.TLB)
                .lload(lin).bipush(12).lushr().l2i().loadConstant(Mmu.TLB_SET - 1).iand().iconst_1().ishl();
        if (write) {
            code.loadConstant(2 * Mmu.TLB_SET).iadd();
        }
        code.dup().istore(RegionFrame.IDX).laload().lload(lin);
        if (size > 1) {
            code.loadConstant((long) size - 1).ladd();
        }
        code.loadConstant(~0xFFFL).land().lcmp().ifne(miss);
    }

    /** Pushes the TLB entry's host delta (after its tag at IDX) plus the address in {@code lin}. */
    private static void host(RegionFrame f, int lin) {
        f.code.aload(RegionFrame.TLB).iload(RegionFrame.IDX).iconst_1().iadd().laload().lload(lin).ladd();
    }

    /**
     * Pushes RAM.getN(host of the entry at IDX + lin) ({@link HostRam}) as a byte, short, int or
     * long, the form {@link #extend} takes.
     */
    private static void ramGet(RegionFrame f, int lin, int size) {
        CodeBuilder code = f.code;
        code.getstatic(f.self, "RAM", CD_HOST_RAM);
        host(f, lin);
        code.invokevirtual(CD_HOST_RAM, "get" + size * 8, MethodTypeDesc.of(size == 8 ? CD_long : CD_int, CD_long));
        switch (size) {
            case 1 -> code.i2b();
            case 2 -> code.i2s();
            default -> { }
        }
    }

    /** Extends the byte, short or int on the stack (as read from RAM) to a long. */
    private static void extend(CodeBuilder code, int size, boolean signed) {
        switch (size) {
            case 8 -> { }
            case 4 -> {
                code.i2l();
                if (!signed) {
                    code.loadConstant(0xFFFF_FFFFL).land();
                }
            }
            case 2 -> {
                if (!signed) {
                    code.loadConstant(0xFFFF).iand();
                }
                code.i2l();
            }
            default -> {
                if (!signed) {
                    code.loadConstant(0xFF).iand();
                }
                code.i2l();
            }
        }
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

    /**
     * Pushes the read half of a read-modify-write at the address in {@code lin} (checked for
     * writing); a TLB miss goes to {@code leave} if not null.
     */
    static void readForWrite(RegionFrame f, int lin, int size, boolean signed, Label leave) {
        CodeBuilder code = f.code;
        if (f.inlineTlb) {
            Label slow = leave != null ? leave : code.newLabel();
            hit(f, lin, size, true, slow);
            ramGet(f, lin, size);
            extend(code, size, false);
            if (leave == null) {
                Label done = code.newLabel();
                code.goto_(done).labelBinding(slow);
                code.aload(MMU).lload(lin).loadConstant(size)
                        .invokevirtual(CD_MMU, "readForWriteMissed", MTD_READ_SIZED);
                code.labelBinding(done);
            }
        } else {
            code.aload(MMU).lload(lin).loadConstant(size).invokevirtual(CD_MMU, "readForWrite", MTD_READ_SIZED);
        }
        if (signed) {
            f.signExtend(size);
        }
    }

    /**
     * Writes the long in local {@code value} at the linear address in local {@code lin}; pushes
     * whether the write hit decoded code (an int).
     */
    static void write(RegionFrame f, int lin, int value, int size) {
        write(f, lin, value, size, null);
    }

    /** As {@link #write(RegionFrame, int, int, int)}; a TLB miss goes to {@code leave} if not null. */
    static void write(RegionFrame f, int lin, int value, int size, Label leave) {
        CodeBuilder code = f.code;
        Label done = code.newLabel();
        if (f.inlineTlb) {
            // A write tag carries a flag bit on pages with decoded code: those miss, and the MMU checks.
            Label slow = leave != null ? leave : code.newLabel();
            hit(f, lin, size, true, slow);
            code.getstatic(f.self, "RAM", CD_HOST_RAM);
            host(f, lin);
            code.lload(value);
            if (size < 8) {
                code.l2i();
            }
            code.invokevirtual(CD_HOST_RAM, "set" + size * 8,
                    MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_void, CD_long, size == 8 ? CD_long : CD_int));
            if (leave != null) {
                code.iconst_0();
                return;
            }
            code.iconst_0().goto_(done).labelBinding(slow);
            code.aload(MMU).lload(lin).loadConstant(size).lload(value).invokevirtual(CD_MMU, "writeMissed",
                    MethodTypeDesc.of(CD_boolean, CD_long, CD_int, CD_long));
            code.labelBinding(done);
            return;
        }
        code.aload(MMU).lload(lin).lload(value);
        switch (size) {
            case 8 -> code.invokevirtual(CD_MMU, "write64", MTD_WRITE_LONG);
            case 4 -> code.l2i().invokevirtual(CD_MMU, "write32", MTD_WRITE_INT);
            case 2 -> code.l2i().invokevirtual(CD_MMU, "write16", MTD_WRITE_INT);
            default -> code.l2i().invokevirtual(CD_MMU, "write8", MTD_WRITE_INT);
        }
        code.labelBinding(done);
    }
}
