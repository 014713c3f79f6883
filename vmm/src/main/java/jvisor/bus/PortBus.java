package jvisor.bus;

import java.util.Arrays;

/**
 * BitVisor's {@code iofunc[65536]}: one handler per port, O(1) dispatch. The table starts filled
 * with a null object, the pass stage installs the pass-through default, devices hook their ports
 * in the driver stage. Two devices may not hook the same port.
 */
public final class PortBus {
    public static final int PORTS = 0x1_0000;

    private final PortHandler[] handlers = new PortHandler[PORTS];
    private final String[] names = new String[PORTS];
    private PortHandler fallback = PortHandler.NOT_INITIALIZED;
    private String fallbackName;

    public PortBus() {
        Arrays.fill(handlers, PortHandler.NOT_INITIALIZED);
    }

    /** Installs the handler for every port no device hooks. */
    public synchronized void setDefault(PortHandler handler, String name) {
        for (int port = 0; port < PORTS; port++) {
            if (handlers[port] == fallback) {
                handlers[port] = handler;
                names[port] = name;
            }
        }
        fallback = handler;
        fallbackName = name;
    }

    /** Hooks {@code count} ports from {@code first}; rejects ports another device already hooks. */
    public synchronized void register(int first, int count, PortHandler handler, String name) {
        if (first < 0 || count < 1 || first + count > PORTS) {
            throw new IllegalArgumentException(String.format("bad port range %#x+%d for %s", first, count, name));
        }
        for (int port = first; port < first + count; port++) {
            if (handlers[port] != fallback) {
                throw new IllegalStateException(String.format(
                        "port %#x: %s overlaps %s", port, name, names[port]));
            }
        }
        for (int port = first; port < first + count; port++) {
            handlers[port] = handler;
            names[port] = name;
        }
    }

    /** Unhooks {@code count} ports from {@code first} (a PCI I/O BAR that moved); they fall back to the default. */
    public synchronized void unregister(int first, int count) {
        for (int port = Math.max(first, 0); port < Math.min(first + count, PORTS); port++) {
            handlers[port] = fallback;
            names[port] = fallbackName;
        }
    }

    public int read(int port, int size) {
        return handlers[port & 0xFFFF].read(port & 0xFFFF, size);
    }

    public void write(int port, int size, int value) {
        handlers[port & 0xFFFF].write(port & 0xFFFF, size, value);
    }

    /** The name of whatever handles {@code port}: a device, the default, or null before the pass stage. */
    public String nameOf(int port) {
        return names[port & 0xFFFF];
    }

    public boolean isHooked(int port) {
        return handlers[port & 0xFFFF] != fallback;
    }
}
