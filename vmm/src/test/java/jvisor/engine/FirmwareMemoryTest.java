package jvisor.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The processors' view of ROM and shadow RAM as the PAM registers set it. */
class FirmwareMemoryTest {
    private static final long RAM = 16L << 20;

    private static GuestMemory withRom() {
        byte[] rom = new byte[0x4_0000];
        rom[rom.length - 16] = (byte) 0xEA;          // the reset vector's far jump
        rom[rom.length - 0x1_0000] = 0x42;           // the first byte of the alias at 0xF0000
        return GuestMemory.allocateWithRom(RAM, rom);
    }

    @Test
    void atPowerOnTheRomIsAtTheTopOf4GiBAndAliasedBelow1MiB() {
        try (GuestMemory m = withRom()) {
            long reset = m.cpuReadOffset(0xFFFF_FFF0L, 1);
            assertEquals((byte) 0xEA, m.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, reset));
            long alias = m.cpuReadOffset(0xF0000, 1);
            assertEquals(0x42, m.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, alias));
            assertEquals(-1, m.cpuWriteOffset(0xF0000, 1), "the ROM alias is not writable");
            assertEquals(-1, m.cpuWriteOffset(0xFFFF_FFF0L, 1), "the ROM is not writable");
            assertEquals(-1, m.cpuReadOffset(0xB8000, 2), "the VGA window is not memory");
            assertEquals(-1, m.cpuReadOffset(0xC0000, 1), "option ROM space reads nothing until shadowed");
            assertEquals(0x7C00, m.cpuReadOffset(0x7C00, 512), "conventional memory is plain RAM");
            assertEquals(0xF0000, m.hostOffset(0xF0000, 1), "devices reach the RAM underneath");
        }
    }

    @Test
    void shadowingSwitchesReadsAndWritesToRamAndBumpsTheEpoch() {
        try (GuestMemory m = withRom()) {
            FirmwareMemory f = m.firmware().orElseThrow();
            int before = m.cpuMapEpoch();
            f.setShadow(0xF0000, 0x10000, false, true);
            assertTrue(m.cpuMapEpoch() != before);
            assertEquals(0xF0000 + 5, m.cpuWriteOffset(0xF0005, 1), "write-only shadowing: writes reach RAM");
            assertTrue(m.cpuReadOffset(0xF0005, 1) >= RAM, "reads still come from the ROM");
            f.setShadow(0xF0000, 0x10000, true, false);
            assertEquals(0xF0005, m.cpuReadOffset(0xF0005, 1), "read-only shadow RAM");
            assertEquals(-1, m.cpuWriteOffset(0xF0005, 1));
            boolean romSlot = m.cpuRegions().stream().anyMatch(r -> r.readOnly() && r.guestPhysical() == f.romBase());
            boolean shadowSlot = m.cpuRegions().stream()
                    .anyMatch(r -> r.readOnly() && r.guestPhysical() == 0xF0000 && r.hostOffset() == 0xF0000);
            assertTrue(romSlot && shadowSlot, m.cpuRegions().toString());
        }
    }
}
