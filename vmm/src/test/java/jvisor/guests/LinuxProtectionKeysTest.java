package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import jvisor.testing.Disks;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel on emu takes the XSAVE and protection keys CPUID offers: it enables x87, SSE
 * and PKRU in XCR0, switches tasks with XSAVE/XRSTOR, sets CR4.PKE and runs user space under
 * its default PKRU (every key but 0 access-disabled), with two processors migrating tasks. A
 * small static program (pkeys.c, built here with gcc) allocates a key with pkey_alloc, puts a
 * page under it with pkey_mprotect and reads it: killed by SIGSEGV while the key's access is
 * disabled, the value once WRPKRU enables it.
 */
@Timeout(600)
class LinuxProtectionKeysTest {
    @TempDir
    Path dir;

    @Test
    void linuxUsesXsaveAndProtectionKeys() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path script = Disks.script(dir, "script.img", """
                for f in xsave xsaveopt pku ospke; do echo "flag-$f $(grep -c -w $f /proc/cpuinfo)"; done
                %s
                chmod +x /tmp/pkeys
                /tmp/pkeys enable; echo "pkeys-enabled $?"
                /tmp/pkeys; echo "pkeys-disabled $?"
                """.formatted(printfLines(pkeysProgram(), "/tmp/pkeys")));
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline("console=ttyS0 cryptomgr.notests jvisor.script=/dev/vda " + InitScript.TEST_OPTION)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withCpus(2)
                .withDevices(new DeviceOptions(List.of(new DriveOption(script, DriveOption.Format.RAW, null, true,
                        null)), false, null));
        GuestRun run = GuestRun.boot(config);
        String serial = run.serial();
        assertTrue(serial.contains("x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys User registers'"),
                run::toString);
        assertTrue(serial.contains("x86/fpu: Enabled xstate features 0x203, context size is 2696 bytes, using 'standard'"
                + " format."), run::toString);
        for (String flag : List.of("xsave", "xsaveopt", "pku", "ospke")) {
            assertTrue(serial.contains("flag-" + flag + " 2"), () -> flag + " on both processors\n" + run);
        }
        assertTrue(serial.contains("pkeys-enabled 42"), run::toString);
        assertTrue(serial.contains("pkeys-disabled 139"), () -> "SIGSEGV (128 + 11)\n" + run);
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertEquals(0, run.status(), run::toString);
    }

    /** pkeys.c built as a static x86-64 binary without libc (gcc is there: the test guests need it to build). */
    private byte[] pkeysProgram() throws Exception {
        Path source = dir.resolve("pkeys.c");
        Path binary = dir.resolve("pkeys");
        try (var in = LinuxProtectionKeysTest.class.getResourceAsStream("pkeys.c")) {
            Files.write(source, in.readAllBytes());
        }
        Process p = new ProcessBuilder("gcc", "-Os", "-static", "-nostdlib", "-fno-pie", "-no-pie",
                "-fno-asynchronous-unwind-tables", "-Wl,--build-id=none", "-s", "-o", binary.toString(),
                source.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc: " + out);
        return Files.readAllBytes(binary);
    }

    /** Shell lines that write {@code bytes} to {@code file} with busybox printf's octal escapes. */
    private static String printfLines(byte[] bytes, String file) {
        StringBuilder sb = new StringBuilder(": > " + file + "\n");
        for (int at = 0; at < bytes.length; at += 64) {
            sb.append("printf '");
            for (int k = at; k < Math.min(bytes.length, at + 64); k++) {
                sb.append(String.format("\\%03o", bytes[k] & 0xFF));
            }
            sb.append("' >> ").append(file).append('\n');
        }
        return sb.toString();
    }
}
