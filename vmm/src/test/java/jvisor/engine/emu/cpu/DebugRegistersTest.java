package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.engine.DebugRegisters;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestDebug;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guest's debug registers on emu (SDM vol. 3 ch. 18), the behaviour kvm-unit-tests'
 * x86/debug.c checks: MOV DR rules, instruction breakpoints and RF, data breakpoints with their
 * lengths and kinds, DR6's status bits, general detect.
 */
class DebugRegistersTest {
    static final long COUNT = 0x200F00;
    /** Label addresses the code under test stores for the assertions. */
    static final long MARKS = 0x200F80;
    static final long LOG = 0x201000;
    static final long VAR = 0x300000;
    static final long DB_HANDLER = TestMachine.CODE + 0x800;

    /** A #DB handler that logs (RIP, DR6) per exception and returns with RF set, as debug.c's does. */
    static final String HANDLER = """
            .org 0x800
            db_handler:
                push rax
                push rbx
                mov rbx, [0x200f00]
                shl rbx, 4
                mov rax, [rsp + 16]
                mov [0x201000 + rbx], rax
                mov rax, dr6
                mov [0x201008 + rbx], rax
                inc qword ptr [0x200f00]
                or qword ptr [rsp + 32], 0x10000
                pop rbx
                pop rax
                iretq
            """;

    record Db(long rip, long dr6) { }

    /** Runs {@code code} (ending in cli; hlt) with the logging #DB handler and every other vector caught. */
    static TestMachine run(String code) {
        return run(code, 0);
    }

    static TestMachine run(String code, int compileThreshold) {
        return run(code, compileThreshold, false);
    }

