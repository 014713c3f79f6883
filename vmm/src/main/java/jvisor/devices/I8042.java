package jvisor.devices;

import java.util.ArrayDeque;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Stage;

/**
 * The 8042 keyboard controller with nothing plugged into its keyboard and mouse ports: enough
 * for Linux's i8042 probe (flush, self-test, command byte, AUX loopback with its IRQ 12 check)
 * to find a working controller whose devices do not answer (with firmware, a keyboard is plugged
 * in: see {@code keyboardCommand}), and for the reset line that Linux
 * and firmware pulse to reboot. A byte sent to an absent device comes back as 0xFE with the
 * status register's time-out bit, which is how the controller reports that no device clocked it
 * in.
 */
public final class I8042 implements PortHandler {
    /** ISA IRQ 12: the PS/2 mouse line, used here only by the AUX loopback command. */
    public static final int IRQ_AUX = 12;

    static final int STATUS_OBF = 0x01;
    static final int STATUS_SYS = 0x04;
    static final int STATUS_CMD = 0x08;
    static final int STATUS_UNLOCKED = 0x10;
    static final int STATUS_AUXDATA = 0x20;
    static final int STATUS_TIMEOUT = 0x40;

    static final int CTR_KBDINT = 0x01;
    static final int CTR_AUXINT = 0x02;
    static final int CTR_SYS = 0x04;
    static final int CTR_KBDDIS = 0x10;
    static final int CTR_AUXDIS = 0x20;
    static final int CTR_XLATE = 0x40;
    /** What a BIOS leaves: keyboard interrupt on, POST passed, mouse port off, scan-code translation on. */
    static final int CTR_AT_BOOT = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;

    static final int CMD_READ_RAM = 0x20;
    static final int CMD_WRITE_RAM = 0x60;
    static final int CMD_AUX_DISABLE = 0xA7;
    static final int CMD_AUX_ENABLE = 0xA8;
    static final int CMD_AUX_TEST = 0xA9;
    static final int CMD_SELF_TEST = 0xAA;
    static final int CMD_KBD_TEST = 0xAB;
    static final int CMD_KBD_DISABLE = 0xAD;
    static final int CMD_KBD_ENABLE = 0xAE;
    static final int CMD_READ_OUTPUT_PORT = 0xD0;
    static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    static final int CMD_WRITE_KBD_BUFFER = 0xD2;
    static final int CMD_WRITE_AUX_BUFFER = 0xD3;
    static final int CMD_WRITE_AUX = 0xD4;
    static final int CMD_A20_OFF = 0xDD;
    static final int CMD_A20_ON = 0xDF;
    static final int CMD_PULSE = 0xF0;

    static final int SELF_TEST_PASSED = 0x55;
    static final int NO_DEVICE = 0xFE;
    static final int OUTPUT_RESET_INACTIVE = 0x01;
    static final int OUTPUT_A20 = 0x02;

    private static final int RAM_SIZE = 32;
    private static final int QUEUE_LIMIT = 16;
    private static final int FROM_AUX = 0x100;
    private static final int TIMED_OUT = 0x200;
    private static final int NO_COMMAND = -1;

    private final IrqOutput kbdIrq;
    private final IrqOutput auxIrq;
    private final ShutdownRequester shutdown;
    private final DeviceLog log;
    private final int[] ram = new int[RAM_SIZE];
    /** Bytes for the guest: the value with {@link #FROM_AUX} and {@link #TIMED_OUT} flags. */
    private final ArrayDeque<Integer> output = new ArrayDeque<>();
    private int pendingCommand = NO_COMMAND;
    private boolean lastWriteWasCommand;
    private boolean a20 = true;
    private int lastRead;
    /** Whether a keyboard is plugged in (firmware boots); without one, bytes sent to it time out. */
    private final boolean keyboard;
    private boolean scanning = true;
    private int keyboardPending = NO_COMMAND;

    static final int KBD_ACK = 0xFA;
    static final int KBD_RESEND = 0xFE;
    static final int KBD_SELF_TEST_PASSED = 0xAA;
    static final int KBD_SET_LEDS = 0xED;
    static final int KBD_ECHO = 0xEE;
    static final int KBD_SCAN_CODE_SET = 0xF0;
    static final int KBD_IDENTIFY = 0xF2;
    static final int KBD_TYPEMATIC = 0xF3;
    static final int KBD_ENABLE = 0xF4;
    static final int KBD_DISABLE = 0xF5;
    static final int KBD_DEFAULTS = 0xF6;
    static final int KBD_RESET = 0xFF;
    /** An MF2 keyboard's identity bytes after the acknowledge. */
    static final int[] KBD_ID = {0xAB, 0x83};
    static final int KBD_SET_2 = 2;

