package jvisor.devices;

import jvisor.boot.Console;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;

/**
 * A 16550A UART as Linux's 8250 driver and the 16550 datasheet expect it: the eight registers
 * (divisor latch behind LCR.DLAB), a 16-byte receive FIFO with its trigger level, the four
 * interrupt sources in datasheet priority, loopback, and MCR.OUT2 gating the interrupt output
 * as the PC's wiring does. Transmission takes no time: a byte written to THR is on its way to
 * the host at once, unless the host's buffer is short of room, when THR stays full until it
 * drains. All state is guarded by the object's lock: vCPU threads and the console's threads
 * meet here.
 */
public final class Uart8250 implements ByteRegisters {
    public static final int PORTS = 8;
    static final int FIFO_SIZE = 16;

    static final int RBR_THR = 0;
    static final int IER = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;

    static final int IIR_NO_INT = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_TIMEOUT = 0x0C;
    static final int IIR_FIFO_ENABLED = 0xC0;

    static final int FCR_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;
    /** FIFO enable, DMA mode and the trigger level: the bits a 16550A keeps. */
    private static final int FCR_KEPT = 0xC9;
    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    static final int MSR_DCTS = 0x01;
    static final int MSR_DDSR = 0x02;
    static final int MSR_TERI = 0x04;
    static final int MSR_DDCD = 0x08;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    /** A terminal that is connected and ready: clear to send, data set ready, carrier detect. */
    static final int HOST_MODEM_LINES = MSR_CTS | MSR_DSR | MSR_DCD;

    private final int base;
    private final IrqOutput irq;
    private final SerialHost host;
    private final DeviceLog log;
    private final ByteRing rx = new ByteRing(FIFO_SIZE);

    private int ier;
    private int lcr;
    private int mcr;
    private int fcr;
    private int scr;
    private int divisorLow = 0x0C;
    private int divisorHigh;
    private int lineErrors;
    private int modemDeltas;
    private int lastReceived;
    private boolean thrEmpty;
    private boolean thrInterrupt;

    public Uart8250(int base, IrqLine irq, SerialHost host, DeviceLog log) {
        this.base = base;
        this.irq = new IrqOutput(irq);
        this.host = host;
        this.log = log;
        this.thrEmpty = host.canTransmit(FIFO_SIZE);
    }

