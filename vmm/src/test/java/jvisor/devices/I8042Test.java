package jvisor.devices;

import static jvisor.devices.I8042.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.core.ShutdownCause;
import org.junit.jupiter.api.Test;

/** The keyboard controller as Linux's i8042 driver probes it, with no keyboard or mouse attached. */
class I8042Test {
    private final RecordingIrqLine kbdIrq = new RecordingIrqLine();
    private final RecordingIrqLine auxIrq = new RecordingIrqLine();
    private final RecordingShutdown shutdown = new RecordingShutdown();
    private final DeviceLog log = DeviceLog.discard("i8042");
    private final I8042 kbc = new I8042(kbdIrq, auxIrq, shutdown, log);

    private int status() {
        return kbc.read(PcLayout.I8042_COMMAND, 1);
    }

    private void command(int cmd) {
        kbc.write(PcLayout.I8042_COMMAND, 1, cmd);
    }

    private void data(int value) {
        kbc.write(PcLayout.I8042_DATA, 1, value);
    }

    /** Linux's i8042_wait_read then read: a byte must be waiting. */
    private int response() {
        assertEquals(STATUS_OBF, status() & STATUS_OBF, "a byte is waiting");
        return kbc.read(PcLayout.I8042_DATA, 1);
    }

    @Test
    void anIdleControllerHasNoDataAndIsNotTheFloatingBus() {
        int status = status();
        assertNotEquals(0xFF, status);
        assertEquals(0, status & STATUS_OBF);
        assertEquals(STATUS_SYS | STATUS_UNLOCKED, status & (STATUS_SYS | STATUS_UNLOCKED));
    }

    @Test
    void selfTestAnswers0x55() {
        command(CMD_SELF_TEST);
        assertEquals(SELF_TEST_PASSED, response());
        assertEquals(0, status() & STATUS_OBF);
    }

    @Test
    void interfaceTestsReportNoError() {
        command(CMD_KBD_TEST);
        assertEquals(0x00, response());
        command(CMD_AUX_TEST);
        assertEquals(0x00, response());
    }

    @Test
    void commandByteReadsBackWhatWasWritten() {
        command(CMD_READ_RAM);
        assertEquals(CTR_AT_BOOT, response());
        command(CMD_WRITE_RAM);
        assertEquals(STATUS_CMD, status() & STATUS_CMD, "last write went to the command port");
        data(0x47);
        assertEquals(0, status() & STATUS_CMD);
        command(CMD_READ_RAM);
        assertEquals(0x47, response());
        assertEquals(2, kbdIrq.risingEdges(), "keyboard interrupt was on for both answers");
    }

    @Test
    void internalRamBeyondTheCommandByteIsKept() {
        command(CMD_WRITE_RAM + 5);
        data(0xA5);
        command(CMD_READ_RAM + 5);
        assertEquals(0xA5, response());
    }

    /** i8042_toggle_aux: enabling and disabling the AUX port shows in the command byte. */
    @Test
    void portEnablesShowInTheCommandByte() {
        command(CMD_AUX_ENABLE);
        command(CMD_READ_RAM);
        assertEquals(0, response() & CTR_AUXDIS);
        command(CMD_AUX_DISABLE);
        command(CMD_KBD_DISABLE);
        command(CMD_READ_RAM);
        assertEquals(CTR_AUXDIS | CTR_KBDDIS, response() & (CTR_AUXDIS | CTR_KBDDIS));
        command(CMD_KBD_ENABLE);
        command(CMD_READ_RAM);
        assertEquals(0, response() & CTR_KBDDIS);
    }

