package jvisor.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.BooleanSupplier;
import jvisor.core.ShutdownCause;
import jvisor.core.Vmm;
import jvisor.devices.Uart8250;

/**
 * The serial console on a terminal, as QEMU's {@code -nographic} offers it: keys go to the guest;
 * Ctrl-A X quits, Ctrl-A C opens the monitor, Ctrl-A H lists the keys, Ctrl-A Ctrl-A sends a
 * Ctrl-A. Ctrl-C goes to the guest once its serial driver listens for input; before that it
 * stops jvisor, so a guest that ignores its console can still be ended.
 */
public final class InteractiveConsole {
    static final int CTRL_A = 0x01;
    static final int CTRL_C = 0x03;
    private static final int SIGINT = 2;

    private final InputStream keyboard;
    private final PrintStream screen;
    private final ByteQueue toGuest = new ByteQueue();
    private volatile Vmm vmm;
    private volatile BooleanSupplier guestListens = this::serialDriverTakesInput;
    private boolean escape;

    public InteractiveConsole(InputStream keyboard, PrintStream screen) {
        this.keyboard = keyboard;
        this.screen = screen;
    }

    /** What the guest's serial port reads. */
    public InputStream guestInput() {
        return toGuest;
    }

    /** Connects the console to the running VMM and starts reading keys. */
    public void attach(Vmm running) {
        this.vmm = running;
        Thread.ofPlatform().daemon().name("console").start(this::pump);
    }

    /** Tells the console whether the guest's serial driver takes input (decides where Ctrl-C goes). */
    public void setGuestListens(BooleanSupplier listens) {
        this.guestListens = listens;
    }

    public static String keysHelp() {
        return "jvisor: Ctrl-A X quits, Ctrl-A C opens the monitor, Ctrl-A H lists the keys";
    }

    private void pump() {
        try {
            int b;
            while ((b = keyboard.read()) >= 0) {
                key(b);
            }
        } catch (IOException e) {
            // The terminal went away: the guest just gets no more input.
        } finally {
            toGuest.close(true);
        }
    }

    /** Handles one key typed on the terminal. */
    void key(int b) throws IOException {
        if (escape) {
            escape = false;
            switch (Character.toLowerCase(b)) {
                case 'x' -> stop(new ShutdownCause.Interrupted("Ctrl-A X", 0));
                case 'c' -> new Monitor(vmm, keyboard, screen).run();
                case 'h', '?' -> screen.print(help());
                case CTRL_A -> toGuest.offer(CTRL_A);
                default -> { }
            }
            return;
        }
        if (b == CTRL_A) {
            escape = true;
        } else if (b == CTRL_C && !guestListens.getAsBoolean()) {
            stop(new ShutdownCause.Interrupted("Ctrl-C", SIGINT));
        } else {
            toGuest.offer(b);
        }
    }

    private boolean serialDriverTakesInput() {
        Vmm v = vmm;
        return v != null && v.hasVm() && v.vm().device(Uart8250.class).map(Uart8250::takesInput).orElse(false);
    }

    private void stop(ShutdownCause cause) {
        Vmm v = vmm;
        if (v != null) {
            v.requestShutdown(cause);
        }
    }

    private static String help() {
        return String.join("\n",
                "",
                "Ctrl-A X    quit jvisor (exit status 0)",
                "Ctrl-A C    open the monitor (the VM pauses while it is open)",
                "Ctrl-A H    this help",
                "Ctrl-A A    send Ctrl-A to the guest",
                "Ctrl-C      to the guest once it reads its console; otherwise stops jvisor",
                "");
    }
}
