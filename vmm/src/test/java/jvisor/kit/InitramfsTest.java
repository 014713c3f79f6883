package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class InitramfsTest {
    static final List<KernelModules.Module> MODULES = List.of(
            new KernelModules.Module("virtio", "lib/modules/v/kernel/drivers/virtio/virtio.ko", new byte[] {1}),
            new KernelModules.Module("virtio_blk", "lib/modules/v/kernel/drivers/block/virtio_blk.ko", new byte[] {2}));

    static List<CpioWriterTest.Entry> unpack(byte[] initrd) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(initrd))) {
            return CpioWriterTest.read(in.readAllBytes());
        }
    }

    @Test
    void holdsBusyboxInitTheConsoleAndTheModulesUnderTheirDirectories() throws Exception {
        byte[] busybox = {0x7F, 'E', 'L', 'F', 9};
        List<CpioWriterTest.Entry> entries = unpack(Initramfs.build(busybox, MODULES));
        List<String> names = entries.stream().map(CpioWriterTest.Entry::name).toList();
        CpioWriterTest.Entry bb = entries.get(names.indexOf("bin/busybox"));
        assertArrayEquals(busybox, bb.data());
        assertEquals(CpioWriter.S_IFREG | 0755, bb.mode());
        assertEquals(CpioWriter.S_IFCHR | 0600, entries.get(names.indexOf("dev/console")).mode());
        for (KernelModules.Module m : MODULES) {
            int at = names.indexOf(m.path());
            assertTrue(at > names.indexOf(m.path().substring(0, m.path().lastIndexOf('/'))), "directory first");
        }
        CpioWriterTest.Entry init = entries.get(names.indexOf("init"));
        assertEquals(CpioWriter.S_IFREG | 0755, init.mode());
        String script = new String(init.data());
        assertTrue(script.startsWith("#!/bin/busybox sh\n"));
        assertTrue(script.indexOf("insmod /" + MODULES.get(0).path()) < script.indexOf("insmod /" + MODULES.get(1).path()));
        assertTrue(script.contains(InitScript.MARKER) && script.contains(InitScript.TEST_OPTION));
        assertTrue(script.contains(InitScript.NET_OPTION) && script.contains("udhcpc -i eth0 -s /tmp/udhcpc.script"),
                "jvisor.net=dhcp brings eth0 up");
    }

    @Test
    void theModuleListHasTheNetworkDriverAfterItsDependencies() {
        List<String> m = Initramfs.MODULES;
        assertTrue(m.indexOf("failover") < m.indexOf("net_failover") && m.indexOf("net_failover") < m.indexOf("virtio_net"), m::toString);
    }

    @Test
    void theSameInputsGiveTheSameBytes() {
        assertArrayEquals(Initramfs.build(new byte[] {1, 2}, MODULES), Initramfs.build(new byte[] {1, 2}, MODULES));
    }
}
