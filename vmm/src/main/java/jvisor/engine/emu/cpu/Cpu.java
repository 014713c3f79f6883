package jvisor.engine.emu.cpu;

import jvisor.engine.GuestIo;
import jvisor.engine.GuestMemory;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.Tsc;
import jvisor.engine.emu.fpu.FpuState;

/**
 * The architectural state of one x86-64 processor and the memory path its instructions use:
 * registers, lazy flags, segment registers with their hidden parts, control registers, the MMU.
 * Execution lives elsewhere (the interpreter and its instruction handlers); system operations
 * that change modes are in {@link SystemOps}, {@link Segmentation} and {@link Interrupts}.
 */
public final class Cpu {
    public static final int RAX = 0;
    public static final int RCX = 1;
    public static final int RDX = 2;
    public static final int RBX = 3;
    public static final int RSP = 4;
    public static final int RBP = 5;
    public static final int RSI = 6;
    public static final int RDI = 7;

    public static final int ES = 0;
    public static final int CS = 1;
    public static final int SS = 2;
    public static final int DS = 3;
    public static final int FS = 4;
    public static final int GS = 5;

    public static final long CR0_PE = 1L;
    public static final long CR0_MP = 1L << 1;
    public static final long CR0_EM = 1L << 2;
    public static final long CR0_TS = 1L << 3;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_WP = 1L << 16;
    public static final long CR0_AM = 1L << 18;
    public static final long CR0_NW = 1L << 29;
    public static final long CR0_CD = 1L << 30;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_VME = 1L;
    public static final long CR4_PVI = 1L << 1;
    public static final long CR4_TSD = 1L << 2;
    public static final long CR4_DE = 1L << 3;
    public static final long CR4_PSE = 1L << 4;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_MCE = 1L << 6;
    public static final long CR4_PGE = 1L << 7;
    public static final long CR4_PCE = 1L << 8;
    public static final long CR4_UMIP = 1L << 11;
    public static final long CR4_SMEP = 1L << 20;
    public static final long CR4_SMAP = 1L << 21;
    public static final long CR4_OSXSAVE = 1L << 18;
    public static final long CR4_PKE = 1L << 22;
    public static final long CR4_PKS = 1L << 24;
    public static final long EFER_SCE = 1L;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long EFER_NXE = 1L << 11;

    /** The RFLAGS bits that exist; the others read as 0 (bit 1 as 1). */
    static final long VALID_RFLAGS = 0x3F_7FD5L;

    private final long[] r = new long[16];
    private long rip;
    /** RFLAGS without the arithmetic flags, which live in {@link #flags}. */
    private long rflags = Flags.FIXED;
    public final Flags flags = new Flags();

    private final SegmentRegister[] seg = new SegmentRegister[6];
    public final SegmentRegister ldtr = new SegmentRegister();
    public final SegmentRegister tr = new SegmentRegister();
    long gdtBase;
    int gdtLimit;
    long idtBase;
    int idtLimit;

    long cr0;
    long cr2;
    long cr3;
    long cr4;
    long efer;
    /** XCR0: the state components XSETBV enabled for XSAVE and XRSTOR (x87 always). */
    long xcr0 = 1;
    /**
     * PKRU and IA32_PKRS: two bits per protection key (bit 2k access disable, 2k+1 write
     * disable), for user pages under CR4.PKE and supervisor pages under CR4.PKS.
     */
    int pkru;
    int pkrs;

    private int cpl;
    private boolean mode64;
    private int codeSize;
    private long linMask;
    private long spMask;
    private int stackSize;
    private int modeKey;

    public final Mmu mmu;
    public final Msrs msrs;
    /** DR0-DR3, DR6, DR7 and the breakpoints they arm. */
    public final DebugRegisters debug;
    /** x87, MMX, SSE: the floating-point and SIMD state, apart from the integer core. */
    public final FpuState fpu = new FpuState();
    final Tsc tsc;
    final int index;
    private final CpuFault fault = new CpuFault();
    /** Scratch space for an interrupt frame, so delivery allocates nothing. */
    final long[] frame = new long[8];
    final int[] cpuidOut = new int[4];
    /** Scratch registers for instructions that read several values before writing any (POPA). */
    public final long[] scratch = new long[8];
    private GuestIo io;
    private LocalInterrupts lapic;