    /** i8042_check_aux: the loopback byte comes back as AUX data and raises IRQ 12. */
    @Test
    void auxLoopbackReturnsTheByteOnTheMouseLine() {
        command(CMD_WRITE_RAM);
        data(CTR_KBDINT | CTR_AUXINT | CTR_SYS);
        command(CMD_WRITE_AUX_BUFFER);
        data(0xA5);
        assertEquals(STATUS_OBF | STATUS_AUXDATA, status() & (STATUS_OBF | STATUS_AUXDATA));
        assertTrue(auxIrq.level());
        assertFalse(kbdIrq.level());
        assertEquals(0xA5, kbc.read(PcLayout.I8042_DATA, 1));
        assertFalse(auxIrq.level());
    }

    @Test
    void interruptsFollowTheCommandByteEnables() {
        command(CMD_WRITE_RAM);
        data(0);
        command(CMD_SELF_TEST);
        assertFalse(kbdIrq.level(), "keyboard interrupt disabled");
        command(CMD_WRITE_RAM);
        assertEquals(SELF_TEST_PASSED, response(), "the answer still waits");
        data(CTR_KBDINT);
        command(CMD_WRITE_KBD_BUFFER);
        data(0x1C);
        assertTrue(kbdIrq.level());
        assertEquals(0x1C, response());
    }

    @Test
    void everyQueuedByteGetsItsOwnInterruptEdge() {
        command(CMD_SELF_TEST);
        command(CMD_KBD_TEST);
        assertEquals(1, kbdIrq.risingEdges());
        assertEquals(SELF_TEST_PASSED, response());
        assertEquals(2, kbdIrq.risingEdges(), "the line dropped on the read and rose for the next byte");
        assertEquals(0x00, response());
        assertFalse(kbdIrq.level());
    }

    @Test
    void aByteForTheAbsentKeyboardComesBackAsATimedOutResend() {
        data(0xF2);
        assertEquals(STATUS_TIMEOUT, status() & (STATUS_TIMEOUT | STATUS_AUXDATA));
        assertEquals(NO_DEVICE, response());
        assertEquals(0, status() & STATUS_TIMEOUT);
    }

    @Test
    void aByteForTheAbsentMouseComesBackOnTheMouseLine() {
        command(CMD_WRITE_RAM);
        data(CTR_AUXINT);
        command(CMD_WRITE_AUX);
        data(0xF2);
        assertEquals(STATUS_TIMEOUT | STATUS_AUXDATA, status() & (STATUS_TIMEOUT | STATUS_AUXDATA));
        assertTrue(auxIrq.level());
        assertEquals(NO_DEVICE, response());
    }

    @Test
    void pulsingTheResetLineResetsTheMachine() {
        command(0xFF);
        assertEquals(List.of(), shutdown.causes(), "0xFF pulses no line");
        command(0xFE);
        assertEquals(List.of(new ShutdownCause.Reset("i8042")), shutdown.causes());
    }

    @Test
    void outputPortCarriesA20AndTheResetLine() {
        command(CMD_READ_OUTPUT_PORT);
        assertEquals(OUTPUT_RESET_INACTIVE | OUTPUT_A20, response());
        command(CMD_WRITE_OUTPUT_PORT);
        data(OUTPUT_RESET_INACTIVE);
        assertFalse(kbc.a20());
        command(CMD_A20_ON);
        assertTrue(kbc.a20());
        assertEquals(List.of(), shutdown.causes());
        command(CMD_WRITE_OUTPUT_PORT);
        data(OUTPUT_A20);
        assertEquals(List.of(new ShutdownCause.Reset("i8042")), shutdown.causes());
    }

    @Test
    void unknownCommandsAreLoggedAndAnswerNothing() {
        command(0xC0);
        assertEquals(0, status() & STATUS_OBF);
        assertEquals(1, log.count());
    }

    @Test
    void aGuestThatNeverReadsCannotGrowTheQueue() {
        for (int i = 0; i < 1000; i++) {
            command(CMD_SELF_TEST);
        }
        int answers = 0;
        while ((status() & STATUS_OBF) != 0) {
            kbc.read(PcLayout.I8042_DATA, 1);
            answers++;
        }
        assertTrue(answers <= 16, "answers kept: " + answers);
        assertTrue(log.count() > 0);
    }
}