    public I8042(IrqLine kbdIrq, IrqLine auxIrq, ShutdownRequester shutdown, DeviceLog log) {
        this(kbdIrq, auxIrq, shutdown, log, false);
    }

    public I8042(IrqLine kbdIrq, IrqLine auxIrq, ShutdownRequester shutdown, DeviceLog log, boolean keyboard) {
        this.keyboard = keyboard;
        this.kbdIrq = new IrqOutput(kbdIrq);
        this.auxIrq = new IrqOutput(auxIrq);
        this.shutdown = shutdown;
        this.log = log;
        ram[0] = CTR_AT_BOOT;
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        I8042 kbc = new I8042(vm.irqLine(PcLayout.IRQ_KEYBOARD), vm.irqLine(IRQ_AUX), vm::requestShutdown,
                new DeviceLog(p.vmm().console().log(), "i8042"), vm.ram().firmware().isPresent());
        vm.addDevice(I8042.class, kbc);
        vm.ports().register(PcLayout.I8042_DATA, 1, kbc, "i8042 data");
        vm.ports().register(PcLayout.I8042_COMMAND, 1, kbc, "i8042 command");
    }

    @Override
    public synchronized int read(int port, int size) {
        int value = port == PcLayout.I8042_DATA ? readData() : status();
        return value | (PortHandler.floating(size) & ~0xFF);
    }

    @Override
    public synchronized void write(int port, int size, int value) {
        value &= 0xFF;
        if (port == PcLayout.I8042_COMMAND) {
            lastWriteWasCommand = true;
            pendingCommand = NO_COMMAND;
            command(value);
        } else {
            lastWriteWasCommand = false;
            int cmd = pendingCommand;
            pendingCommand = NO_COMMAND;
            if (cmd == NO_COMMAND) {
                if (keyboard) {
                    keyboardCommand(value);
                } else {
                    queue(NO_DEVICE | TIMED_OUT);
                }
            } else {
                parameter(cmd, value);
            }
        }
        updateIrqs();
    }

    /**
     * A byte for the keyboard: an MF2 keyboard's commands (reset, identify, LEDs, scan code set,
     * typematic rate, enable/disable scanning, echo) and their parameter bytes, answered as the
     * keyboard would, each with its acknowledge.
     */
    private void keyboardCommand(int value) {
        int pending = keyboardPending;
        keyboardPending = NO_COMMAND;
        if (pending == KBD_SCAN_CODE_SET && value == 0) {
            queue(KBD_ACK);
            queue(KBD_SET_2);
            return;
        }
        if (pending != NO_COMMAND) {
            queue(KBD_ACK);
            return;
        }
        switch (value) {
            case KBD_RESET -> {
                scanning = true;
                queue(KBD_ACK);
                queue(KBD_SELF_TEST_PASSED);
            }
            case KBD_IDENTIFY -> {
                queue(KBD_ACK);
                for (int b : KBD_ID) {
                    queue(b);
                }
            }
            case KBD_SET_LEDS, KBD_SCAN_CODE_SET, KBD_TYPEMATIC -> {
                keyboardPending = value;
                queue(KBD_ACK);
            }
            case KBD_ENABLE -> {
                scanning = true;
                queue(KBD_ACK);
            }
            case KBD_DISABLE, KBD_DEFAULTS -> {
                scanning = value == KBD_DEFAULTS;
                queue(KBD_ACK);
            }
            case KBD_ECHO -> queue(KBD_ECHO);
            default -> queue(KBD_RESEND);
        }
    }

    /**
     * Keys pressed or released on the plugged-in keyboard, as scan code set 1 bytes (what the
     * controller's translation hands the guest; BIOSes and Linux keep translation on). Dropped
     * while the keyboard or its port is disabled, or when no keyboard is plugged in.
     */
    public synchronized void keyboardInput(int... scanCodes) {
        if (!keyboard || !scanning || (ram[0] & CTR_KBDDIS) != 0) {
            return;
        }
        for (int code : scanCodes) {
            queue(code & 0xFF);
        }
        updateIrqs();
    }

