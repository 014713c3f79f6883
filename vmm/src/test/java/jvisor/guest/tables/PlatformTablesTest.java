package jvisor.guest.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jvisor.bus.PcLayout;
import jvisor.engine.GuestMemory;
import jvisor.guest.MemoryMap;
import jvisor.guest.tables.FirmwareReader.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ACPI and MP tables as a guest finds them in RAM, parsed back independently. */
class PlatformTablesTest {
    private final GuestMemory ram = GuestMemory.allocate(16 << 20);
    private final FirmwareReader reader = new FirmwareReader(ram);

    @AfterEach
    void unmap() {
        ram.close();
    }

    private void install(int cpus) {
        PlatformTables.build(cpus).writeTo(ram);
    }

    @Test
    void theRsdpLeadsToConsistentRsdtAndXsdt() {
        install(2);
        Table rsdp = reader.rsdp();
        assertEquals(2, rsdp.u8(15), "revision 2");
        assertEquals("JVISOR", rsdp.ascii(9, 6));
        assertEquals(36, rsdp.u32(20));
        Table rsdt = reader.acpi(rsdp.u32(16), "RSDT");
        Table xsdt = reader.acpi(rsdp.u64(24), "XSDT");
        List<Long> viaRsdt = new ArrayList<>();
        for (int at = 36; at < rsdt.bytes().length; at += 4) {
            viaRsdt.add(rsdt.u32(at));
        }
        List<Long> viaXsdt = new ArrayList<>();
        for (int at = 36; at < xsdt.bytes().length; at += 8) {
            viaXsdt.add(xsdt.u64(at));
        }
        assertEquals(viaRsdt, viaXsdt);
        assertEquals(Set.of("FACP", "APIC", "MCFG"),
                reader.described().stream().map(Table::signature).collect(Collectors.toSet()));
        for (Table t : reader.described()) {
            assertEquals("JVISOR", t.ascii(10, 6), t.signature() + " OEM id");
        }
    }

    @Test
    void theFadtPointsAtThePowerManagementBlocksAndTheResetRegister() {
        install(1);
        Table f = reader.described("FACP");
        assertEquals(244, f.bytes().length);
        assertEquals(3, f.u8(8), "revision");
        assertEquals(PcLayout.IRQ_SCI, f.u16(46));
        assertEquals(0, f.u32(48), "SMI_CMD: ACPI is always enabled");
        assertEquals(PcLayout.ACPI_PM1A_EVT, f.u32(56));
        assertEquals(PcLayout.ACPI_PM1A_CNT, f.u32(64));
        assertEquals(PcLayout.ACPI_PM_TMR, f.u32(76));
        assertEquals(PcLayout.ACPI_GPE0, f.u32(80));
        assertEquals(List.of(4, 2, 0, 4, PcLayout.ACPI_GPE0_LENGTH), List.of(f.u8(88), f.u8(89), f.u8(90), f.u8(91),
                f.u8(92)));
        long flags = f.u32(112);
        assertEquals(1 | 4 | 32 | 1024, flags, "WBINVD, PROC_C1, SLP_BUTTON, RESET_REG_SUP; 24-bit PM timer");
        assertGas(f, 116, 1, 8, PcLayout.RESET_CONTROL);
        assertEquals(1, f.u8(116 + 3), "byte access to the reset register");
        assertEquals(0x06, f.u8(128));
        assertEquals(f.u32(36), f.u64(132), "X_FIRMWARE_CTRL = FIRMWARE_CTRL");
        assertEquals(f.u32(40), f.u64(140), "X_DSDT = DSDT");
        assertGas(f, 148, 1, 32, PcLayout.ACPI_PM1A_EVT);
        assertGas(f, 172, 1, 16, PcLayout.ACPI_PM1A_CNT);
        assertGas(f, 208, 1, 32, PcLayout.ACPI_PM_TMR);
        assertGas(f, 220, 1, 8 * PcLayout.ACPI_GPE0_LENGTH, PcLayout.ACPI_GPE0);

        long facs = f.u32(36);
        assertEquals(0, facs % 64, "FACS 64-byte aligned");
        Table t = reader.raw(facs, 64);
        assertEquals("FACS", t.signature());
        assertEquals(64, t.u32(4));
        reader.acpi(f.u32(40), "DSDT");
    }

