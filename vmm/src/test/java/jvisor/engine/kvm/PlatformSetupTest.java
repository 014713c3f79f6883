package jvisor.engine.kvm;

import java.util.List;
import java.util.stream.Collectors;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interrupt routing table and the LINT pins, as the VM and vCPU set-up hand them to KVM. */
class PlatformSetupTest {
    private static final int PIC0 = KvmConst.KVM_IRQCHIP_PIC_MASTER;
    private static final int PIC1 = KvmConst.KVM_IRQCHIP_PIC_SLAVE;
    private static final int IOAPIC = KvmConst.KVM_IRQCHIP_IOAPIC;

    @Test
    void theTimerReachesPicPinZeroAndIoapicPinTwo() {
        assertEquals(List.of(new IrqRouting.Route(0, PIC0, 0), new IrqRouting.Route(0, IOAPIC, 2)), routesOf(0));
        assertEquals(List.of(), routesOf(2), "PIC pin 2 is the cascade; IOAPIC pin 2 belongs to line 0");
    }

    @Test
    void isaIrqsReachBothControllersAndHighLinesOnlyTheIoapic() {
        assertEquals(List.of(new IrqRouting.Route(4, PIC0, 4), new IrqRouting.Route(4, IOAPIC, 4)), routesOf(4));
        assertEquals(List.of(new IrqRouting.Route(9, PIC1, 1), new IrqRouting.Route(9, IOAPIC, 9)), routesOf(9));
        assertEquals(List.of(new IrqRouting.Route(23, IOAPIC, 23)), routesOf(23));
        assertEquals(15 + 23, IrqRouting.table().size());
        List<Integer> ioapicPins = IrqRouting.table().stream().filter(r -> r.chip() == IOAPIC)
                .map(IrqRouting.Route::pin).sorted().collect(Collectors.toList());
        assertEquals(PcLayout.IOAPIC_PINS - 1, ioapicPins.size());
        assertTrue(ioapicPins.stream().distinct().count() == ioapicPins.size(), "no IOAPIC pin driven twice");
    }

    @Test
    void deviceLinesMapToKvmLines() {
        assertEquals(0, IrqRouting.kvmLine(PcLayout.GSI_PIT), "GSI 2 is the timer's line");
        assertEquals(0, IrqRouting.kvmLine(PcLayout.IRQ_PIT));
        assertEquals(PcLayout.IRQ_COM1, IrqRouting.kvmLine(PcLayout.IRQ_COM1));
        assertEquals(23, IrqRouting.kvmLine(23));
        assertThrows(IllegalArgumentException.class, () -> IrqRouting.kvmLine(24));
        assertThrows(IllegalArgumentException.class, () -> IrqRouting.kvmLine(-1));
    }

    @Test
    void lintPinsAreVirtualWireOnTheBspAndMaskedOnAps() {
        int reset = VcpuSetup.LVT_MASKED;
        assertEquals(0x700, VcpuSetup.lintValue(reset, VcpuSetup.DELIVERY_EXTINT, true));
        assertEquals(0x400, VcpuSetup.lintValue(reset, VcpuSetup.DELIVERY_NMI, true));
        assertEquals(0x10700, VcpuSetup.lintValue(reset, VcpuSetup.DELIVERY_EXTINT, false));
        assertEquals(0x10400, VcpuSetup.lintValue(reset, VcpuSetup.DELIVERY_NMI, false));
        // KVM already gives the BSP an unmasked ExtINT LINT0; reprogramming keeps it so.
        assertEquals(0x700, VcpuSetup.lintValue(0x700, VcpuSetup.DELIVERY_EXTINT, true));
    }

    @Test
    void bootMsrsAreFastStringsAndWriteBackMtrrDefault() {
        assertEquals(2, VcpuSetup.BOOT_MSRS.length);
        assertEquals(0x1A0, VcpuSetup.BOOT_MSRS[0][0]);
        assertEquals(1, VcpuSetup.BOOT_MSRS[0][1]);
        assertEquals(0x2FF, VcpuSetup.BOOT_MSRS[1][0]);
        assertEquals(0x806, VcpuSetup.BOOT_MSRS[1][1]);
    }

    @Test
    void kvmRealModePagesAreOutsideRamAndDevices() {
        assertTrue(KvmVm.IDENTITY_MAP_ADDR >= jvisor.engine.GuestMemory.LOW_RAM_LIMIT);
        assertEquals(KvmVm.IDENTITY_MAP_ADDR + PcLayout.PAGE, KvmVm.TSS_ADDR);
        assertTrue(KvmVm.IDENTITY_MAP_ADDR > PcLayout.LAPIC_BASE + PcLayout.PAGE);
        assertTrue(KvmVm.TSS_END <= 0xFFFE_0000L, "below the BIOS ROM's usual top 128 KiB");
    }

    private static List<IrqRouting.Route> routesOf(int gsi) {
        return IrqRouting.table().stream().filter(r -> r.gsi() == gsi).toList();
    }
}
