package jvisor.devices.pci;

/**
 * Where a function's BARs become visible: the VM's MMIO and port buses. A function calls it when
 * the guest moves a BAR or switches decoding, so a device never touches the buses itself.
 */
interface BarMapper {
    /** Maps {@code bar} at {@code base}; false (with one log line) if that would overlap something. */
    boolean map(String name, Bar bar, long base);

    void unmap(Bar bar, long base);

    /** Maps nothing: for functions not (yet) plugged into a bus. */
    BarMapper NONE = new BarMapper() {
        @Override
        public boolean map(String name, Bar bar, long base) {
            return true;
        }

        @Override
        public void unmap(Bar bar, long base) { }
    };
}
