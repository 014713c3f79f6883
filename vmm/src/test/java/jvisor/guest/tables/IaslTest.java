package jvisor.guest.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACPI tables through ACPICA's own disassembler (Debian's acpica-tools), a second opinion
 * on the AML and the table layouts. Skipped where iasl is not installed.
 */
class IaslTest {
    @TempDir
    Path dir;

    private static boolean iaslPresent() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "iasl"))) {
                return true;
            }
        }
        return false;
    }

    /** Disassembles {@code table} and returns the .dsl text. */
    private String disassemble(String name, byte[] table) throws IOException, InterruptedException {
        Path dat = Files.write(dir.resolve(name + ".dat"), table);
        Process p = new ProcessBuilder("iasl", "-d", dat.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iasl finished");
        String log = Files.readString(dir.resolve(name + ".log"));
        assertEquals(0, p.exitValue(), "iasl -d " + name + ": " + log);
        String dsl = Files.readString(dir.resolve(name + ".dsl"));
        assertFalse(dsl.contains("Incorrect checksum"), name + " checksum: " + dsl);
        return dsl;
    }

    @Test
    void theDsdtDisassemblesToTheProcessorsAndS5() throws Exception {
        assumeTrue(iaslPresent(), "iasl is not installed (apt-get install acpica-tools)");
        String dsl = disassemble("dsdt", Dsdt.build(3));
        assertTrue(dsl.contains("DefinitionBlock (\"\", \"DSDT\", 2, \"JVISOR\", \"JVISORPC\", 0x00000001)"), dsl);
        assertTrue(dsl.contains("Scope (\\_SB)"), dsl);
        for (String cpu : new String[] {"C000", "C001", "C002"}) {
            assertTrue(dsl.contains("Device (" + cpu + ")"), dsl);
        }
        assertTrue(dsl.contains("Name (_HID, \"ACPI0007\""), dsl);
        // Without the disassembler's comments, one space between tokens.
        String pci = dsl.substring(dsl.indexOf("Device (PCI0)")).replaceAll("//[^\n]*", "")
                .replaceAll("/\\*.*?\\*/", "").replaceAll("\\s+", " ").replace(" )", ")");
        assertTrue(pci.contains("Name (_HID, EisaId (\"PNP0A03\"))"), pci);
        for (String window : new String[] {
            "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,",
            "IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)",
            "WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,",
            "WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,",
            "DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0x00000000, 0x000A0000,"
                + " 0x000BFFFF, 0x00000000, 0x00020000,",
            "DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0x00000000, 0xC0000000,"
                + " 0xDFFFFFFF, 0x00000000, 0x20000000,",
            "DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0x00000000, 0xF0000000,"
                + " 0xFEBFFFFF, 0x00000000, 0x0EC00000,",
            "Package (0x04) { 0x0003FFFF, Zero, Zero, 0x13 }",
            "Package (0x04) { 0x0005FFFF, 0x03, Zero, 0x10 }"}) {
            assertTrue(pci.contains(window), window + " in " + pci);
        }
        String mres = dsl.substring(dsl.indexOf("Device (MRES)")).replaceAll("//[^\n]*", "")
                .replaceAll("/\\*.*?\\*/", "").replaceAll("\\s+", " ").replace(" )", ")");
        assertTrue(mres.contains("Name (_HID, EisaId (\"PNP0C02\"))"), mres);
        assertTrue(mres.contains("Memory32Fixed (ReadWrite, 0xE0000000, 0x10000000,"), mres);
        String s5 = dsl.substring(dsl.indexOf("Name (_S5, Package (0x04)"));
        assertTrue(s5.replaceAll("\\s+", " ").startsWith("Name (_S5, Package (0x04) // _S5_: S5 System State "
                + "{ Zero, Zero, Zero, Zero })"), s5);
    }

    @Test
    void theDataTablesDisassembleWithTheirFields() throws Exception {
        assumeTrue(iaslPresent(), "iasl is not installed (apt-get install acpica-tools)");
        PlatformTables tables = PlatformTables.build(2);
        String fadt = disassemble("facp", tables.blob("FACP").bytes());
        assertTrue(fadt.contains("PM1A Control Block Address : 00000604"), fadt);
        assertTrue(fadt.contains("Reset Register Supported (V2) : 1"), fadt);
        assertTrue(fadt.contains("Value to cause reset : 06"), fadt);
        String madt = disassemble("apic", tables.blob("APIC").bytes());
        assertTrue(madt.contains("I/O Apic ID : 02"), madt);
        assertTrue(madt.contains("Interrupt Input LINT : 01"), madt);
        String mcfg = disassemble("mcfg", tables.blob("MCFG").bytes()).replaceAll("\\s+", " ");
        assertTrue(mcfg.contains("Base Address : 00000000E0000000"), mcfg);
        assertTrue(mcfg.contains("Start Bus Number : 00"), mcfg);
        assertTrue(mcfg.contains("End Bus Number : FF"), mcfg);
        for (String name : new String[] {"RSDT", "XSDT", "FACS"}) {
            assertTrue(disassemble(name.toLowerCase(java.util.Locale.ROOT), tables.blob(name).bytes())
                    .contains("Signature : \"" + name + "\""), name);
        }
    }
}