    /** HLT ran: the processor waits for an interrupt. */
    public boolean halted;
    /** Where the PAUSE of the spin-wait loop this processor may be in is, and how many times it has run there. */
    private long spinRip = -1;
    private int spinPauses;
    /** How many times a spin-wait loop gave up the host thread ({@link #pause}). */
    public long spinYields;

    /** A triple fault shut the processor down. */
    public boolean shutdown;
    /** An NMI handler is running: further NMIs wait for IRET. */
    public boolean nmiBlocked;
    /** Processors in the VM (CPUID reports it). */
    public int cpuCount = 1;
    /** The core crystal clock CPUID 0x15 reports: the rate the local APIC timer counts at. */
    public long crystalHz = Tsc.HZ;
    /** Whose processor this is: CPUID's vendor string and the vendor's fast-system-call rules. */
    public jvisor.engine.CpuVendor vendor = jvisor.engine.CpuVendor.INTEL;
    /** Whether CPUID advertises the local APIC timer's TSC-deadline mode. */
    public boolean tscDeadline;
    /** STI, MOV SS and POP SS block interrupts until the next instruction has run. */
    public boolean inhibitInterrupts;
    /** MOV SS and POP SS also hold back debug traps (single-step) until the next instruction has run. */
    public boolean stackShadow;
    /**
     * The instruction settled its own single-step trap: a software interrupt (INT n, INT3, INTO,
     * INT1) takes none, SYSCALL and SYSRET take one from TF as they leave it.
     */
    public boolean stepTrapSettled;
    /** Set when an instruction wrote into decoded code: the interpreter ends the block there. */
    public boolean codeWritten;
    /**
     * {@code debug.execArmed || debug.pending != 0}, kept by {@link DebugRegisters}: the one field
     * the interpreter reads between blocks for both. It lies beside the other flags read there;
     * the debug registers' own object was a cache miss there (224 of 1,069 samples of the
     * dispatch loop in a Linux boot).
     */
    public boolean debugAttention;
    /**
     * Bumped when the whole TLB is flushed (paging changes, CR3 loads without CR4.PGE): cached
     * blocks are then re-verified against memory before they run again. A CR3 load that keeps
     * global pages and a single-page INVLPG do not bump it; blocks check their own page's
     * translation in the fetch TLB.
     */
    public int translationGen;
    /**
     * Bumped whenever the guest drops translations (any flush, INVLPG, a CR3 load): a cached
     * block whose fetch translation was checked under the current value needs no check again.
     * Evictions from the TLB do not count; the translation they drop is still the guest's.
     */
    public int fetchGen;
    /** Where the instruction that raised the fault being delivered from compiled code starts. */
    public long faultRip;
    /** How many instructions the compiled code completed before that fault. */
    public int faultRetired;
    /**
     * VMCALL/VMMCALL ran: the interpreter returns a HYPERCALL exit. It comes with
     * {@link #stopRequested}, so no block loop runs on; the stop request stays set for a kick that
     * may have come at the same time (the next run then returns STOPPED once).
     */
    public boolean hypercall;
    /** The VMM wants the processor back ({@link jvisor.engine.VirtualCpu#kick()}). */
    public volatile boolean stopRequested;

    public Cpu(int index, GuestMemory memory, CodePages code, Tsc tsc) {
        this.index = index;
        this.tsc = tsc;
        for (int i = 0; i < seg.length; i++) {
            seg[i] = new SegmentRegister();
        }
        this.mmu = new Mmu(this, memory, code);
        this.msrs = new Msrs(this);
        this.debug = new DebugRegisters(this);
        updateMode();
    }

    public void connect(GuestIo guestIo, LocalInterrupts interrupts) {
        this.io = guestIo;
        this.lapic = interrupts;
        mmu.connect(guestIo, interrupts);
    }

    public GuestIo io() {
        return io;
    }

    public LocalInterrupts lapic() {
        return lapic;
    }

