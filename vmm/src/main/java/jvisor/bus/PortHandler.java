package jvisor.bus;

/** A device's port I/O hook (BitVisor's iofunc). Sizes are 1, 2 or 4; values are zero-extended. */
public interface PortHandler {
    int read(int port, int size);

    void write(int port, int size, int value);

    /** All ones of the access size: what a read from nowhere returns on the ISA/PCI bus. */
    static int floating(int size) {
        return size >= 4 ? 0xFFFF_FFFF : (1 << (size * 8)) - 1;
    }

    /**
     * The null object the table starts with. Reaching it means the pass stage never ran: a jvisor
     * bug, not something a guest can cause.
     */
    PortHandler NOT_INITIALIZED = new PortHandler() {
        @Override
        public int read(int port, int size) {
            throw new IllegalStateException("port table used before the pass stage (port " + port + ")");
        }

        @Override
        public void write(int port, int size, int value) {
            throw new IllegalStateException("port table used before the pass stage (port " + port + ")");
        }
    };
}
