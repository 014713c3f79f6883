package jvisor.engine.emu;

import jvisor.bus.IrqLine;
import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.cpu.Cpu;

/**
 * A one-processor emu machine for tests: guest RAM with a GDT, an IDT, a TSS and identity page
 * tables prepared, a test interrupt controller and a recording I/O sink. Code is loaded at
 * {@link #CODE} and run until the processor halts with interrupts off.
 */
public final class TestMachine implements AutoCloseable {
    public static final long GDT = 0x1000;
    public static final long IDT = 0x2000;
    public static final long TSS = 0x3000;
    public static final long PML4 = 0x10000;
    public static final long STACK = 0x90000;
    public static final long CODE = 0x100000;
    public static final long DATA = 0x200000;

    public static final int SEL_CODE64 = 0x08;
    public static final int SEL_DATA = 0x10;
    public static final int SEL_CODE32 = 0x18;
    public static final int SEL_CODE16 = 0x20;
    public static final int SEL_USER_CODE32 = 0x28 | 3;
    public static final int SEL_USER_DATA = 0x30 | 3;
    public static final int SEL_USER_CODE64 = 0x38 | 3;
    public static final int SEL_TSS = 0x40;

    public final GuestMemory ram;
    public final TestIo io = new TestIo();
    public final TestInterrupts apic = new TestInterrupts();
    public final EmuCpu cpu;
    public final PageTables pages;
    private final EmuVm vm;

    public TestMachine() {
        this(64L << 20);
    }

    public TestMachine(long ramSize) {
        this(ramSize, 1);
    }

    /**
     * A machine of {@code cpus} processors (CPUID and the dispatcher see that many); {@link #cpu}
     * is the first, {@link #createCpu} makes the others, which share its memory and compiled code.
     */
    public TestMachine(long ramSize, int cpus) {
        ram = GuestMemory.allocate(ramSize);
        EmuPlatform platform = new EmuPlatform() {
            @Override
            public LocalInterrupts localInterrupts(int c) {
                return apic;
            }

            @Override
            public IrqLine irqLine(int gsi) {
                return IrqLine.NONE;
            }

            @Override
            public void close() { }
        };
        vm = new EmuVm(new VmSpec(ram, cpus, new PortBus(), new MmioBus(null)), platform, new Tsc(), Tsc.HZ, true);
        cpu = (EmuCpu) vm.createCpu(0, io);
        pages = new PageTables(ram, PML4, 0x80000);
        writeGdt();
    }

    /** Processor {@code index} of a machine made with several; it starts in the reset state. */
    public EmuCpu createCpu(int index) {
        return (EmuCpu) vm.createCpu(index, io);
    }

    public Cpu processor() {
        return cpu.processor();
    }

    private void writeGdt() {
        long[] gdt = {
            0,
            0x00AF_9A00_0000_FFFFL, // 0x08 code64 DPL0
            0x00CF_9200_0000_FFFFL, // 0x10 data DPL0
            0x00CF_9A00_0000_FFFFL, // 0x18 code32 DPL0
            0x000F_9A00_0000_FFFFL, // 0x20 code16 DPL0
            0x00CF_FA00_0000_FFFFL, // 0x28 code32 DPL3
            0x00CF_F200_0000_FFFFL, // 0x30 data DPL3
            0x00AF_FA00_0000_FFFFL, // 0x38 code64 DPL3
        };
        for (int i = 0; i < gdt.length; i++) {
            ram.write64(GDT + i * 8L, gdt[i]);
        }
        long tssLow = 0x67 | ((TSS & 0xFF_FFFFL) << 16) | (0x89L << 40) | ((TSS >>> 24) << 56);
        ram.write64(GDT + SEL_TSS, tssLow);
        ram.write64(GDT + SEL_TSS + 8, TSS >>> 32);
    }

    /** Writes a 64-bit interrupt gate (type 0xE) or trap gate (0xF) for {@code vector}. */
    public void gate64(int vector, long handler, int dpl, int ist, boolean trap) {
        long low = (handler & 0xFFFF) | ((long) SEL_CODE64 << 16) | ((long) ist << 32)
                | ((trap ? 0xFL : 0xEL) << 40) | ((long) dpl << 45) | (1L << 47) | ((handler >>> 16 & 0xFFFF) << 48);
        ram.write64(IDT + vector * 16L, low);
        ram.write64(IDT + vector * 16L + 8, handler >>> 32);
    }

    /** Writes a 32-bit interrupt gate for {@code vector}. */
    public void gate32(int vector, long handler, int dpl) {
        long g = (handler & 0xFFFF) | ((long) SEL_CODE32 << 16) | (0xEL << 40) | ((long) dpl << 45) | (1L << 47)
                | ((handler >>> 16 & 0xFFFF) << 48);
        ram.write64(IDT + vector * 8L, g);
    }

    /** Where the exception stubs record what they caught. */
    public static final long RESULT = 0x7000;
    public static final long HANDLERS = 0x80000;

