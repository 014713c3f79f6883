package jvisor.core.vmmcall;

import java.nio.charset.StandardCharsets;
import jvisor.core.ShutdownCause;
import jvisor.core.Vmm;

/**
 * The hypercalls jvisor answers: {@code get_version} (RBX = buffer, RCX = its size; the VMM's name
 * and version, NUL-terminated; RAX = the length without the NUL, 0 if it does not fit),
 * {@code log} (RBX = text, RCX = length, at most {@link #LOG_MAX}; one line in the VMM's log; RAX
 * = bytes logged) and {@code poweroff} (the VM stops as after ACPI S5).
 */
final class BuiltinCalls {
    static final int LOG_MAX = 1024;

    private BuiltinCalls() { }

    static void register(Vmm vmm) {
        Vmmcall calls = vmm.vmmcall();
        calls.register("get_version", c -> {
            byte[] v = (version() + "\0").getBytes(StandardCharsets.ISO_8859_1);
            if (c.arg2() < v.length || c.memory().write(c.arg1(), v) != v.length) {
                return 0;
            }
            return v.length - 1;
        });
        calls.register("log", c -> {
            int length = (int) Math.min(Math.max(c.arg2(), 0), LOG_MAX);
            byte[] text = c.memory().read(c.arg1(), length);
            StringBuilder line = new StringBuilder(text.length);
            for (byte b : text) {
                // The guest's bytes reach a terminal: control characters are shown, never obeyed.
                line.append(b >= 0x20 && b < 0x7F ? (char) b : '?');
            }
            vmm.console().log().println("jvisor: vmmcall log from cpu" + c.processor().number() + ": " + line);
            return text.length;
        });
        calls.register("poweroff", c -> {
            vmm.requestShutdown(new ShutdownCause.PowerOff("vmmcall"));
            return 1;
        });
    }

    static String version() {
        String v = Vmmcall.class.getPackage().getImplementationVersion();
        return "jvisor " + (v == null ? "(development build)" : v);
    }
}
