package jvisor.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;

/**
 * QEMU's debug console on port 0x402, where SeaBIOS writes its log. Reading returns 0xE9, which
 * is how firmware detects the port. The log goes to the file named by {@code JVISOR_FIRMWARE_LOG}
 * (the environment variable or the system property), and its last lines are kept for the
 * VMM's diagnostics and tests.
 */
public final class FirmwareDebugPort implements PortHandler {
    public static final int PORT = 0x402;
    static final int PRESENT = 0xE9;
    private static final int KEEP = 16 * 1024;

    private final StringBuilder recent = new StringBuilder();
    private final OutputStream file;

    public FirmwareDebugPort(OutputStream file) {
        this.file = file;
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        if (vm.ram().firmware().isEmpty()) {
            return;
        }
        String name = System.getProperty("JVISOR_FIRMWARE_LOG", System.getenv("JVISOR_FIRMWARE_LOG"));
        OutputStream out = null;
        if (name != null && !name.isBlank()) {
            try {
                out = Files.newOutputStream(Path.of(name));
                p.vmm().onTeardown(out);
            } catch (IOException e) {
                p.vmm().console().log().println("jvisor: cannot write the firmware log " + name + ": " + e.getMessage());
            }
        }
        FirmwareDebugPort port = new FirmwareDebugPort(out);
        vm.ports().register(PORT, 1, port, "firmware debug console");
        vm.addDevice(FirmwareDebugPort.class, port);
    }

    @Override
    public int read(int port, int size) {
        return PRESENT | (PortHandler.floating(size) & ~0xFF);
    }

    @Override
    public synchronized void write(int port, int size, int value) {
        recent.append((char) (value & 0xFF));
        if (recent.length() > 2 * KEEP) {
            recent.delete(0, recent.length() - KEEP);
        }
        if (file != null) {
            try {
                file.write(value & 0xFF);
                if ((value & 0xFF) == '\n') {
                    file.flush();
                }
            } catch (IOException e) {
                // The log is a diagnostic; the guest goes on without it.
            }
        }
    }

    /** The last part of the log. */
    public synchronized String recent() {
        return recent.length() > KEEP ? recent.substring(recent.length() - KEEP) : recent.toString();
    }
}
