package jvisor.engine.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BootConfig;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The vmmcall guest on kvm, where KVM's Xen hypercall intercept hands VMCALL/VMMCALL to jvisor:
 * the same serial output as on emu. Skipped where the kernel's KVM has no such intercept
 * (CONFIG_KVM_XEN unset, as in Debian's kernels): KVM then answers the guest's hypercalls itself.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvmVmmcallTest {
    @Test
    void theGuestFindsAndCallsJvisorsHypercallsOnKvm() throws IOException {
        Path dev = Path.of(KvmEngine.DEVICE);
        assumeTrue(Files.exists(dev) && Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host");
        try (KvmEngine engine = KvmEngine.open(1)) {
            assumeTrue(KvmHypercalls.available(engine.xenHvmFlags()),
                    "this kernel's KVM cannot hand VMCALL to user space (KVM_CAP_XEN_HVM without INTERCEPT_HCALL:"
                            + " CONFIG_KVM_XEN is not set), so KVM answers the guest's vmmcalls itself");
        }
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.Builtin("vmmcall")).withEngine(EngineChoice.KVM));
        String expected = Files.readString(Path.of("../guests/expected/vmmcall.txt"), StandardCharsets.ISO_8859_1);
        assertEquals(expected, run.serial(), run.toString());
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.log().contains("vmmcall log from cpu0: hello from the vmmcall guest"), run.toString());
    }
}
