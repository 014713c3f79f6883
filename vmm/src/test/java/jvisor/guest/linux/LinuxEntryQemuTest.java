package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jvisor.boot.LinuxEntry;
import jvisor.engine.CpuState;
import jvisor.engine.GuestMemory;
import jvisor.guest.MemoryMap;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Boots Debian's kernel in QEMU from the memory and processor state jvisor's Linux loader built:
 * the loader's RAM goes in with QEMU's generic loader device, and a 64 KiB stand-in BIOS
 * (entrystub.S) puts the processor into the loader's long-mode entry state and jumps. QEMU cannot
 * take a zero page itself, so this is how both entry paths are proven on a real kernel.
 */
@Tag("slow")
class LinuxEntryQemuTest {
    static final long RAM = 512L << 20;
    /** Offsets of entrystub.S's parameter block (its .org PARAMS_OFFSET layout). */
    static final int P_CR0 = 0xFF00;
    static final int P_CR3 = 0xFF08;
    static final int P_CR4 = 0xFF10;
    static final int P_EFER = 0xFF18;
    static final int P_RIP = 0xFF20;
    static final int P_RSI = 0xFF28;
    static final int P_RSP = 0xFF30;
    static final int P_DS = 0xFF38;
    static final int P_FAR_SELECTOR = 0xFF44;
    static final int P_GDTR = 0xFF48;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(LinuxEntry.class)
    void debiansKernelBootsToInitFromTheLoadersState(LinuxEntry how) throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        QemuRun.assumeQemu();
        Path stub = assembleStub();
        try (GuestMemory memory = GuestMemory.allocate(RAM)) {
            LinuxLoader.Spec spec = new LinuxLoader.Spec(kit.vmlinuz().toString(), Files.readAllBytes(kit.vmlinuz()),
                    kit.initrd().toString(), Files.readAllBytes(kit.initrd()), "console=ttyS0 jvisor.test=1", how);
            LinuxBoot boot = LinuxLoader.load(memory, spec, MemoryMap.of(memory), 0);
            patchStub(stub, boot.state());
            List<String> command = new ArrayList<>(List.of(QemuRun.QEMU, "-accel", "tcg", "-m", "512", "-smp", "1",
                    "-bios", stub.toString(), "-display", "none", "-serial", "stdio", "-monitor", "none",
                    "-no-reboot"));
            addBlob(command, memory, 0, 0xA0000, "low");
            addBlob(command, memory, boot.kernelStart(), boot.kernelEnd() - boot.kernelStart(), "kernel");
            addBlob(command, memory, boot.initrdAddress(), boot.initrdSize(), "initrd");
            QemuRun.Result r = QemuRun.run(command,
                    // No ACPI tables here, so poweroff -f ends in "System halted" rather than "Power down".
                    l -> l.contains("reboot: System halted") || l.contains("reboot: Power down")
                            || l.contains("Kernel panic"), 240);
            System.out.println(how.label() + " entry:\n" + r.transcript());
            assertNotNull(r.first(InitScript.MARKER), "no marker line:\n" + r.transcript());
            assertNotNull(r.first(InitScript.UPTIME_PREFIX), r.transcript());
            assertEquals(InitScript.CPUS_PREFIX + "1", r.first(InitScript.CPUS_PREFIX).text());
            assertTrue(r.first(InitScript.MODULES_PREFIX).text().contains("virtio_blk"), r.transcript());
            assertNotNull(r.first(InitScript.POWEROFF), r.transcript());
        }
    }

    private Path assembleStub() throws IOException, InterruptedException {
        assumeTrue(DebianPackages.available("gcc") && DebianPackages.available("ld"), "gcc and ld build the entry stub");
        Path source = dir.resolve("entrystub.S");
        try (InputStream in = getClass().getResourceAsStream("entrystub.S")) {
            Files.write(source, in.readAllBytes());
        }
        Path object = dir.resolve("entrystub.o");
        Path binary = dir.resolve("entrystub.bin");
        exec("gcc", "-c", "-o", object.toString(), source.toString());
        exec("ld", "-m", "elf_x86_64", "-e", "0xFFFF0000", "-Ttext=0xFFFF0000", "--oformat", "binary",
                "-o", binary.toString(), object.toString());
        assertEquals(0x10000, Files.size(binary), "the stub must be exactly 64 KiB");
        return binary;
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ":\n" + out);
    }

    private static void patchStub(Path stub, CpuState state) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(stub)).order(ByteOrder.LITTLE_ENDIAN);
        var s = state.sregs();
        var r = state.regs();
        b.putLong(P_CR0, s.cr0()).putLong(P_CR3, s.cr3()).putLong(P_CR4, s.cr4()).putLong(P_EFER, s.efer());
        b.putLong(P_RIP, r.rip()).putLong(P_RSI, r.rsi()).putLong(P_RSP, r.rsp()).putLong(P_DS, s.ds().selector());
        b.putShort(P_FAR_SELECTOR, (short) s.cs().selector());
        b.putShort(P_GDTR, (short) s.gdt().limit()).putInt(P_GDTR + 2, (int) s.gdt().base());
        Files.write(stub, b.array());
    }

    private void addBlob(List<String> command, GuestMemory memory, long address, long length, String name)
            throws IOException {
        if (length == 0) {
            return;
        }
        Path file = dir.resolve(name + ".bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer data = memory.slice(address, length).asByteBuffer();
            while (data.hasRemaining()) {
                out.write(data);
            }
        }
        command.add("-device");
        command.add("loader,file=" + file + ",addr=0x" + Long.toHexString(address) + ",force-raw=on");
    }
}
