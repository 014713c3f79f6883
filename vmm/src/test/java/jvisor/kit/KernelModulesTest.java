package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class KernelModulesTest {
    static final String VERSION = "6.1.0-test-amd64";

    @TempDir
    Path root;

    private Path modules() throws Exception {
        Path drivers = root.resolve("lib/modules/" + VERSION + "/kernel/drivers");
        Files.createDirectories(drivers.resolve("virtio"));
        Files.createDirectories(drivers.resolve("block"));
        Files.write(drivers.resolve("virtio/virtio.ko"), TestModules.module("virtio", ""));
        Files.write(drivers.resolve("virtio/virtio_ring.ko"), TestModules.module("virtio_ring", ""));
        Files.write(drivers.resolve("virtio/virtio_pci_modern_dev.ko"), TestModules.module("virtio_pci_modern_dev", ""));
        Files.write(drivers.resolve("virtio/virtio_pci.ko"),
                TestModules.module("virtio_pci", "virtio_pci_modern_dev,virtio_ring,virtio"));
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (XZOutputStream out = new XZOutputStream(xz, new LZMA2Options())) {
            out.write(TestModules.module("virtio_blk", "virtio,virtio_ring"));
        }
        Files.write(drivers.resolve("block/virtio_blk.ko.xz"), xz.toByteArray());
        Files.writeString(root.resolve("lib/modules/" + VERSION + "/modules.builtin"), "kernel/drivers/virtio/virtio_mmio.ko\n");
        return drivers;
    }

    @Test
    void readsDependsFromModinfo() {
        assertEquals(List.of("a", "b"), KernelModules.dependencies("m", TestModules.module("m", "a,b")));
        assertEquals(List.of(), KernelModules.dependencies("m", TestModules.module("m", "")));
    }

    @Test
    void ordersModulesAfterTheirDependenciesAndUnpacksCompressedOnes() throws Exception {
        modules();
        List<KernelModules.Module> m = new KernelModules(root, VERSION)
                .resolve(List.of("virtio_pci", "virtio-blk", "virtio_mmio"));
        assertEquals(List.of("virtio_pci_modern_dev", "virtio_ring", "virtio", "virtio_pci", "virtio_blk"),
                m.stream().map(KernelModules.Module::name).toList(), "virtio_mmio is built in");
        KernelModules.Module blk = m.getLast();
        assertEquals("lib/modules/" + VERSION + "/kernel/drivers/block/virtio_blk.ko", blk.path());
        assertArrayEquals(TestModules.module("virtio_blk", "virtio,virtio_ring"), blk.elf());
    }

    @Test
    void aMissingModuleIsNamed() throws Exception {
        modules();
        String message = assertThrows(KitException.class,
                () -> new KernelModules(root, VERSION).resolve(List.of("virtio_net"))).getMessage();
        assertTrue(message.contains("virtio_net") && message.contains(VERSION), message);
    }

    @Test
    void aKernelPackageWithoutModulesIsNamed() {
        assertTrue(assertThrows(KitException.class, () -> new KernelModules(root, VERSION)).getMessage()
                .contains("lib/modules/" + VERSION));
    }
}
