package jvisor.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.core.Vmm;
import jvisor.core.VmmMain;
import jvisor.devices.I8042;
import jvisor.devices.vga.Vga;

/**
 * {@code --display curses}: the terminal shows the guest's VGA text screen and what is typed
 * goes to its keyboard as scan codes. The terminal has room for one console, so the serial port's
 * output goes to the file named by {@code JVISOR_SERIAL_LOG} (QEMU's curses display keeps it on a
 * console of its own), or is dropped. Ctrl-A keys still reach the monitor.
 */
public final class VgaDisplay {
    static final String SERIAL_LOG = "JVISOR_SERIAL_LOG";

    private VgaDisplay() { }

    public static int run(BootConfig config, InteractiveConsole terminal) {
        PrintStream screen = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        VgaTerminal[] shown = new VgaTerminal[1];
        AtomicReference<Vmm> current = new AtomicReference<>();
        OutputStream serial = serialLog(System.getProperty(SERIAL_LOG, System.getenv(SERIAL_LOG)));
        Console console = new Console(null, new PrintStream(serial, true, StandardCharsets.ISO_8859_1), System.err);
        // One reader of the keys for the whole run: a reset makes a new machine, and a key typed
        // then goes to the new keyboard rather than to a reader left waiting on the old one.
        InputStream keys = terminal.guestInput();
        Thread.ofPlatform().daemon().name("jvisor-vga-keys").start(() -> pumpKeys(current, keys));
        try {
            return VmmMain.run(config, console, vmm -> {
                terminal.attach(vmm);
                current.set(vmm);
                Thread.ofPlatform().daemon().name("jvisor-vga-screen").start(() -> show(vmm, screen, shown));
            });
        } finally {
            synchronized (shown) {
                if (shown[0] != null) {
                    shown[0].close();
                }
            }
            try {
                serial.close();
            } catch (IOException e) {
                // The run is over; what was written is on disk.
            }
        }
    }

    /** The serial port's destination: the named file, truncated once for the whole run, or nowhere. */
    static OutputStream serialLog(String name) {
        if (name == null || name.isBlank()) {
            return OutputStream.nullOutputStream();
        }
        try {
            return Files.newOutputStream(Path.of(name));
        } catch (IOException e) {
            System.err.println("jvisor: cannot write the serial log " + name + ": " + e.getMessage());
            return OutputStream.nullOutputStream();
        }
    }

    /** Waits for this machine's VGA, then shows it in place of the previous machine's screen. */
    private static void show(Vmm vmm, PrintStream screen, VgaTerminal[] shown) {
        try {
            while (!vmm.hasVm() || vmm.vm().device(Vga.class).isEmpty()) {
                if (vmm.stopping()) {
                    return;
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            return;
        }
        synchronized (shown) {
            if (shown[0] != null) {
                shown[0].close();
            }
            shown[0] = VgaTerminal.start(vmm.vm().device(Vga.class).orElseThrow(), screen);
        }
    }

    /** Feeds typed keys to the keyboard of whichever machine runs now. */
    private static void pumpKeys(AtomicReference<Vmm> current, InputStream keys) {
        byte[] buffer = new byte[64];
        try {
            for (int n; (n = keys.read(buffer)) >= 0; ) {
                Vmm vmm = current.get();
                if (vmm != null && vmm.hasVm() && !vmm.stopping()) {
                    int[] codes = ScanCodes.of(buffer, n);
                    vmm.vm().device(I8042.class).ifPresent(k -> k.keyboardInput(codes));
                }
            }
        } catch (IOException e) {
            // The terminal went away; nothing more to type.
        }
    }
}
