package jvisor.engine.emu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import jvisor.sys.Posix;

/**
 * The host processor as an oracle: runs an instruction snippet natively (64-bit mode, ring 3)
 * with every general register, the flags, the x87/SSE state (FXRSTOR64 of the snapshot's image)
 * and a data area set from a {@link CpuSnapshot}, and returns the snapshot after (FXSAVE64). The
 * host's own floating-point state is saved and restored around the snippet. The snippet sits in an executable mapping between a prologue that
 * loads the registers and an epilogue that stores them; the data area is a second mapping that
 * the emulator maps at the same linear address, so pointers are equal on both sides.
 *
 * <p>A snippet must not fault natively (the JVM would take the signal as a crash): memory
 * operands stay inside the data area and divisions are prepared not to overflow. SSE exceptions
 * must stay masked (an unmasked one would be a SIGFPE in the JVM); an unmasked x87 exception is
 * harmless as long as no waiting x87 instruction follows it in the snippet.
 */
public final class NativeCpu {
    public static final int CODE_SIZE = 0x2000;
    public static final int SNIPPET = 0x100;
    public static final int SNIPPET_MAX = 0x300;
    public static final int DATA_SIZE = 0x4000;
    private static final int EPILOGUE = 0x400;
    private static final int IN = 0x800;
    private static final int OUT = 0x900;
    private static final int FX_IN = 0xC00;
    private static final int FX_OUT = 0xE00;

    private static final String TRAMPOLINE = """
            push rbx
            push rbp
            push r12
            push r13
            push r14
            push r15
            mov [rip + host_rsp], rsp
            fxsave64 [rip + fx_host]
            fxrstor64 [rip + fx_in]
            lea rsp, [rip + in_area]
            pop rax
            pop rcx
            pop rdx
            pop rbx
            pop rbp
            pop rbp
            pop rsi
            pop rdi
            pop r8
            pop r9
            pop r10
            pop r11
            pop r12
            pop r13
            pop r14
            pop r15
            popfq
            mov rsp, [rip + in_area + 32]
            jmp snippet
            .org 0x100
            snippet:
            .org 0x400
            mov [rip + snippet_rsp], rsp
            lea rsp, [rip + out_area + 136]
            pushfq
            push r15
            push r14
            push r13
            push r12
            push r11
            push r10
            push r9
            push r8
            push rdi
            push rsi
            push rbp
            push rbp
            push rbx
            push rdx
            push rcx
            push rax
            cld
            fxsave64 [rip + fx_out]
            fxrstor64 [rip + fx_host]
            mov rax, [rip + snippet_rsp]
            mov [rip + out_area + 32], rax
            mov rsp, [rip + host_rsp]
            pop r15
            pop r14
            pop r13
            pop r12
            pop rbp
            pop rbx
            ret
            .org 0x800
            in_area: .fill 17, 8, 0
            .org 0x900
            out_area: .fill 17, 8, 0
            .org 0xA00
            host_rsp: .quad 0
            snippet_rsp: .quad 0
            .org 0xC00
            fx_in: .fill 512, 1, 0
            fx_out: .fill 512, 1, 0
            fx_host: .fill 512, 1, 0
            """;

    private static final int PROT_RWX = 7;
    private static final MethodHandle MMAP = Posix.downcall("mmap", false,
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));

    /** Whether this host can be the oracle: an x86-64 Linux (the trampoline is x86-64 code called through FFM). */
    public static boolean available() {
        String arch = System.getProperty("os.arch");
        return ("amd64".equals(arch) || "x86_64".equals(arch)) && "Linux".equals(System.getProperty("os.name"));
    }

    /** Whether the host processor has XSAVE (and its Linux enabled it), from /proc/cpuinfo's flags. */
    public static boolean hasXsave() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
                    .anyMatch(l -> l.startsWith("flags") && (" " + l + " ").contains(" xsave "));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private final MemorySegment code;
    private final MemorySegment data;
    private final MethodHandle entry;

    public NativeCpu() {
        code = map(CODE_SIZE);
        data = map(DATA_SIZE);
        byte[] trampoline = Asm.code64(TRAMPOLINE);
        MemorySegment.copy(trampoline, 0, code, ValueLayout.JAVA_BYTE, 0, trampoline.length);
        entry = Linker.nativeLinker().downcallHandle(code, FunctionDescriptor.ofVoid());
    }

    private static MemorySegment map(long size) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_RWX,
                    Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS, -1, 0L);
            if (p.address() == -1L) {
                throw new IllegalStateException("mmap of an executable page failed");
            }
            return p.reinterpret(size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Linear address of the first snippet byte (the emulator runs the snippet there too). */
    public long snippetAddress() {
        return code.address() + SNIPPET;
    }

    public long codeAddress() {
        return code.address();
    }

    public long dataAddress() {
        return data.address();
    }

    /** Runs {@code snippet} from state {@code in}; returns the state after it. */
    public CpuSnapshot run(byte[] snippet, CpuSnapshot in) {
        if (snippet.length + 5 > SNIPPET_MAX) {
            throw new IllegalArgumentException("snippet too long: " + snippet.length);
        }
        MemorySegment.copy(snippet, 0, code, ValueLayout.JAVA_BYTE, SNIPPET, snippet.length);
        int jmpAt = SNIPPET + snippet.length;
        code.set(ValueLayout.JAVA_BYTE, jmpAt, (byte) 0xE9);
        code.set(ValueLayout.JAVA_INT_UNALIGNED, jmpAt + 1, EPILOGUE - (jmpAt + 5));
        for (int i = 0; i < 16; i++) {
            code.set(ValueLayout.JAVA_LONG, IN + i * 8L, in.regs()[i]);
        }
        code.set(ValueLayout.JAVA_LONG, IN + 16 * 8L, in.rflags());
        MemorySegment.copy(in.memory(), 0, data, ValueLayout.JAVA_BYTE, 0, DATA_SIZE);
        byte[] fpu = in.fpuOrDefault();
        MemorySegment.copy(fpu, 0, code, ValueLayout.JAVA_BYTE, FX_IN, fpu.length);
        code.asSlice(FX_OUT, CpuSnapshot.FPU_SIZE).fill((byte) 0);
        try {
            entry.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) {
            regs[i] = code.get(ValueLayout.JAVA_LONG, OUT + i * 8L);
        }
        long flags = code.get(ValueLayout.JAVA_LONG, OUT + 16 * 8L);
        byte[] memory = new byte[DATA_SIZE];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, memory, 0, DATA_SIZE);
        byte[] fpuOut = new byte[CpuSnapshot.FPU_SIZE];
        MemorySegment.copy(code, ValueLayout.JAVA_BYTE, FX_OUT, fpuOut, 0, fpuOut.length);
        return new CpuSnapshot(regs, flags, memory, fpuOut);
    }
}
