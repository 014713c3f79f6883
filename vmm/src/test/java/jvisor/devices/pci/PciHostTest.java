package jvisor.devices.pci;

import jvisor.devices.RecordingShutdown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import jvisor.core.ShutdownCause;
import org.junit.jupiter.api.Test;

/** Configuration mechanism #1 and the reset control register, as Linux's arch/x86/pci code uses them. */
class PciHostTest {
    private static final int CF8 = 0xCF8;
    private static final int CF9 = 0xCF9;
    private static final int CFC = 0xCFC;

    private final RecordingShutdown shutdown = new RecordingShutdown();
    private final PciBus bus = PciBusTest.bus();
    private final PciHost host = new PciHost(shutdown, bus);

    private static int address(int bus, int device, int function, int register) {
        return PciHost.ENABLE | bus << 16 | device << 11 | function << 8 | register;
    }

    /** A function that answers reads with its offset and records every access. */
    private static final class Probe implements PciDevice {
        final List<String> accesses = new ArrayList<>();

        @Override
        public int configRead(int offset, int size) {
            accesses.add("read " + Integer.toHexString(offset) + "/" + size);
            return 0x1000 | offset;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            accesses.add("write " + Integer.toHexString(offset) + "/" + size + "=" + Integer.toHexString(value));
        }
    }

    /** pci_check_type1: a byte to 0xCFB must not disturb the address, a 32-bit write must read back. */
    @Test
    void linuxFindsConfigurationMechanismOne() {
        host.write(0xCFB, 1, 0x01);
        int saved = host.read(CF8, 4);
        host.write(CF8, 4, 0x8000_0000);
        assertEquals(0x8000_0000, host.read(CF8, 4));
        host.write(CF8, 4, saved);
        assertEquals(saved, host.read(CF8, 4));
    }

    @Test
    void theAddressRegisterKeepsOnlyItsDefinedBits() {
        host.write(CF8, 4, 0xFFFF_FFFF);
        assertEquals(PciHost.ADDRESS_BITS, host.read(CF8, 4));
    }

    @Test
    void narrowAccessesToTheAddressPortsLeaveTheAddressAlone() {
        host.write(CF8, 4, address(0, 3, 0, 0x10));
        host.write(CF8, 1, 0x55);
        host.write(CF8, 2, 0x55AA);
        host.write(0xCFA, 2, 0x1234);
        host.write(0xCFB, 1, 0x80);
        assertEquals(address(0, 3, 0, 0x10), host.read(CF8, 4));
        assertEquals(0xFF, host.read(CF8, 1));
        assertEquals(0xFFFF, host.read(0xCFA, 2));
    }

    @Test
    void anAbsentFunctionReadsAllOnesAndDropsWrites() {
        host.write(CF8, 4, address(0, 0, 0, 0x00));
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
        assertEquals(0xFFFF, host.read(CFC, 2), "vendor ID 0xFFFF: no device");
        assertEquals(0xFFFF, host.read(CFC + 2, 2));
        assertEquals(0xFF, host.read(CFC + 3, 1));
        host.write(CFC, 4, 0);
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
    }

    @Test
    void aRegisteredFunctionSeesTheRegisterAndByteOffset() {
        Probe probe = new Probe();
        bus.plug(0, 1, 2, probe);
        host.write(CF8, 4, address(0, 1, 2, 0x10));
        assertEquals(0x1010, host.read(CFC, 4));
        assertEquals(0x1012, host.read(CFC + 2, 2));
        assertEquals(0x13, host.read(CFC + 3, 1), "a byte read keeps only the byte");
        host.write(CFC + 1, 1, 0x1AB);
        host.write(CFC + 2, 2, 0xBEEF);
        assertEquals(List.of("read 10/4", "read 12/2", "read 13/1", "write 11/1=ab", "write 12/2=beef"), probe.accesses);
    }

    /** kvm-unit-tests' pci_config_readw(dev, 0x42) writes 0x42 to 0xCF8 and reads 0xCFC, as QEMU allows. */
    @Test
    void theAddressRegistersLowBitsSelectBytesWithinTheDwordUnseen() {
        Probe probe = new Probe();
        bus.plug(0, 1, 0, probe);
        host.write(CF8, 4, address(0, 1, 0, 0x42));
        assertEquals(address(0, 1, 0, 0x40), host.read(CF8, 4), "the low bits still read as zero");
        assertEquals(0x1042, host.read(CFC, 2));
        host.write(CFC, 2, 0x55);
        host.write(CF8, 4, address(0, 1, 0, 0x43));
        assertEquals(0xFFFF, host.read(CFC, 2), "a word at byte 3 would leave the dword");
        assertEquals(List.of("read 42/2", "write 42/2=55"), probe.accesses);
    }

    @Test
    void otherFunctionsAndTheDisabledAddressDoNotReachTheDevice() {
        Probe probe = new Probe();
        bus.plug(0, 1, 0, probe);
        host.write(CF8, 4, address(0, 1, 1, 0));
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
        host.write(CF8, 4, address(1, 1, 0, 0));
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
        host.write(CF8, 4, address(0, 1, 0, 0) & ~PciHost.ENABLE);
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
        host.write(CFC, 4, 1);
        assertEquals(List.of(), probe.accesses);
    }

    @Test
    void anAccessLeavingTheDwordFloats() {
        Probe probe = new Probe();
        bus.plug(0, 0, 0, probe);
        host.write(CF8, 4, address(0, 0, 0, 0));
        assertEquals(0xFFFF_FFFF, host.read(CFC + 1, 4));
        assertEquals(0xFFFF, host.read(CFC + 3, 2));
        assertEquals(List.of(), probe.accesses);
    }

    @Test
    void registrationRejectsBadAndTakenSlots() {
        bus.plug(0, 31, 7, new Probe());
        assertThrows(IllegalStateException.class, () -> bus.plug(0, 31, 7, new Probe()));
        assertThrows(IllegalArgumentException.class, () -> bus.plug(0, 32, 0, new Probe()));
        assertThrows(IllegalArgumentException.class, () -> bus.plug(256, 0, 0, new Probe()));
        assertThrows(IllegalArgumentException.class, () -> bus.plug(0, 0, 8, new Probe()));
    }

    /** Linux's reboot=pci: write 0x02 (hard reset type), then 0x06 (do it). */
    @Test
    void resetControlResetsWhenBit2IsWritten() {
        host.write(CF8, 4, address(0, 2, 0, 0x40));
        host.write(CF9, 1, 0x02);
        assertEquals(0x02, host.read(CF9, 1));
        assertEquals(List.of(), shutdown.causes());
        host.write(CF9, 1, 0x06);
        assertEquals(List.of(new ShutdownCause.Reset("0xcf9")), shutdown.causes());
        assertEquals(address(0, 2, 0, 0x40), host.read(CF8, 4), "the address register is untouched");
    }

    @Test
    void aWideWriteAtTheResetPortIsNotAResetRequest() {
        host.write(CF9, 2, 0x0606);
        assertEquals(List.of(), shutdown.causes());
    }
}