    /** Whether the controller's A20 output is on (the effective gate ORs it with port 0x92's). */
    public synchronized boolean a20() {
        return a20;
    }

    private int status() {
        Integer head = output.peek();
        int value = STATUS_UNLOCKED | (ram[0] & CTR_SYS) | (lastWriteWasCommand ? STATUS_CMD : 0);
        if (head != null) {
            value |= STATUS_OBF | ((head & FROM_AUX) != 0 ? STATUS_AUXDATA : 0)
                    | ((head & TIMED_OUT) != 0 ? STATUS_TIMEOUT : 0);
        }
        return value;
    }

    /** Reading empties the output buffer; the next queued byte arrives with a fresh interrupt edge. */
    private int readData() {
        Integer head = output.poll();
        if (head != null) {
            lastRead = head & 0xFF;
            kbdIrq.drive(false);
            auxIrq.drive(false);
            updateIrqs();
        }
        return lastRead;
    }

    private void command(int cmd) {
        if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + RAM_SIZE) {
            queue(ram[cmd - CMD_READ_RAM]);
        } else if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + RAM_SIZE) {
            pendingCommand = cmd;
        } else if (cmd >= CMD_PULSE) {
            pulse(cmd);
        } else {
            controllerCommand(cmd);
        }
    }

    private void controllerCommand(int cmd) {
        switch (cmd) {
            case CMD_AUX_DISABLE -> ram[0] |= CTR_AUXDIS;
            case CMD_AUX_ENABLE -> ram[0] &= ~CTR_AUXDIS;
            case CMD_KBD_DISABLE -> ram[0] |= CTR_KBDDIS;
            case CMD_KBD_ENABLE -> ram[0] &= ~CTR_KBDDIS;
            case CMD_AUX_TEST, CMD_KBD_TEST -> queue(0x00);
            case CMD_SELF_TEST -> {
                ram[0] |= CTR_SYS;
                queue(SELF_TEST_PASSED);
            }
            case CMD_READ_OUTPUT_PORT -> queue(outputPort());
            case CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KBD_BUFFER, CMD_WRITE_AUX_BUFFER, CMD_WRITE_AUX ->
                    pendingCommand = cmd;
            case CMD_A20_OFF -> a20 = false;
            case CMD_A20_ON -> a20 = true;
            default -> log.warn("unsupported controller command %#04x ignored", cmd);
        }
    }

    private void parameter(int cmd, int value) {
        switch (cmd) {
            case CMD_WRITE_OUTPUT_PORT -> {
                a20 = (value & OUTPUT_A20) != 0;
                if ((value & OUTPUT_RESET_INACTIVE) == 0) {
                    shutdown.requestShutdown(new ShutdownCause.Reset("i8042"));
                }
            }
            case CMD_WRITE_KBD_BUFFER -> queue(value);
            case CMD_WRITE_AUX_BUFFER -> queue(value | FROM_AUX);
            case CMD_WRITE_AUX -> queue(NO_DEVICE | FROM_AUX | TIMED_OUT);
            default -> ram[cmd - CMD_WRITE_RAM] = value;
        }
    }

    /** 0xF0-0xFF pulse the output port lines whose bits are clear; bit 0 is the CPU reset line. */
    private void pulse(int cmd) {
        if ((cmd & OUTPUT_RESET_INACTIVE) == 0) {
            shutdown.requestShutdown(new ShutdownCause.Reset("i8042"));
        }
    }

    private int outputPort() {
        Integer head = output.peek();
        int full = head == null ? 0 : (head & FROM_AUX) != 0 ? 0x20 : 0x10;
        return OUTPUT_RESET_INACTIVE | (a20 ? OUTPUT_A20 : 0) | full;
    }

    private void queue(int entry) {
        if (output.size() >= QUEUE_LIMIT) {
            log.warn("output buffer overrun: the guest sends commands without reading the answers");
            return;
        }
        output.add(entry);
    }

    private void updateIrqs() {
        Integer head = output.peek();
        boolean aux = head != null && (head & FROM_AUX) != 0;
        kbdIrq.drive(head != null && !aux && (ram[0] & CTR_KBDINT) != 0);
        auxIrq.drive(aux && (ram[0] & CTR_AUXINT) != 0);
    }
}
