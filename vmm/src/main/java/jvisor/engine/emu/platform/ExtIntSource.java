package jvisor.engine.emu.platform;

/**
 * An external interrupt controller behind a local APIC's LINT0 in ExtINT mode (the 8259 pair):
 * the processor takes the vector from its interrupt acknowledge, not from the local APIC.
 */
interface ExtIntSource {
    /** The vector an interrupt acknowledge would return now, or -1 if nothing is requested. */
    int peekVector();

    /** The interrupt acknowledge for {@code vector}, returned by {@link #peekVector()} just before. */
    void acknowledge(int vector);

    ExtIntSource NONE = new ExtIntSource() {
        @Override
        public int peekVector() {
            return -1;
        }

        @Override
        public void acknowledge(int vector) {
        }
    };
}
