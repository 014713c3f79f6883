package jvisor.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** Port 0x80 as QEMU 7.2's pc machine has it: writes are taken, reads return all ones. */
class PostCodeTest {
    private final PostCode port = new PostCode();

    @Test
    void keepsTheLastCodeWritten() {
        assertEquals(-1, port.lastCode());
        port.write(PcLayout.POST_CODE, 1, 0x12);
        port.write(PcLayout.POST_CODE, 1, 0x34);
        assertEquals(0x34, port.lastCode());
    }

    @Test
    void readsReturnAllOnesWhateverWasWritten() {
        port.write(PcLayout.POST_CODE, 1, 0x12);
        assertEquals(0xFF, port.read(PcLayout.POST_CODE, 1));
        assertEquals(0xFFFF, port.read(PcLayout.POST_CODE, 2));
    }
}
