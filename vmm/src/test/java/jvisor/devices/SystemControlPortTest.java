package jvisor.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.core.ShutdownCause;
import org.junit.jupiter.api.Test;

/** Port 0x92: fast reset on a rising bit 0, the alternate A20 gate in bit 1. */
class SystemControlPortTest {
    private final RecordingShutdown shutdown = new RecordingShutdown();
    private final SystemControlPort port = new SystemControlPort(shutdown);

    @Test
    void a20StartsEnabledAndFollowsBit1() {
        assertEquals(SystemControlPort.ALT_A20, port.read(PcLayout.SYSTEM_CONTROL_A, 1));
        port.write(PcLayout.SYSTEM_CONTROL_A, 1, 0);
        assertFalse(port.a20());
        port.write(PcLayout.SYSTEM_CONTROL_A, 1, SystemControlPort.ALT_A20);
        assertTrue(port.a20());
        assertEquals(List.of(), shutdown.causes());
    }

    @Test
    void settingBit0ResetsOnlyOnItsRisingEdge() {
        int value = port.read(PcLayout.SYSTEM_CONTROL_A, 1);
        port.write(PcLayout.SYSTEM_CONTROL_A, 1, value | SystemControlPort.FAST_RESET);
        assertEquals(List.of(new ShutdownCause.Reset("port 0x92")), shutdown.causes());
        value = port.read(PcLayout.SYSTEM_CONTROL_A, 1);
        port.write(PcLayout.SYSTEM_CONTROL_A, 1, value);
        assertEquals(1, shutdown.causes().size(), "writing back what was read is not another edge");
    }
}