    static TestMachine run(String code, int compileThreshold, boolean forC2) {
        TestMachine m = new TestMachine();
        m.catchExceptions64();
        m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, code + "\n" + HANDLER));
        m.gate64(Vectors.DB, DB_HANDLER, 0, 0, false);
        if (compileThreshold > 0) {
            m.cpu.setCompileThreshold(compileThreshold);
            m.cpu.setCompileForC2(forC2);
        }
        m.longMode(TestMachine.CODE);
        ExitReason r = m.run();
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        return m;
    }

    static List<Db> hits(TestMachine m) {
        List<Db> out = new ArrayList<>();
        long n = m.ram.read64(COUNT);
        for (int k = 0; k < n; k++) {
            out.add(new Db(m.ram.read64(LOG + 16L * k), m.ram.read64(LOG + 16L * k + 8)));
        }
        return out;
    }

    static long mark(TestMachine m, int k) {
        return m.ram.read64(MARKS + 8L * k);
    }

    @Test
    void dr4AliasesDr6WithoutDebugExtensions() {
        try (TestMachine m = run("""
                mov rax, 0xffff4ff2
                mov dr6, rax
                mov rbx, dr4
                mov rax, 0x401
                mov dr5, rax
                mov rcx, dr7
                cli
                hlt
                """)) {
            assertEquals(-1, m.caught().vector());
            assertEquals(0xFFFF4FF2L, m.reg(Cpu.RBX));
            assertEquals(0x401L, m.reg(Cpu.RCX));
        }
    }

    @Test
    void dr4IsUndefinedWithDebugExtensions() {
        try (TestMachine m = run("""
                mov rax, cr4
                or rax, 8
                mov cr4, rax
                mov rbx, dr4
                cli
                hlt
                """)) {
            assertEquals(Vectors.UD, m.caught().vector());
        }
    }

    @Test
    void dr6AndDr7RejectTheUpperHalfAndFixTheirBits() {
        try (TestMachine m = run("""
                xor eax, eax
                mov dr6, rax
                mov rbx, dr6
                mov rax, 0xffffdfff
                mov dr7, rax
                mov rcx, dr7
                mov [0x200fc0], rbx
                mov [0x200fc8], rcx
                xor eax, eax
                mov dr7, rax
                mov rax, 0x100000000
                mov dr7, rax
                cli
                hlt
                """)) {
            assertEquals(0xFFFF_0FF0L, m.ram.read64(0x200FC0), "DR6's fixed bits");
            assertEquals(0xFFFF_07FFL, m.ram.read64(0x200FC8), "DR7 bits 11, 12, 14, 15 read as 0");
            assertEquals(Vectors.GP, m.caught().vector());
        }
    }

    @Test
    void instructionBreakpointFaultsAndRfLetsItRunOnce() {
        try (TestMachine m = run("""
                mov qword ptr [0x200f80], offset brk
                mov rax, offset brk
                mov dr2, rax
                mov rax, 0x420
                mov dr7, rax
                xor ecx, ecx
                brk: inc ecx
                nop
                cli
                hlt
                """)) {
            List<Db> h = hits(m);
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF4L)), h, "one fault with B2, before the instruction");
            assertEquals(1, m.reg(Cpu.RCX), "the instruction ran once after the handler's IRET with RF");
        }
    }

    @Test
    void instructionBreakpointInsideABlockAndDr6KeepsSoftwareBits() {
        try (TestMachine m = run("""
                mov qword ptr [0x200f80], offset brk
                mov rax, 0x4002
                mov dr6, rax
                mov rax, offset brk
                mov dr0, rax
                mov rax, 0x401
                mov dr7, rax
                xor ecx, ecx
                inc ecx
                inc ecx
                brk: inc ecx
                inc ecx
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_4FF1L)), hits(m), "B1 replaced by B0, BS left as set");
            assertEquals(4, m.reg(Cpu.RCX));
        }
    }

    @Test
    void disabledBreakpointsDoNothing() {
        try (TestMachine m = run("""
                mov rax, offset brk
                mov dr0, rax
                mov rax, 0x300000
                mov dr1, rax
                mov rax, 0x00d00400
                mov dr7, rax
                brk: mov dword ptr [0x300000], 1
                cli
                hlt
                """)) {
            assertEquals(List.of(), hits(m));
        }
    }

    @Test
    void writeBreakpointTrapsAfterTheWrite() {
        try (TestMachine m = run("""
                mov rax, 0x300000
                mov dr1, rax
                mov rax, 0x00d0040a
                mov dr7, rax
                mov eax, dword ptr [0x300000]
                mov dword ptr [0x300000], 42
                after: mov qword ptr [0x200f80], offset after
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF2L)), hits(m), "a read does not hit a write breakpoint");
            assertEquals(42, m.ram.read32(VAR));
        }
    }

    @Test
    void readWriteBreakpointHitsReadsAndReadModifyWrites() {
        try (TestMachine m = run("""
                mov rax, 0x300008
                mov dr3, rax
                mov rax, 0xf0000480
                mov dr7, rax
                mov rax, qword ptr [0x300008]
                r1: add qword ptr [0x300008], 1
                r2: mov qword ptr [0x200f80], offset r1
                mov qword ptr [0x200f88], offset r2
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF8L), new Db(mark(m, 1), 0xFFFF_0FF8L)), hits(m));
        }
    }

    @Test
    void lengthsAlignTheAddressDownAndMatchOverlaps() {
        // DR0: 2 bytes at 0x300011 (aligned to 0x300010); DR1: 8 bytes at 0x300020; DR2: 1 byte at 0x300031.
        try (TestMachine m = run("""
                mov rax, 0x300011
                mov dr0, rax
                mov rax, 0x300020
                mov dr1, rax
                mov rax, 0x300031
                mov dr2, rax
                mov rax, 0x0195042a
                mov dr7, rax
                mov byte ptr [0x30000f], 1
                mov byte ptr [0x300012], 1
                mov byte ptr [0x300030], 1
                mov byte ptr [0x300032], 1
                mov byte ptr [0x300028], 1
                a1: mov word ptr [0x30000f], 1
                a2: mov dword ptr [0x30001e], 1
                a3: mov word ptr [0x300030], 1
                a4: mov byte ptr [0x300010], 1
                a5: mov qword ptr [0x200f80], offset a1
                mov qword ptr [0x200f88], offset a2
                mov qword ptr [0x200f90], offset a3
                mov qword ptr [0x200f98], offset a4
                mov qword ptr [0x200fa0], offset a5
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 1), 0xFFFF_0FF1L), new Db(mark(m, 2), 0xFFFF_0FF2L),
                    new Db(mark(m, 3), 0xFFFF_0FF4L), new Db(mark(m, 4), 0xFFFF_0FF1L)), hits(m));
        }
    }

    @Test
    void generalDetectFaultsOnMovDrAndClearsGd() {
        try (TestMachine m = run("""
                mov rax, 0x2400
                mov dr7, rax
                xor eax, eax
                gd: mov dr6, rax
                mov rbx, dr7
                mov rcx, dr6
                mov qword ptr [0x200f80], offset gd
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_2FF0L)), hits(m), "BD, at the MOV DR");
            assertEquals(0x400, m.reg(Cpu.RBX), "GD cleared");
            assertEquals(0xFFFF_0FF0L, m.reg(Cpu.RCX), "the MOV to DR6 ran after the handler");
        }
    }

    @Test
    void anInstructionBreakpointBehindMovSsIsSuppressedAsOnIntel() {
        // kvm-unit-tests' emulator: "#DB suppressed after MOV SS" on Intel (AMD delivers it).
        try (TestMachine m = run("""
                mov rax, offset brk
                mov dr0, rax
                mov rax, 0x401
                mov dr7, rax
                mov ax, ss
                xor ecx, ecx
                mov ss, ax
                brk: inc ecx
                inc ecx
                cli
                hlt
                """)) {
            assertEquals(List.of(), hits(m), "no #DB for the breakpoint in the MOV SS shadow");
            assertEquals(2, m.reg(Cpu.RCX));
        }
    }

    @Test
    void movSsHoldsADataBreakpointForOneInstruction() {
        try (TestMachine m = run("""
                mov word ptr [0x300000], 0x10
                mov rax, 0x300000
                mov dr0, rax
                mov rax, 0x00030402
                mov dr7, rax
                mov ss, word ptr [0x300000]
                xor ecx, ecx
                after: inc ecx
                mov qword ptr [0x200f80], offset after
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF1L)), hits(m), "after the instruction behind MOV SS");
        }
    }

    @Test
    void watchedPageCachedBeforeArmingStillHits() {
        // The page is in the TLB's read and write sets when DR7 arms the breakpoint: the write must miss it.
        try (TestMachine m = run("""
                mov dword ptr [0x300100], 1
                mov eax, dword ptr [0x300104]
                mov rax, 0x300100
                mov dr0, rax
                mov rax, 0x000d0402
                mov dr7, rax
                mov dword ptr [0x300100], 2
                after: mov rax, 0x400
                mov dr7, rax
                mov dword ptr [0x300100], 3
                mov qword ptr [0x200f80], offset after
                cli
                hlt
                """)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF1L)), hits(m), "one hit, none after disarming");
        }
    }

    @Test
    void repStringStopsAfterTheElementThatHit() {
        try (TestMachine m = run("""
                mov rax, 0x300010
                mov dr0, rax
                mov rax, 0x00010402
                mov dr7, rax
                cld
                mov rdi, 0x300000
                mov ecx, 64
                xor eax, eax
                rs: rep stosb
                mov qword ptr [0x200f80], offset rs
                cli
                hlt
                """)) {
            List<Db> h = hits(m);
            assertEquals(new Db(mark(m, 0), 0xFFFF_0FF1L), h.get(0), "RIP at the REP STOSB, which resumes");
            assertEquals(1, h.size());
            assertEquals(0, m.reg(Cpu.RCX));
        }
    }

    /**
     * A loop compiled to a region writes and reads the watched page every iteration; the write
     * and the read that hit (once each) trap exactly after themselves, with the loop counter of
     * that iteration, in both forms of compiled code (MMU calls, and the TLB looked up inline).
     * The loop runs in a region until the first hit: instructions completed there count.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void dataBreakpointsHitInsideCompiledRegions(boolean forC2) {
        try (TestMachine m = run("""
                mov rax, 0x300000
                mov dr0, rax
                mov rax, 0x300008
                mov dr1, rax
                mov rax, 0x00fd040a
                mov dr7, rax
                xor ecx, ecx
                top: mov dword ptr [0x300004], ecx
                mov eax, dword ptr [0x30000c]
                add ecx, 1
                cmp ecx, 3000
                jne 1f
                mov dword ptr [0x300000], ecx
                w: mov dword ptr [0x200fc0], ecx
                1: cmp ecx, 4000
                jne 2f
                mov eax, dword ptr [0x300008]
                r: mov dword ptr [0x200fc8], ecx
                2: cmp ecx, 5000
                jb top
                mov qword ptr [0x200f80], offset w
                mov qword ptr [0x200f88], offset r
                cli
                hlt
                """, 1, forC2)) {
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF1L), new Db(mark(m, 1), 0xFFFF_0FF2L)), hits(m));
            assertEquals(3000, m.ram.read32(0x200FC0));
            assertEquals(4000, m.ram.read32(0x200FC8));
            Matcher stats = Pattern.compile("instructions, ([0-9,]+) \\(").matcher(m.cpu.engineStats());
            assertTrue(stats.find() && Long.parseLong(stats.group(1).replace(",", "")) > 30_000, m.cpu.engineStats());
        }
    }

    /** DR0-DR3, DR6 and DR7 are part of the processor state: read out, and loaded into another processor. */
    @Test
    void debugRegistersTravelWithTheProcessorState() {
        DebugRegisters armed;
        try (TestMachine m = run("""
                mov rax, 0x300000
                mov dr1, rax
                mov rax, 0x00d0040a
                mov dr7, rax
                cli
                hlt
                """)) {
            armed = m.cpu.state().debug();
            assertEquals(new DebugRegisters(0, 0x300000, 0, 0, 0xFFFF_0FF0L, 0xD0040AL), armed);
        }
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    mov dword ptr [0x300000], 7
                    after: mov qword ptr [0x200f80], offset after
                    cli
                    hlt
                    """ + HANDLER));
            m.gate64(Vectors.DB, DB_HANDLER, 0, 0, false);
            m.longMode(TestMachine.CODE);
            assertEquals(DebugRegisters.RESET, m.cpu.state().debug());
            m.cpu.setState(m.cpu.state().withDebug(armed));
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(List.of(new Db(mark(m, 0), 0xFFFF_0FF2L)), hits(m));
        }
    }

    /**
     * A debugger's watchpoint and the guest's own data breakpoint side by side: the debugger
     * stops after the access to its address, the guest gets its #DB for its own, and its DR7 is
     * what it wrote.
     */
    @Test
    void debuggerWatchpointsLeaveTheGuestsBreakpointsAlone() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    mov rax, 0x300000
                    mov dr0, rax
                    mov rax, 0x000d0402
                    mov dr7, rax
                    mov dword ptr [0x300100], 5
                    w1: mov dword ptr [0x300000], 6
                    w2: mov rbx, dr7
                    mov qword ptr [0x200f80], offset w1
                    mov qword ptr [0x200f88], offset w2
                    cli
                    hlt
                    """ + HANDLER));
            m.gate64(Vectors.DB, DB_HANDLER, 0, 0, false);
            m.longMode(TestMachine.CODE);
            GuestDebug.Watchpoint watch = new GuestDebug.Watchpoint(0x300100, 4, GuestDebug.Access.WRITE);
            m.cpu.setGuestDebug(new GuestDebug(false, new long[0], java.util.List.of(watch)));
            assertEquals(ExitReason.DEBUG, m.run(), m.cpu.describeExit());
            assertEquals(new jvisor.engine.DebugStop(jvisor.engine.DebugStop.Cause.WATCHPOINT, 0x300100, GuestDebug.Access.WRITE), m.cpu.debugStop());
            long stoppedAt = m.cpu.state().regs().rip();
            ExitReason r = m.run();
            if (r == ExitReason.STOPPED) {
                r = m.run();
            }
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(mark(m, 0), stoppedAt, "the debugger stops after the write to its address");
            assertEquals(List.of(new Db(mark(m, 1), 0xFFFF_0FF1L)), hits(m), "the guest's own breakpoint");
            assertEquals(0xD0402L, m.reg(Cpu.RBX), "DR7 as the guest wrote it");
        }
    }

    /** The same breakpoints in 32-bit protected mode without paging, with a 32-bit handler. */
    @Test
    void breakpointsInProtectedMode() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    .code32
                    mov eax, 0x300000
                    mov dr1, eax
                    mov eax, offset brk
                    mov dr0, eax
                    mov eax, 0x00d0040b
                    mov dr7, eax
                    xor ecx, ecx
                    brk: inc ecx
                    mov dword ptr [0x300000], 1
                    after: mov dword ptr [0x200f80], offset brk
                    mov dword ptr [0x200f88], offset after
                    cli
                    hlt
                    .org 0x800
                    push eax
                    push ebx
                    mov ebx, [0x200f00]
                    shl ebx, 4
                    mov eax, [esp + 8]
                    mov [0x201000 + ebx], eax
                    mov eax, dr6
                    mov [0x201008 + ebx], eax
                    inc dword ptr [0x200f00]
                    or dword ptr [esp + 16], 0x10000
                    pop ebx
                    pop eax
                    iretd
                    """));
            m.gate32(Vectors.DB, DB_HANDLER, 0);
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(-1, m.caught().vector());
            assertEquals(List.of(new Db(m.ram.read32(MARKS), 0xFFFF_0FF1L), new Db(m.ram.read32(MARKS + 8), 0xFFFF_0FF2L)),
                    hits(m));
            assertEquals(1, m.reg(Cpu.RCX));
        }
    }
}
