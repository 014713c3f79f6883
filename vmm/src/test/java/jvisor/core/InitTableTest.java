package jvisor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pins the compile-time init table: a new or reordered init function shows up here on purpose. */
class InitTableTest {
    @Test
    void theTableIsSortedByStageThenOrderThenName() {
        List<String> table = InitRegistry.table().stream()
                .map(f -> f.stage().name().toLowerCase(java.util.Locale.ROOT) + f.order() + " " + f.name())
                .toList();
        assertEquals(List.of(
                "global0 jvisor.core.EngineSelection.allocateGuestRam",
                "global0 jvisor.net.NetworkBackends.openNetwork",
                "global0 jvisor.storage.Drives.openDrives",
                "global1 jvisor.guest.GuestLoader.loadGuest",
                "global2 jvisor.guest.tables.PlatformTables.install",
                "global3 jvisor.core.EngineSelection.openEngine",
                "global4 jvisor.debug.gdb.GdbStub.listen",
                "global5 jvisor.debug.trace.CallTrace.prepare",
                "bsp0 jvisor.core.Processors.announceBsp",
                "ap0 jvisor.core.Processors.announceAp",
                "parallel1 jvisor.core.vmmcall.Vmmcall.init",
                "vcpu0 jvisor.core.PassVm.createVcpu",
                "pass0 jvisor.core.PassThrough.installDefaults",
                "pass1 jvisor.core.PassVm.loadBootState",
                "driver0 jvisor.devices.FwCfg.attach",
                "driver0 jvisor.devices.pci.PciHost.attach",
                "driver1 jvisor.devices.AcpiPm.attach",
                "driver1 jvisor.devices.Cmos.attach",
                "driver1 jvisor.devices.DebugExit.attach",
                "driver1 jvisor.devices.FirmwareDebugPort.attach",
                "driver1 jvisor.devices.I8042.attach",
                "driver1 jvisor.devices.PostCode.attach",
                "driver1 jvisor.devices.SystemControlPort.attach",
                "driver1 jvisor.devices.Uart8250.attach",
                "driver1 jvisor.devices.vga.Vga.attach",
                "driver2 jvisor.devices.virtio.VirtioDevices.attach",
                "driver3 jvisor.devices.testdev.TestDevices.attach",
                "driver4 jvisor.devices.ModelDevices.attach",
                "driver9 jvisor.debug.trace.CallTrace.attach",
                "driver9 jvisor.devices.pci.PciHost.assignResources"
        ), table);
    }
}