    /**
     * PAUSE at {@code rip}: the guest says it spins, waiting for something another processor
     * does (a lock's release, a cross-call's completion). With several processors, a loop that
     * has run {@value #SPIN_PAUSES_BEFORE_YIELD} PAUSEs at one address gives up the host thread
     * (KVM's pause-loop exiting is the model): on a host with fewer free cores than processors,
     * the one it waits for may be queued behind it. Nothing the guest can see changes.
     */
    public void pause(long rip) {
        Thread.onSpinWait();
        if (cpuCount == 1) {
            return;
        }
        if (rip != spinRip) {
            spinRip = rip;
            spinPauses = 0;
        }
        if (++spinPauses >= SPIN_PAUSES_BEFORE_YIELD) {
            spinPauses = 0;
            spinYields++;
            Thread.yield();
        }
    }

    static final int SPIN_PAUSES_BEFORE_YIELD = 128;

    public int index() {
        return index;
    }

    public Tsc tsc() {
        return tsc;
    }

    // ---- general registers ----------------------------------------------------------------------

    public long reg(int n) {
        return r[n];
    }

    /**
     * The general registers themselves, RAX to R15: compiled code keeps them in local variables
     * and loads and stores them here where it starts, leaves or calls a handler.
     */
    public long[] registers() {
        return r;
    }

    public void setReg(int n, long v) {
        r[n] = v;
    }

    /** Register {@code n} at {@code size} bytes, zero-extended. Byte registers 16-19 are AH, CH, DH, BH. */
    public long reg(int n, int size) {
        return switch (size) {
            case 1 -> reg8(n);
            case 2 -> r[n] & 0xFFFF;
            case 4 -> r[n] & 0xFFFF_FFFFL;
            default -> r[n];
        };
    }

    /** Writes {@code size} bytes of register {@code n}: 32-bit writes clear the upper half, 8/16-bit keep it. */
    public void setReg(int n, int size, long v) {
        switch (size) {
            case 1 -> setReg8(n, v);
            case 2 -> r[n] = (r[n] & ~0xFFFFL) | (v & 0xFFFF);
            case 4 -> r[n] = v & 0xFFFF_FFFFL;
            default -> r[n] = v;
        }
    }

    public int reg8(int n) {
        return n < 16 ? (int) r[n] & 0xFF : (int) (r[n - 16] >>> 8) & 0xFF;
    }

    public void setReg8(int n, long v) {
        if (n < 16) {
            r[n] = (r[n] & ~0xFFL) | (v & 0xFF);
        } else {
            r[n - 16] = (r[n - 16] & ~0xFF00L) | ((v & 0xFF) << 8);
        }
    }

    public long rip() {
        return rip;
    }

    public void setRip(long v) {
        rip = v;
    }

    // ---- flags ------------------------------------------------------------------------------------

    public long rflags() {
        return rflags | flags.bits();
    }

    /** Loads RFLAGS as is (the caller applies the privilege rules of POPF/IRET). */
    public void setRflags(long v) {
        flags.setBits(v);
        rflags = (v & ~Flags.ARITH & VALID_RFLAGS) | Flags.FIXED;
    }

    public boolean flag(long bit) {
        return (rflags & bit) != 0;
    }

    /** Sets or clears one of the non-arithmetic flags (IF, DF, TF, AC, ...). */
    public void setFlag(long bit, boolean on) {
        rflags = on ? rflags | bit : rflags & ~bit;
    }

    public boolean interruptsEnabled() {
        return (rflags & Flags.IF) != 0;
    }

    public int iopl() {
        return (int) (rflags >>> 12) & 3;
    }

    // ---- modes ------------------------------------------------------------------------------------

    public int cpl() {
        return cpl;
    }

    void setCpl(int level) {
        cpl = level;
    }

    public boolean mode64() {
        return mode64;
    }

    public boolean protectedMode() {
        return (cr0 & CR0_PE) != 0;
    }

    public boolean longModeActive() {
        return (efer & EFER_LMA) != 0;
    }

    /** The default operand and address size of the code segment: 2, 4 or 8 bytes. */
    public int codeSize() {
        return codeSize;
    }

    /** Everything decoding and block permissions depend on: blocks are cached per mode key. */
    public int modeKey() {
        return modeKey;
    }

