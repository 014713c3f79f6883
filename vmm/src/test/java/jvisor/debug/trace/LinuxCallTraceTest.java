package jvisor.debug.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BootConfig;
import jvisor.boot.DebugOptions;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.TestKits;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel traced on emu to /init, its symbols read from the kernel's own kallsyms tables
 * (Debian's System.map is a placeholder): the boot path reaches x86_64_start_kernel (which
 * startup_64 enters with lretq), start_kernel and kernel_init (the first kernel thread, on a
 * stack of its own, so a tree of its own).
 */
@Timeout(600)
class LinuxCallTraceTest {
    @Test
    void theBootPathReachesStartKernelAndKernelInit(@TempDir Path tmp) throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Symbols symbols = Symbols.load(kit.vmlinuz());
        assertTrue(symbols.size() > 10_000, "kallsyms gave " + symbols.size() + " text symbols");
        assertTrue(symbols.address("start_kernel") != -1, "start_kernel has an address");
        Path json = tmp.resolve("boot.json");
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE + " jvisor.test=1")
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDebug(new DebugOptions(null, false, true, kit.vmlinuz(), json, 2, null)));
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.serial().contains("jvisor-linux: init started"), run.toString());
        List<String> tree = CallTraceGuestTest.shape(run.log());
        assertTrue(tree.contains("  x86_64_start_kernel"), String.join("\n", tree));
        // x86_64_start_kernel tail-jumps to x86_64_start_reservations, which tail-jumps to start_kernel.
        assertTrue(tree.contains("  start_kernel"), String.join("\n", tree));
        assertTrue(tree.contains("    arch_call_rest_init"), String.join("\n", tree));
        assertTrue(tree.contains("  kernel_init"), String.join("\n", tree));
        assertTrue(tree.contains("    kernel_init_freeable"), String.join("\n", tree));
        String trace = Files.readString(json);
        assertTrue(trace.contains("{\"name\":\"start_kernel\",\"ph\":\"X\",\"pid\":1,\"tid\":0,"), "start_kernel in the JSON");
    }
}