    /** COM1: the console at 0x3F8, IRQ 4, talking to the VMM's console streams. */
    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        Console console = p.vmm().console();
        DeviceLog log = new DeviceLog(console.log(), "COM1");
        SerialConsole line = new SerialConsole(console.in(), console.out(), log, "com1");
        Uart8250 uart = new Uart8250(PcLayout.COM1, vm.irqLine(PcLayout.IRQ_COM1), line, log);
        vm.ports().register(PcLayout.COM1, PORTS, uart, "COM1");
        vm.addDevice(Uart8250.class, uart);
        p.vmm().onTeardown(line);
        line.start(uart::serviceHost);
    }

    /** Whether the guest's driver takes input: it enabled the received-data interrupt. */
    public synchronized boolean takesInput() {
        return (ier & IER_RDI) != 0;
    }

    @Override
    public int firstPort() {
        return base;
    }

    @Override
    public int registerCount() {
        return PORTS;
    }

    @Override
    public synchronized int readRegister(int index) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        int value = switch (index) {
            case RBR_THR -> dlab ? divisorLow : readReceiver();
            case IER -> dlab ? divisorHigh : ier;
            case IIR_FCR -> readInterruptId();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLineStatus();
            case MSR -> readModemStatus();
            default -> scr;
        };
        updateIrq();
        return value;
    }

    @Override
    public synchronized void writeRegister(int index, int value) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (index) {
            case RBR_THR -> {
                if (dlab) {
                    divisorLow = value;
                } else {
                    transmit(value);
                }
            }
            case IER -> {
                if (dlab) {
                    divisorHigh = value;
                } else {
                    writeInterruptEnable(value);
                }
            }
            case IIR_FCR -> writeFifoControl(value);
            case LCR -> lcr = value;
            case MCR -> writeModemControl(value);
            case LSR, MSR -> log.warn("write %#04x to read-only %s ignored", value, index == LSR ? "LSR" : "MSR");
            default -> scr = value;
        }
        updateIrq();
    }

    /** The host has input waiting or output room again. */
    synchronized void serviceHost() {
        refillFromHost();
        if (!thrEmpty && (loopback() || host.canTransmit(FIFO_SIZE))) {
            thrEmpty = true;
            thrInterrupt = true;
        }
        updateIrq();
    }

    private int readReceiver() {
        if (!rx.isEmpty()) {
            lastReceived = rx.take();
            refillFromHost();
        }
        return lastReceived;
    }

    private void transmit(int value) {
        thrInterrupt = false;
        if (loopback()) {
            receive(value);
        } else {
            host.transmit(value);
        }
        thrEmpty = loopback() || host.canTransmit(FIFO_SIZE);
        thrInterrupt = thrEmpty;
    }

    /**
     * Enabling the THRE interrupt while THR is empty raises it at once, even after a read of IIR
     * cleared it: Linux's start-up test ("UART_BUG_THRE") toggles IER to check exactly that.
     */
    private void writeInterruptEnable(int value) {
        int changed = (ier ^ value) & IER_THRI;
        ier = value & 0x0F;
        if (changed != 0) {
            thrInterrupt = (ier & IER_THRI) != 0 && thrEmpty;
        }
    }

    /** FCR0 must be set for the other bits to take; toggling FCR0 empties the FIFOs. */
    private void writeFifoControl(int value) {
        boolean enable = (value & FCR_ENABLE) != 0;
        if (enable != fifoEnabled()) {
            rx.clear();
        }
        if (!enable) {
            fcr = 0;
        } else {
            fcr = value & FCR_KEPT;
            if ((value & FCR_CLEAR_RX) != 0) {
                rx.clear();
            }
        }
        refillFromHost();
    }

    private void writeModemControl(int value) {
        int before = modemInputs();
        mcr = value & 0x1F;
        int after = modemInputs();
        int changed = before ^ after;
        modemDeltas |= ((changed & MSR_CTS) != 0 ? MSR_DCTS : 0)
                | ((changed & MSR_DSR) != 0 ? MSR_DDSR : 0)
                | ((changed & MSR_DCD) != 0 ? MSR_DDCD : 0)
                | ((before & ~after & MSR_RI) != 0 ? MSR_TERI : 0);
        refillFromHost();
    }

    private int readInterruptId() {
        int id = pendingInterrupt();
        if (id == IIR_THRI) {
            thrInterrupt = false;
        }
        return id | (fifoEnabled() ? IIR_FIFO_ENABLED : 0);
    }

    private int readLineStatus() {
        int value = (rx.isEmpty() ? 0 : LSR_DR) | lineErrors | (thrEmpty ? LSR_THRE | LSR_TEMT : 0);
        lineErrors = 0;
        return value;
    }

    private int readModemStatus() {
        int value = modemInputs() | modemDeltas;
        modemDeltas = 0;
        return value;
    }

    /** In loopback the MCR outputs drive the modem inputs; otherwise the host's terminal does. */
    private int modemInputs() {
        if (!loopback()) {
            return HOST_MODEM_LINES;
        }
        return ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0)
                | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0)
                | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
    }

    /** The highest-priority pending source, as IIR bits 3-0. */
    private int pendingInterrupt() {
        if ((ier & IER_RLSI) != 0 && lineErrors != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && !rx.isEmpty()) {
            // No baud-rate timing here: below the trigger level the line is already idle, so the
            // character timeout is due at once.
            return fifoEnabled() && rx.size() < triggerLevel() ? IIR_TIMEOUT : IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrInterrupt) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && modemDeltas != 0) {
            return IIR_MSI;
        }
        return IIR_NO_INT;
    }

    /**
     * On a PC the INTR output reaches the PIC through a buffer enabled by the OUT2 pin; loopback
     * forces the OUT pins inactive, which closes that buffer too.
     */
    private void updateIrq() {
        boolean gate = (mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
        irq.drive(gate && pendingInterrupt() != IIR_NO_INT);
    }

    /** A byte arriving at the receiver: from the host, or from the transmitter in loopback. */
    private void receive(int b) {
        if (rx.size() < rxCapacity()) {
            rx.put(b);
            return;
        }
        lineErrors |= LSR_OE;
        if (!fifoEnabled()) {
            rx.replaceLast(b);
        }
    }

    private void refillFromHost() {
        if (loopback()) {
            return;
        }
        while (rx.size() < rxCapacity()) {
            int b = host.receive();
            if (b < 0) {
                return;
            }
            rx.put(b);
        }
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    private boolean fifoEnabled() {
        return (fcr & FCR_ENABLE) != 0;
    }

    private int rxCapacity() {
        return fifoEnabled() ? FIFO_SIZE : 1;
    }

    private int triggerLevel() {
        return TRIGGER_LEVELS[fcr >>> 6];
    }
}