    public int stackSize() {
        return stackSize;
    }

    /** Recomputes what depends on CR0, EFER, CS and SS: call after any of them changes. */
    public void updateMode() {
        boolean pe = protectedMode();
        mode64 = longModeActive() && seg[CS].longMode();
        codeSize = mode64 ? 8 : seg[CS].big() ? 4 : 2;
        linMask = mode64 ? -1L : 0xFFFF_FFFFL;
        for (int i = 0; i < seg.length; i++) {
            seg[i].refresh(mode64, i == FS || i == GS, pe);
        }
        stackSize = mode64 ? 8 : seg[SS].big() ? 4 : 2;
        spMask = mode64 ? -1L : seg[SS].big() ? 0xFFFF_FFFFL : 0xFFFF;
        mmu.setUserMode(cpl == 3);
        modeKey = codeSize | (mode64 ? 16 : 0) | (pe ? 32 : 0) | (cpl << 6);
    }

    public SegmentRegister seg(int n) {
        return seg[n];
    }

    /** What segment register {@code n} adds to an offset (0 for CS, DS, ES and SS in 64-bit mode). */
    public long segmentBase(int n) {
        return seg[n].effectiveBase;
    }

    // ---- segmented memory ------------------------------------------------------------------------

    /** The linear address of a read of {@code size} bytes at {@code sreg:ea}, after the segment checks. */
    public long linearRead(int sreg, long ea, int size) {
        SegmentRegister s = seg[sreg];
        if (Long.compareUnsigned(ea + size, s.readEnd) <= 0) {
            return (s.effectiveBase + ea) & linMask;
        }
        return Segmentation.checkSlow(this, sreg, ea, size, false);
    }

    public long linearWrite(int sreg, long ea, int size) {
        SegmentRegister s = seg[sreg];
        if (Long.compareUnsigned(ea + size, s.writeEnd) <= 0) {
            return (s.effectiveBase + ea) & linMask;
        }
        return Segmentation.checkSlow(this, sreg, ea, size, true);
    }

    long linearMask() {
        return linMask;
    }

    public int read8(int sreg, long ea) {
        return mmu.read8(linearRead(sreg, ea, 1));
    }

    public int read16(int sreg, long ea) {
        return mmu.read16(linearRead(sreg, ea, 2));
    }

    public int read32(int sreg, long ea) {
        return mmu.read32(linearRead(sreg, ea, 4));
    }

    public long read64(int sreg, long ea) {
        return mmu.read64(linearRead(sreg, ea, 8));
    }

    /** A read of 1, 2, 4 or 8 bytes, zero-extended. */
    public long read(int sreg, long ea, int size) {
        return mmu.read(linearRead(sreg, ea, size), size);
    }

    public void write(int sreg, long ea, int size, long v) {
        mmu.write(linearWrite(sreg, ea, size), size, v);
    }

    public void write8(int sreg, long ea, int v) {
        mmu.write8(linearWrite(sreg, ea, 1), v);
    }

    public void write16(int sreg, long ea, int v) {
        mmu.write16(linearWrite(sreg, ea, 2), v);
    }

    public void write32(int sreg, long ea, int v) {
        mmu.write32(linearWrite(sreg, ea, 4), v);
    }

    public void write64(int sreg, long ea, long v) {
        mmu.write64(linearWrite(sreg, ea, 8), v);
    }

    // ---- the stack ---------------------------------------------------------------------------------

    public long stackPointer() {
        return r[RSP] & spMask;
    }

    public void setStackPointer(long sp) {
        r[RSP] = (r[RSP] & ~spMask) | (sp & spMask);
    }

    /** Pushes {@code size} bytes. The write happens (and may fault) before RSP changes. */
    public void push(long v, int size) {
        long sp = (r[RSP] - size) & spMask;
        mmu.write(stackLinear(sp, size, true), size, v);
        r[RSP] = (r[RSP] & ~spMask) | sp;
    }

    public long pop(int size) {
        long sp = r[RSP] & spMask;
        long v = mmu.read(stackLinear(sp, size, false), size);
        r[RSP] = (r[RSP] & ~spMask) | ((sp + size) & spMask);
        return v;
    }

