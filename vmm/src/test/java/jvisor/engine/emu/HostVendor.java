package jvisor.engine.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The host processor's vendor, as CPUID leaf 0 reports it to a snippet run through
 * {@link NativeCpu}: the oracle's own answer, not the kernel's /proc/cpuinfo (a hypervisor or a
 * container can present another). Read once per JVM.
 */
final class HostVendor {
    static final String AMD = "AuthenticAMD";

    private HostVendor() { }

    private static final class Once {
        static final String ID = read();
    }

    /** The twelve-character vendor string ("GenuineIntel", "AuthenticAMD", ...); empty where the host is no oracle. */
    static String id() {
        return Once.ID;
    }

    /**
     * Whether undefined results are compared too: the emulator reproduces AMD's choices where the
     * manuals leave a result undefined, so only an AMD host is expected to agree on them.
     */
    static boolean amd() {
        return AMD.equals(id());
    }

    private static String read() {
        if (!NativeCpu.available()) {
            return "";
        }
        CpuSnapshot out = new NativeCpu().run(Asm.code64("xor eax, eax\ncpuid"),
                new CpuSnapshot(new long[16], 2, new byte[NativeCpu.DATA_SIZE]));
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) out.regs()[3]).putInt((int) out.regs()[2]).putInt((int) out.regs()[1]);
        return new String(b.array(), StandardCharsets.US_ASCII);
    }
}
