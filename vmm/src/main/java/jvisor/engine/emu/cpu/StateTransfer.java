package jvisor.engine.emu.cpu;

import jvisor.engine.CpuState;
import jvisor.engine.DebugRegisters;
import jvisor.engine.DescriptorTable;
import jvisor.engine.FpuRegisters;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.engine.emu.fpu.FxsaveImage;

/** Converts between the processor and the engine-neutral {@link CpuState}. */
public final class StateTransfer {
    private StateTransfer() { }

    public static CpuState read(Cpu c) {
        long[] r = new long[16];
        for (int i = 0; i < 16; i++) {
            r[i] = c.reg(i);
        }
        GeneralRegisters regs = GeneralRegisters.fromArray(r, c.rip(), c.rflags());
        long cr8 = c.lapic() == null ? 0 : SystemOps.readCr8(c);
        long apicBase = c.lapic() == null ? SystemRegisters.APIC_BASE_DEFAULT : c.lapic().apicBaseMsr();
        SystemRegisters sregs = new SystemRegisters(
                c.seg(Cpu.CS).toSegment(), c.seg(Cpu.DS).toSegment(), c.seg(Cpu.ES).toSegment(),
                c.seg(Cpu.FS).toSegment(), c.seg(Cpu.GS).toSegment(), c.seg(Cpu.SS).toSegment(),
                c.tr.toSegment(), c.ldtr.toSegment(),
                new DescriptorTable(c.gdtBase, c.gdtLimit), new DescriptorTable(c.idtBase, c.idtLimit),
                c.cr0, c.cr2, c.cr3, c.cr4, cr8, c.efer, apicBase);
        byte[] image = new byte[FpuRegisters.SIZE];
        FxsaveImage.store(c.fpu, image, true, 16);
        jvisor.engine.emu.cpu.DebugRegisters d = c.debug;
        DebugRegisters debug = new DebugRegisters(d.read(0), d.read(1), d.read(2), d.read(3), d.read(6), d.read(7));
        return new CpuState(regs, sregs, new FpuRegisters(image), debug);
    }

    /**
     * Loads {@code s} as is: the VMM vouches for it (boot state, a saved state), so nothing is
     * checked. A state without FPU (or debug) registers leaves those as they are.
     */
    public static void write(Cpu c, CpuState s) {
        c.mmu.codePages().stateLoaded();
        long[] r = s.regs().toArray();
        for (int i = 0; i < 16; i++) {
            c.setReg(i, r[i]);
        }
        c.setRip(s.regs().rip());
        c.setRflags(s.regs().rflags());
        SystemRegisters sr = s.sregs();
        load(c.seg(Cpu.CS), sr.cs());
        load(c.seg(Cpu.DS), sr.ds());
        load(c.seg(Cpu.ES), sr.es());
        load(c.seg(Cpu.FS), sr.fs());
        load(c.seg(Cpu.GS), sr.gs());
        load(c.seg(Cpu.SS), sr.ss());
        load(c.tr, sr.tr());
        load(c.ldtr, sr.ldt());
        c.gdtBase = sr.gdt().base();
        c.gdtLimit = sr.gdt().limit();
        c.idtBase = sr.idt().base();
        c.idtLimit = sr.idt().limit();
        c.cr0 = sr.cr0() | Cpu.CR0_ET;
        c.cr2 = sr.cr2();
        c.cr3 = sr.cr3();
        c.cr4 = sr.cr4();
        c.efer = sr.efer();
        if ((c.cr0 & Cpu.CR0_PG) != 0 && (c.efer & Cpu.EFER_LME) != 0) {
            c.efer |= Cpu.EFER_LMA;
        }
        if (c.lapic() != null) {
            c.lapic().setApicBaseMsr(sr.apicBase());
            SystemOps.writeCr8(c, sr.cr8() & 0xF);
        }
        if (s.fpu() != null) {
            FxsaveImage.load(c.fpu, s.fpu().fxsave(), true, 16);
        }
        DebugRegisters d = s.debug();
        if (d != null) {
            c.debug.load(d.dr0(), d.dr1(), d.dr2(), d.dr3(), d.dr6(), d.dr7());
        }
        c.setCpl(c.protectedMode() ? sr.cs().dpl() : 0);
        c.halted = false;
        c.shutdown = false;
        c.inhibitInterrupts = false;
        c.stackShadow = false;
        c.configurePaging();
        c.updateMode();
        c.mmu.flushAll();
    }

    private static void load(SegmentRegister reg, Segment s) {
        reg.fromSegment(s);
    }
}