    /** Reads {@code size} bytes at stack offset {@code offset} from RSP without popping. */
    public long peek(long offset, int size) {
        long sp = (r[RSP] + offset) & spMask;
        return mmu.read(stackLinear(sp, size, false), size);
    }

    /** The linear address of a stack access at SS:{@code sp}; 64-bit mode checks canonical form (#SS). */
    public long stackLinear(long sp, int size, boolean write) {
        if (mode64) {
            if ((sp << 16 >> 16) != sp || ((sp + size - 1) << 16 >> 16) != sp + size - 1) {
                throw fault(Vectors.SS, 0);
            }
            return sp;
        }
        return write ? linearWrite(SS, sp, size) : linearRead(SS, sp, size);
    }

    // ---- faults ----------------------------------------------------------------------------------

    /** The exception to throw for {@code vector} with {@code errorCode} (or {@link CpuFault#NO_ERROR_CODE}). */
    public CpuFault fault(int vector, int errorCode) {
        return fault.with(vector, errorCode);
    }

    public CpuFault fault(int vector) {
        return fault.with(vector, CpuFault.NO_ERROR_CODE);
    }

    /** A non-canonical linear address: #GP(0), which the interpreter makes #SS(0) for an access through SS. */
    CpuFault nonCanonical() {
        return fault.nonCanonical();
    }

    CpuFault pageFault(long lin, int errorCode) {
        cr2 = lin;
        return fault.with(Vectors.PF, errorCode);
    }

    /**
     * Whether compiled code that branches back may go round again: nothing overwrote code, the
     * VMM is not asking for the processor, no interrupt it could take or other event is waiting.
     */
    public boolean mayContinue() {
        return !codeWritten && !stopRequested && !lapic.hasEvents(interruptsEnabled());
    }

    void codeWritten() {
        codeWritten = true;
    }


    // ---- control registers (raw access; checked writes are in SystemOps) --------------------------

    public long cr0() {
        return cr0;
    }

    public long cr2() {
        return cr2;
    }

    public void setCr2(long v) {
        cr2 = v;
    }

    /** Writes CR0 bits that change no mode (TS, MP, EM, NE): CLTS and the FPU state machine. */
    public void setCr0Bits(long v) {
        cr0 = v;
    }

    public long cr3() {
        return cr3;
    }

    public long cr4() {
        return cr4;
    }

    public long efer() {
        return efer;
    }

    public long xcr0() {
        return xcr0;
    }

    public int pkru() {
        return pkru;
    }

    public int pkrs() {
        return pkrs;
    }

    public long gdtBase() {
        return gdtBase;
    }

    public int gdtLimit() {
        return gdtLimit;
    }

    public long idtBase() {
        return idtBase;
    }

    public int idtLimit() {
        return idtLimit;
    }

    public long dr(int n) {
        return debug.read(n);
    }

    /**
     * A debug exception is raised with DR6 status {@code bits} (BS for a single step); the data
     * breakpoints the instruction hit are reported in the same #DB.
     */
    public void setDr6Bits(long bits) {
        debug.raise(bits);
    }

    /** Reconfigures the page walker from CR0, CR3, CR4 and EFER. */
    void configurePaging() {
        int mode;
        if ((cr0 & CR0_PG) == 0 || (cr0 & CR0_PE) == 0) {
            mode = PageWalker.OFF;
        } else if ((efer & EFER_LMA) != 0) {
            mode = PageWalker.LONG;
        } else if ((cr4 & CR4_PAE) != 0) {
            mode = PageWalker.PAE;
        } else {
            mode = PageWalker.LEGACY;
        }
        mmu.walker.configure(mode, (cr0 & CR0_WP) != 0, (efer & EFER_NXE) != 0,
                (cr4 & CR4_PSE) != 0, (cr4 & CR4_PGE) != 0, cr3);
        mmu.walker.configureSupervisorProtection((cr4 & CR4_SMEP) != 0, (cr4 & CR4_SMAP) != 0);
        mmu.walker.configureProtectionKeys((cr4 & CR4_PKE) != 0, (cr4 & CR4_PKS) != 0);
    }
}
