package jvisor.devices;

import static jvisor.devices.Uart8250.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** The UART as the 16550A datasheet describes it and as Linux's 8250 driver probes it. */
class Uart8250Test {
    private static final int FCR_TRIGGER_14 = 0xC0;
    private static final int NOT_16750_FCR_64BYTE = 0x20;

    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final FakeSerialHost host = new FakeSerialHost();
    private final Uart8250 uart = new Uart8250(PcLayout.COM1, irq, host, DeviceLog.discard("COM1"));

    private int in(int register) {
        return uart.read(PcLayout.COM1 + register, 1);
    }

    private void out(int register, int value) {
        uart.write(PcLayout.COM1 + register, 1, value);
    }

    @Test
    void resetStateIsIdleWithEmptyTransmitter() {
        assertEquals(0x00, in(IER));
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        assertEquals(0x00, in(LCR));
        assertEquals(0x00, in(MCR));
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(HOST_MODEM_LINES, in(MSR));
        assertFalse(irq.level());
    }

    /** serial8250's autoconfig(): IER existence test, loopback test, FIFO type, then the 16550A variants. */
    @Test
    void linuxAutoconfigFindsA16550A() {
        int saved = in(IER);
        out(IER, 0);
        assertEquals(0, in(IER) & 0x0F, "IER clears");
        out(IER, 0x0F);
        assertEquals(0x0F, in(IER) & 0x0F, "IER holds the four enables");
        out(IER, saved);

        int savedMcr = in(MCR);
        out(MCR, MCR_LOOP | 0x0A);
        assertEquals(MSR_DCD | MSR_CTS, in(MSR) & 0xF0, "loopback: RTS->CTS, OUT2->DCD");
        out(MCR, savedMcr);

        out(LCR, 0xBF);
        out(IIR_FCR, 0);
        out(LCR, 0);
        out(IIR_FCR, FCR_ENABLE);
        assertEquals(3, in(IIR_FCR) >> 6, "FIFO enabled reads 11 in IIR bits 7-6: a 16550A");

        out(LCR, 0x80);
        assertNotEquals(0, in(IIR_FCR), "no EFR behind DLAB (not an ST16C650V1)");
        out(LCR, 0xBF);
        assertNotEquals(0, in(IIR_FCR), "no EFR behind 0xBF (not an ST16C650V2)");

        out(LCR, 0);
        out(IIR_FCR, FCR_ENABLE | NOT_16750_FCR_64BYTE);
        assertEquals(0xC0, in(IIR_FCR) & 0xE0, "no 64-byte FIFO bit without DLAB");
        out(IIR_FCR, 0);
        out(LCR, 0x80);
        out(IIR_FCR, FCR_ENABLE | NOT_16750_FCR_64BYTE);
        assertEquals(0xC0, in(IIR_FCR) & 0xE0, "no 64-byte FIFO bit with DLAB: not a 16750");
        out(IIR_FCR, 0);
        out(LCR, 0);

        out(IER, 0x40);
        assertEquals(0, in(IER) & 0x40, "IER bit 6 (XScale UUE) does not stick");
    }

    @Test
    void scratchRegisterKeepsWhatIsWritten() {
        out(SCR, 0xA5);
        assertEquals(0xA5, in(SCR));
        out(SCR, 0x5A);
        assertEquals(0x5A, in(SCR));
    }

    @Test
    void reservedBitsReadAsZero() {
        out(IER, 0xFF);
        out(MCR, 0xEF);
        assertEquals(0x0F, in(IER));
        assertEquals(0x0F, in(MCR));
        out(MCR, 0);
        out(IER, 0);
        assertEquals(0, in(IIR_FCR) & 0x30, "IIR bits 5-4 are zero");
    }

    @Test
    void divisorLatchHidesBehindDlab() {
        out(LCR, LCR_DLAB | 0x03);
        out(RBR_THR, 0x01);
        out(IER, 0x02);
        assertEquals("", host.output(), "a divisor write is not transmitted");
        assertEquals(0x01, in(RBR_THR));
        assertEquals(0x02, in(IER));
        out(LCR, 0x03);
        assertEquals(0x00, in(IER), "IER was not touched");
        out(LCR, LCR_DLAB | 0x03);
        assertEquals(0x01, in(RBR_THR));
        assertEquals(0x83, in(LCR));
    }

    @Test
    void transmittedBytesReachTheHostAndThrEmptiesAtOnce() {
        for (char c : "hi\n".toCharArray()) {
            assertTrue((in(LSR) & LSR_THRE) != 0);
            out(RBR_THR, c);
        }
        assertEquals("hi\n", host.output());
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
    }