    private static void assertGas(Table t, int at, int space, int bits, long address) {
        assertEquals(space, t.u8(at), "address space at " + at);
        assertEquals(bits, t.u8(at + 1), "bit width at " + at);
        assertEquals(address, t.u64(at + 4), "address at " + at);
    }

    @Test
    void theDsdtCarriesTheS5PackageAndOneProcessorDevicePerCpu() {
        install(8);
        Table f = reader.described("FACP");
        byte[] dsdt = reader.acpi(f.u32(40), "DSDT").bytes();
        int s5 = indexOf(dsdt, new byte[] {0x08, '_', 'S', '5', '_'});
        assertTrue(s5 > 0, "Name(_S5_, ...)");
        int p = s5 + 5;
        assertEquals(0x12, dsdt[p], "PackageOp");
        assertTrue((dsdt[p + 1] & 0xC0) == 0, "one-byte PkgLength");
        assertEquals(4, dsdt[p + 2], "four elements");
        int slpTypA = amlByteInteger(dsdt, p + 3);
        assertEquals(PcLayout.ACPI_SLP_TYP_S5, slpTypA);
        assertArrayEquals(new byte[] {0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00}, java.util.Arrays.copyOfRange(dsdt, p, p + 7),
                "Package(4){0, 0, 0, 0} with SLP_TYP 0");
        assertEquals(8, count(dsdt, "ACPI0007".getBytes()), "processor devices");
    }