    /**
     * Points every exception vector (0-31) of a 64-bit IDT at a stub that records the vector, the
     * error code (0 if none), CR2 and the faulting RIP at {@link #RESULT} and halts.
     */
    public void catchExceptions64() {
        StringBuilder src = new StringBuilder();
        for (int v = 0; v < 32; v++) {
            src.append(".balign 16\n");
            if (!jvisor.engine.emu.cpu.Vectors.hasErrorCode(v)) {
                src.append("push 0\n");
            }
            src.append("push ").append(v).append("\njmp common\n");
        }
        src.append("""
                .balign 16
                common:
                pop rax
                pop rbx
                mov [0x7030], rsp
                mov [0x7000], rax
                mov [0x7008], rbx
                mov rcx, cr2
                mov [0x7010], rcx
                mov rdx, [rsp]
                mov [0x7018], rdx
                mov rdx, [rsp + 8]
                mov [0x7028], rdx
                mov byte ptr [0x7020], 1
                cli
                hlt
                """);
        load(HANDLERS, Asm.code64(src.toString()));
        for (int v = 0; v < 32; v++) {
            gate64(v, HANDLERS + 16L * v, 0, 0, false);
        }
    }

    /** The same for 32-bit protected mode (32-bit interrupt gates). */
    public void catchExceptions32() {
        StringBuilder src = new StringBuilder();
        for (int v = 0; v < 32; v++) {
            src.append(".balign 16\n");
            if (!jvisor.engine.emu.cpu.Vectors.hasErrorCode(v)) {
                src.append("push 0\n");
            }
            src.append("push ").append(v).append("\njmp common\n");
        }
        src.append("""
                .balign 16
                common:
                pop eax
                pop ebx
                mov [0x7000], eax
                mov [0x7008], ebx
                mov ecx, cr2
                mov [0x7010], ecx
                mov edx, [esp]
                mov [0x7018], edx
                mov edx, [esp + 4]
                mov [0x7028], edx
                mov byte ptr [0x7020], 1
                cli
                hlt
                """);
        load(HANDLERS, Asm.code32(src.toString()));
        for (int v = 0; v < 32; v++) {
            gate32(v, HANDLERS + 16L * v, 0);
        }
    }

    /** What the exception stub recorded: vector, error code, CR2, RIP, or vector -1 if none ran. */
    public record Caught(int vector, long errorCode, long cr2, long rip, long cs) { }

    public Caught caught() {
        if (ram.read8(RESULT + 0x20) == 0) {
            return new Caught(-1, 0, 0, 0, 0);
        }
        return new Caught((int) ram.read64(RESULT), ram.read64(RESULT + 8), ram.read64(RESULT + 0x10),
                ram.read64(RESULT + 0x18), ram.read64(RESULT + 0x28));
    }

    public void load(long address, byte[] bytes) {
        ram.write(address, bytes);
    }

    private static long[] zeroRegs() {
        return new long[16];
    }

    /** 64-bit mode, ring 0, the first 1 GiB identity-mapped with 2 MiB pages. */
    public void longMode(long rip) {
        pages.identity2m(0, 1L << 30);
        Segment code = new Segment(SEL_CODE64, 0, 0xFFFF_FFFF, 0xA09B);
        Segment data = new Segment(SEL_DATA, 0, 0xFFFF_FFFF, 0xC093);
        Segment tr = new Segment(SEL_TSS, TSS, 0x67, 0x8B);
        long[] r = zeroRegs();
        r[Cpu.RSP] = STACK;
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data, tr, Segment.resetLdt(),
                new DescriptorTable(GDT, 0x4F), new DescriptorTable(IDT, 0xFFF),
                Cpu.CR0_PE | Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_ET | Cpu.CR0_NE, 0, PML4, Cpu.CR4_PAE, 0,
                Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_SCE | Cpu.EFER_NXE, apic.apicBaseMsr());
        cpu.setState(new CpuState(GeneralRegisters.fromArray(r, rip, 0x2), s));
    }

    /** 32-bit protected mode, flat segments, no paging (the multiboot entry state). */
    public void protected32(long eip) {
        Segment code = Segment.flatCode32(SEL_CODE32);
        Segment data = Segment.flatData32(SEL_DATA);
        long[] r = zeroRegs();
        r[Cpu.RSP] = STACK;
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data,
                new Segment(SEL_TSS, TSS, 0x67, 0x8B), Segment.resetLdt(),
                new DescriptorTable(GDT, 0x4F), new DescriptorTable(IDT, 0x7FF),
                Cpu.CR0_PE | Cpu.CR0_ET, 0, 0, 0, 0, 0, apic.apicBaseMsr());
        cpu.setState(new CpuState(GeneralRegisters.fromArray(r, eip, 0x2), s));
    }

    /** Real mode at {@code cs:ip}, like after SIPI. */
    public void realMode(int cs, int ip) {
        SystemRegisters reset = SystemRegisters.reset(true);
        Segment code = Segment.realMode(cs, true);
        SystemRegisters s = new SystemRegisters(code, reset.ds(), reset.es(), reset.fs(), reset.gs(), reset.ss(),
                reset.tr(), reset.ldt(), reset.gdt(), new DescriptorTable(0, 0x3FF), Cpu.CR0_ET, 0, 0, 0, 0, 0,
                reset.apicBase());
        long[] r = zeroRegs();
        r[Cpu.RSP] = 0x7000;
        cpu.setState(new CpuState(GeneralRegisters.fromArray(r, ip, 0x2), s));
    }

    /** Runs until the guest halts with interrupts disabled (or another exit). */
    public ExitReason run() {
        return cpu.run();
    }

    /** Loads 64-bit code at {@link #CODE} and runs it from there in 64-bit mode. */
    public ExitReason run64(String source) {
        load(CODE, Asm.code64(source));
        longMode(CODE);
        return run();
    }

    public long reg(int n) {
        return processor().reg(n);
    }

    @Override
    public void close() {
        ram.close();
    }
}