    /** serial8250_do_startup's UART_BUG_THRE test: a real 16550 re-asserts THRE when IER.THRI is toggled. */
    @Test
    void threInterruptIsReassertedWhenThriIsToggled() {
        out(MCR, MCR_OUT2);
        out(IER, IER_THRI);
        int iir1 = in(IIR_FCR);
        out(IER, 0);
        out(IER, IER_THRI);
        int iir = in(IIR_FCR);
        out(IER, 0);
        assertEquals(IIR_THRI, iir1);
        assertEquals(IIR_THRI, iir, "THRE came back");
        assertEquals(2, irq.risingEdges());
        assertFalse(irq.level());
    }

    /** The TXEN test: with THRI enabled and the transmitter empty, IIR must show an interrupt. */
    @Test
    void enablingThriWithEmptyTransmitterInterruptsAtOnce() {
        out(IER, IER_THRI);
        int lsr = in(LSR);
        int iir = in(IIR_FCR);
        assertTrue((lsr & LSR_TEMT) != 0);
        assertEquals(0, iir & IIR_NO_INT);
    }

    @Test
    void readingIirClearsThreAndWritingThrRaisesItAgain() {
        out(MCR, MCR_OUT2);
        out(IER, IER_THRI);
        assertTrue(irq.level());
        assertEquals(IIR_THRI, in(IIR_FCR));
        assertFalse(irq.level(), "reading IIR with THRE as the source clears it");
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        out(RBR_THR, 'x');
        assertTrue(irq.level(), "the byte left at once, so THR is empty again");
        assertEquals(IIR_THRI, in(IIR_FCR));
    }

    @Test
    void out2GatesTheInterruptLineAndLoopbackClosesTheGate() {
        out(IER, IER_THRI);
        assertFalse(irq.level(), "OUT2 low: no interrupt reaches the PIC");
        assertEquals(IIR_THRI, in(IIR_FCR) & 0x0F, "but the UART has one pending");
        out(IER, 0);
        out(IER, IER_THRI);
        out(MCR, MCR_OUT2);
        assertTrue(irq.level());
        out(MCR, MCR_OUT2 | MCR_LOOP);
        assertFalse(irq.level());
        out(MCR, MCR_OUT2);
        assertTrue(irq.level());
    }

    @Test
    void receivedBytesRaiseDataAvailableWithoutFifo() {
        out(MCR, MCR_OUT2);
        out(IER, IER_RDI);
        host.type("ab");
        uart.serviceHost();
        assertTrue(irq.level());
        assertEquals(IIR_RDI, in(IIR_FCR));
        assertEquals(LSR_DR, in(LSR) & LSR_DR);
        assertEquals('a', in(RBR_THR));
        assertEquals('b', in(RBR_THR), "the next byte moved in from the host");
        assertEquals(0, in(LSR) & LSR_DR);
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        assertFalse(irq.level());
    }