    /** ZeroOp, OneOp or BytePrefix n. */
    private static int amlByteInteger(byte[] aml, int at) {
        return switch (aml[at]) {
            case 0x00 -> 0;
            case 0x01 -> 1;
            case 0x0A -> aml[at + 1] & 0xFF;
            default -> throw new AssertionError("not a small AML integer: " + aml[at]);
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void theMadtListsEveryProcessorTheIoapicAndTheOverrides(int cpus) {
        install(cpus);
        Table madt = reader.described("APIC");
        assertEquals(PcLayout.LAPIC_BASE, madt.u32(36));
        assertEquals(1, madt.u32(40), "PCAT_COMPAT");
        List<byte[]> entries = FirmwareReader.madtEntries(madt);
        List<byte[]> lapics = entries.stream().filter(e -> e[0] == 0).toList();
        assertEquals(cpus, lapics.size());
        for (int i = 0; i < cpus; i++) {
            byte[] e = lapics.get(i);
            assertEquals(List.of(8, i, i, 1), List.of((int) e[1], (int) e[2], (int) e[3], e[4] & 1));
        }
        List<byte[]> ioapics = entries.stream().filter(e -> e[0] == 1).toList();
        assertEquals(1, ioapics.size());
        Table io = new Table(0, ioapics.get(0));
        assertEquals(PcLayout.ioapicId(cpus), io.u8(2));
        assertEquals(PcLayout.IOAPIC_BASE, io.u32(4));
        assertEquals(0, io.u32(8), "GSI base");
        List<String> overrides = entries.stream().filter(e -> e[0] == 2).map(e -> new Table(0, e))
                .map(o -> o.u8(2) + ":" + o.u8(3) + "->" + o.u32(4) + "/" + Integer.toHexString(o.u16(8))).toList();
        assertEquals(List.of("0:0->2/0", "0:9->9/d"), overrides, "IRQ0 to GSI 2; SCI level, active high");
        List<byte[]> nmis = entries.stream().filter(e -> e[0] == 4).toList();
        assertEquals(1, nmis.size());
        assertEquals(List.of(0xFF, 1), List.of(nmis.get(0)[2] & 0xFF, (int) nmis.get(0)[5]), "all CPUs, LINT1");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void theMpTableDescribesTheSameMachine(int cpus) {
        install(cpus);
        Long at = reader.scan("_MP_", 0xF0000, 0x100000);
        assertNotNull(at, "floating pointer in the BIOS ROM range");
        Table fp = reader.raw(at, 16);
        assertEquals(0, FirmwareReader.sum(fp.bytes(), 0, 16));
        assertEquals(1, fp.u8(8));
        assertEquals(4, fp.u8(9), "MP 1.4");
        assertEquals(0, fp.u8(11), "a configuration table, not a default configuration");
        long config = fp.u32(4);
        int length = ram.read16(config + 4);
        Table c = reader.raw(config, length);
        assertEquals("PCMP", c.signature());
        assertEquals(0, FirmwareReader.sum(c.bytes(), 0, length));
        assertEquals(PcLayout.LAPIC_BASE, c.u32(36));
        int count = c.u16(34);
        List<String> io = new ArrayList<>();
        List<String> local = new ArrayList<>();
        List<String> buses = new ArrayList<>();
        java.util.Map<Integer, Integer> pci = new java.util.HashMap<>();
        int processors = 0;
        int at2 = 44;
        for (int i = 0; i < count; i++) {
            int type = c.u8(at2);
            switch (type) {
                case 0 -> {
                    assertEquals(processors, c.u8(at2 + 1), "APIC id = index");
                    assertEquals(processors == 0 ? 3 : 1, c.u8(at2 + 3), "enabled, BSP flag on 0 only");
                    processors++;
                }
                case 1 -> buses.add(c.u8(at2 + 1) + c.ascii(at2 + 2, 6));
                case 2 -> {
                    assertEquals(PcLayout.ioapicId(cpus), c.u8(at2 + 1));
                    assertEquals(1, c.u8(at2 + 3) & 1);
                    assertEquals(PcLayout.IOAPIC_BASE, c.u32(at2 + 4));
                }
                case 3 -> {
                    if (c.u8(at2 + 4) == 0) {
                        io.add(c.u8(at2 + 5) + "->" + c.u8(at2 + 7));
                    } else {
                        assertEquals(0xF, c.u16(at2 + 2), "PCI: level-triggered, active low");
                        pci.put(c.u8(at2 + 5), c.u8(at2 + 7));
                    }
                }
                case 4 -> local.add(c.u8(at2 + 1) + "@" + c.u8(at2 + 7) + "/" + c.u8(at2 + 6));
                default -> throw new AssertionError("unknown MP entry type " + type);
            }
            at2 += type == 0 ? 20 : 8;
        }
        assertEquals(length, at2, "entries fill the base table");
        assertEquals(cpus, processors);
        assertEquals(List.of("0->2", "1->1", "3->3", "4->4", "5->5", "6->6", "7->7", "8->8", "9->9", "10->10",
                "11->11", "12->12", "13->13", "14->14", "15->15"), io);
        assertEquals(List.of("3@0/255", "1@1/255"), local, "ExtINT on LINT0, NMI on LINT1, every CPU");
        assertEquals(List.of("0ISA   ", "1PCI   "), buses);
        assertEquals(31 * 4, pci.size(), "every slot's four pins");
        assertEquals(jvisor.devices.pci.PciInterrupts.gsi(3, 1), pci.get(3 << 2 | 0), "slot 3 INTA");
        assertEquals(jvisor.devices.pci.PciInterrupts.gsi(7, 4), pci.get(7 << 2 | 3), "slot 7 INTD");
    }

    @Test
    void theBiosDataAreaPointsAtTheEbda() {
        install(1);
        assertEquals(0x9FC0, ram.read16(0x40E));
        assertEquals(639, ram.read16(0x413));
        assertEquals(0x3F8, ram.read16(0x400));
    }

    @Test
    void everyTableLiesInTheReservedBiosAreaWithoutOverlap() {
        PlatformTables tables = PlatformTables.build(64);
        MemoryMap map = MemoryMap.of(128 << 20, 0);
        List<PlatformTables.Blob> blobs = tables.blobs().stream()
                .sorted(java.util.Comparator.comparingLong(PlatformTables.Blob::address)).toList();
        for (int i = 0; i < blobs.size(); i++) {
            PlatformTables.Blob b = blobs.get(i);
            assertTrue(b.address() >= PcLayout.BIOS_AREA && b.end() <= PcLayout.HIGH_MEMORY, b.name());
            assertTrue(map.entries().stream().anyMatch(e -> e.type() == MemoryMap.Type.RESERVED
                    && e.base() <= b.address() && b.end() <= e.end()), b.name() + " is reserved");
            if (i > 0) {
                assertTrue(blobs.get(i - 1).end() <= b.address(), blobs.get(i - 1).name() + " overlaps " + b.name());
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int count(byte[] haystack, byte[] needle) {
        int n = 0;
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                n++;
            }
        }
        return n;
    }
}
