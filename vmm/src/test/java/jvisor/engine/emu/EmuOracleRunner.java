package jvisor.engine.emu;

import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.SystemRegisters;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.fpu.FxsaveImage;

/**
 * Runs a snippet in the emulator exactly where {@link NativeCpu} runs it: the native code page
 * and data area are mapped at the same linear addresses, the snippet is followed by HLT, and the
 * processor runs it in 64-bit mode from the same registers, flags and FPU state, with CR4.OSFXSR,
 * CR4.OSXMMEXCPT and CR4.OSXSAVE set and XCR0 enabling x87 and SSE, as an operating system would.
 */
public final class EmuOracleRunner implements AutoCloseable {
    private static final long CODE_PHYS = 0x300000;
    private static final long DATA_PHYS = 0x400000;

    private final TestMachine machine = new TestMachine();
    private final NativeCpu host;
    private String lastExit = "";

    public EmuOracleRunner(NativeCpu host) {
        this.host = host;
        machine.longMode(0);
        machine.pages.map4k(host.codeAddress(), CODE_PHYS, PageTables.P | PageTables.RW);
        for (long off = 0; off < NativeCpu.DATA_SIZE; off += 0x1000) {
            machine.pages.map4k(host.dataAddress() + off, physical(off), PageTables.P | PageTables.RW);
        }
        // XCR0 enables x87 and SSE as the host's Linux does (XSETBV needs ring 0, so not in a snippet).
        run(Asm.code64("xor ecx, ecx\nmov eax, 3\nxor edx, edx\nxsetbv"),
                new CpuSnapshot(new long[16], 2, new byte[NativeCpu.DATA_SIZE]));
    }

    /** 1 compiles every block before it runs (tier 1); 0 keeps everything in the interpreter. */
    public void compileThreshold(int runs) {
        machine.cpu.setCompileThreshold(runs);
        machine.cpu.setCompileForC2(false);
    }

    /** As {@link #compileThreshold}(1), in the form of regions made for C2 (their own TLB lookups). */
    public void compileForC2() {
        machine.cpu.setCompileThreshold(1);
        machine.cpu.setCompileForC2(true);
    }

    /**
     * Where data page {@code off} lives in guest-physical memory: the pages are mapped in reverse
     * order, so an access that crosses a page boundary must really translate both pages.
     */
    private static long physical(long off) {
        return DATA_PHYS + (NativeCpu.DATA_SIZE - 0x1000 - off);
    }

    private void writeData(byte[] data) {
        for (int off = 0; off < NativeCpu.DATA_SIZE; off += 0x1000) {
            machine.ram.write(physical(off), java.util.Arrays.copyOfRange(data, off, off + 0x1000));
        }
    }

    private byte[] readData() {
        byte[] data = new byte[NativeCpu.DATA_SIZE];
        for (int off = 0; off < NativeCpu.DATA_SIZE; off += 0x1000) {
            System.arraycopy(machine.ram.read(physical(off), 0x1000), 0, data, off, 0x1000);
        }
        return data;
    }

    public TestMachine machine() {
        return machine;
    }

    public String lastExit() {
        return lastExit;
    }

    public CpuSnapshot run(byte[] snippet, CpuSnapshot in) {
        long at = CODE_PHYS + NativeCpu.SNIPPET;
        machine.ram.write(at, snippet);
        machine.ram.write8(at + snippet.length, 0xF4);
        writeData(in.memory());
        CpuState base = machine.cpu.state();
        long rflags = (in.rflags() & ~(0x200L | 0x100L)) | 2;
        SystemRegisters s = base.sregs();
        SystemRegisters sse = new SystemRegisters(s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt(),
                s.gdt(), s.idt(), s.cr0() | SystemRegisters.CR0_MP, s.cr2(), s.cr3(),
                s.cr4() | SystemRegisters.CR4_OSFXSR | SystemRegisters.CR4_OSXMMEXCPT | Cpu.CR4_OSXSAVE, s.cr8(), s.efer(), s.apicBase());
        machine.cpu.setState(new CpuState(GeneralRegisters.fromArray(in.regs(), host.snippetAddress(), rflags), sse));
        FxsaveImage.load(machine.processor().fpu, in.fpuOrDefault(), true, 16);
        ExitReason r = machine.run();
        lastExit = r + ": " + machine.cpu.describeExit();
        Cpu c = machine.processor();
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) {
            regs[i] = c.reg(i);
        }
        if (r != ExitReason.HLT || c.rip() != host.snippetAddress() + snippet.length + 1) {
            throw new IllegalStateException("emulator did not finish the snippet: " + lastExit
                    + " rip=" + Long.toHexString(c.rip()));
        }
        byte[] fpu = new byte[CpuSnapshot.FPU_SIZE];
        FxsaveImage.store(c.fpu, fpu, true, 16);
        return new CpuSnapshot(regs, c.rflags(), readData(), fpu);
    }

    @Override
    public void close() {
        machine.close();
    }
}