    @Test
    void fifoReportsTriggerLevelThenCharacterTimeout() {
        out(IIR_FCR, FCR_ENABLE | FCR_TRIGGER_14);
        out(IER, IER_RDI);
        host.type("0123456789abcdefghij");
        uart.serviceHost();
        assertEquals(4, host.waiting(), "the FIFO took sixteen");
        assertEquals(IIR_FIFO_ENABLED | IIR_RDI, in(IIR_FCR));
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            got.append((char) in(RBR_THR));
        }
        assertEquals(0, host.waiting());
        assertEquals(IIR_FIFO_ENABLED | IIR_TIMEOUT, in(IIR_FCR), "thirteen left: below the trigger level");
        while ((in(LSR) & LSR_DR) != 0) {
            got.append((char) in(RBR_THR));
        }
        assertEquals("0123456789abcdefghij", got.toString(), "nothing typed is lost");
    }

    @Test
    void fifoResetDiscardsReceivedBytes() {
        out(IIR_FCR, FCR_ENABLE);
        out(MCR, MCR_LOOP);
        out(RBR_THR, 1);
        out(RBR_THR, 2);
        out(IIR_FCR, FCR_ENABLE | FCR_CLEAR_RX);
        assertEquals(0, in(LSR) & LSR_DR);
        out(IIR_FCR, 0);
        assertEquals(0, in(IIR_FCR) & IIR_FIFO_ENABLED);
    }

    @Test
    void loopbackReturnsTransmittedBytesAndMirrorsModemLines() {
        out(MCR, MCR_LOOP);
        in(MSR);
        out(RBR_THR, 0x55);
        assertEquals("", host.output(), "loopback keeps the byte off the line");
        assertEquals(LSR_DR, in(LSR) & LSR_DR);
        assertEquals(0x55, in(RBR_THR));
        out(MCR, MCR_LOOP | MCR_DTR);
        assertEquals(MSR_DSR | MSR_DDSR, in(MSR));
        out(MCR, MCR_LOOP | MCR_RTS);
        assertEquals(MSR_CTS | MSR_DCTS | MSR_DDSR, in(MSR));
        out(MCR, MCR_LOOP | MCR_OUT1);
        assertEquals(MSR_RI | MSR_DCTS, in(MSR), "RI rising does not set TERI");
        out(MCR, MCR_LOOP | MCR_OUT2);
        assertEquals(MSR_DCD | MSR_DDCD | MSR_TERI, in(MSR), "RI falling sets TERI");
        assertEquals(MSR_DCD, in(MSR), "reading MSR cleared the deltas");
    }

    @Test
    void overrunWithoutFifoKeepsTheNewestByte() {
        out(MCR, MCR_LOOP);
        out(IER, IER_RLSI);
        out(RBR_THR, 1);
        out(RBR_THR, 2);
        assertEquals(IIR_RLSI, in(IIR_FCR));
        assertEquals(LSR_OE | LSR_DR, in(LSR) & (LSR_OE | LSR_DR));
        assertEquals(0, in(LSR) & LSR_OE, "reading LSR cleared OE");
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        assertEquals(2, in(RBR_THR));
    }

    @Test
    void overrunWithFifoDropsTheByteThatDidNotFit() {
        out(IIR_FCR, FCR_ENABLE);
        out(MCR, MCR_LOOP);
        for (int i = 0; i < FIFO_SIZE + 1; i++) {
            out(RBR_THR, i);
        }
        assertEquals(LSR_OE, in(LSR) & LSR_OE);
        for (int i = 0; i < FIFO_SIZE; i++) {
            assertEquals(i, in(RBR_THR));
        }
        assertEquals(0, in(LSR) & LSR_DR);
    }

    @Test
    void interruptSourcesComeInDatasheetPriority() {
        out(MCR, MCR_LOOP);
        out(IER, IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
        out(RBR_THR, 'a');
        out(RBR_THR, 'b');
        out(MCR, MCR_LOOP | MCR_RTS);
        assertEquals(IIR_RLSI, in(IIR_FCR));
        in(LSR);
        assertEquals(IIR_RDI, in(IIR_FCR));
        in(RBR_THR);
        assertEquals(IIR_THRI, in(IIR_FCR));
        assertEquals(IIR_MSI, in(IIR_FCR), "THRE cleared by the read above");
        in(MSR);
        assertEquals(IIR_NO_INT, in(IIR_FCR));
    }

    @Test
    void thrStaysFullWhileTheHostIsFullAndEmptiesWhenItDrains() {
        out(MCR, MCR_OUT2);
        host.room = false;
        out(RBR_THR, 'x');
        assertEquals(0, in(LSR) & (LSR_THRE | LSR_TEMT));
        out(IER, IER_THRI);
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        assertFalse(irq.level());
        host.room = true;
        uart.serviceHost();
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
        assertTrue(irq.level());
        assertEquals(IIR_THRI, in(IIR_FCR));
    }

    @Test
    void wideAccessesReachConsecutiveRegisters() {
        out(LCR, 0x03);
        out(MCR, MCR_DTR);
        assertEquals(0x0103, uart.read(PcLayout.COM1 + LCR, 2));
        uart.write(PcLayout.COM1 + MCR, 2, 0x0000);
        assertEquals(0, in(MCR));
        out(SCR, 0x42);
        assertEquals(0xFFFF_FF42, uart.read(PcLayout.COM1 + SCR, 4), "ports past the UART float");
    }

    @Test
    void writesToStatusRegistersAreIgnoredAndLogged() {
        DeviceLog log = DeviceLog.discard("COM1");
        Uart8250 u = new Uart8250(PcLayout.COM1, irq, host, log);
        u.write(PcLayout.COM1 + LSR, 1, 0);
        u.write(PcLayout.COM1 + MSR, 1, 0xFF);
        assertEquals(LSR_THRE | LSR_TEMT, u.read(PcLayout.COM1 + LSR, 1));
        assertEquals(HOST_MODEM_LINES, u.read(PcLayout.COM1 + MSR, 1));
        assertEquals(2, log.count());
    }
}
