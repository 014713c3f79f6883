package jvisor.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.core.Vmm;
import jvisor.core.VmmMain;
import jvisor.devices.I8042;
import jvisor.devices.vga.Vga;

/**
 * {@code --display curses}: the terminal shows the guest's VGA text screen and what is typed
 * goes to its keyboard as scan codes; the serial console is not shown (its output is dropped,
 * as QEMU's curses display hides the serial port's). Ctrl-A keys still reach the monitor.
 */
public final class VgaDisplay {
    private VgaDisplay() { }

    public static int run(BootConfig config, InteractiveConsole terminal) {
        PrintStream screen = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        VgaTerminal[] shown = new VgaTerminal[1];
        Console console = new Console(null, new PrintStream(OutputStream.nullOutputStream()), System.err);
        try {
            return VmmMain.run(config, console, vmm -> {
                terminal.attach(vmm);
                Thread.ofPlatform().daemon().name("jvisor-vga-keys").start(() -> pump(vmm, terminal.guestInput(), screen, shown));
            });
        } finally {
            synchronized (shown) {
                if (shown[0] != null) {
                    shown[0].close();
                }
            }
        }
    }

    /** Waits for the VM's VGA and keyboard controller, starts the screen, then feeds typed keys to the keyboard. */
    private static void pump(Vmm vmm, InputStream keys, PrintStream screen, VgaTerminal[] shown) {
        try {
            while (!vmm.hasVm() || vmm.vm().device(I8042.class).isEmpty() || vmm.vm().device(Vga.class).isEmpty()) {
                if (vmm.stopping()) {
                    return;
                }
                Thread.sleep(20);
            }
            synchronized (shown) {
                shown[0] = VgaTerminal.start(vmm.vm().device(Vga.class).orElseThrow(), screen);
            }
            I8042 keyboard = vmm.vm().device(I8042.class).orElseThrow();
            byte[] buffer = new byte[64];
            for (int n; (n = keys.read(buffer)) >= 0 && !vmm.stopping(); ) {
                keyboard.keyboardInput(ScanCodes.of(buffer, n));
            }
        } catch (InterruptedException | IOException e) {
            // The VM is ending; nothing more to show or type.
        }
    }
}
