package jvisor.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.core.ShutdownCause;
import org.junit.jupiter.api.Test;

/** QEMU's isa-debug-exit: a write ends the VM with status (value << 1) | 1; reads float. */
class DebugExitTest {
    private final RecordingShutdown shutdown = new RecordingShutdown();
    private final DebugExit port = new DebugExit(shutdown);

    @Test
    void aByteWriteRequestsDebugExitWithThatValue() {
        port.write(PcLayout.DEBUG_EXIT, 1, 0x10);
        assertEquals(List.of(new ShutdownCause.DebugExit(0x10)), shutdown.causes());
        assertEquals(0x21, shutdown.causes().getFirst().exitStatus());
    }

    @Test
    void everyPortAndSizeOfTheRangeCounts() {
        port.write(PcLayout.DEBUG_EXIT + 3, 1, 1);
        port.write(PcLayout.DEBUG_EXIT, 4, 0);
        assertEquals(List.of(new ShutdownCause.DebugExit(1), new ShutdownCause.DebugExit(0)), shutdown.causes());
    }

    @Test
    void readsReturnAllOnes() {
        assertEquals(0xFF, port.read(PcLayout.DEBUG_EXIT, 1));
        assertEquals(0xFFFF, port.read(PcLayout.DEBUG_EXIT, 2));
        assertEquals(0xFFFF_FFFF, port.read(PcLayout.DEBUG_EXIT, 4));
        assertEquals(List.of(), shutdown.causes());
    }
}
