package jvisor.engine.emu.platform;

/**
 * What KVM calls an IRQ ack notifier: an interrupt controller tells the device behind one of its
 * lines when the guest has taken an interrupt from that line, and when the guest masks or unmasks
 * the line. Controllers call it with none of their locks held, so the listener may raise its line
 * again from inside the call.
 */
interface AckListener {
    /** The guest took an interrupt from the line: the PICs' interrupt acknowledge, or the EOI of the IOAPIC pin's vector. */
    void acknowledged();

    /** The line's mask bit changed at this controller. */
    void maskChanged();

    AckListener NONE = new AckListener() {
        @Override
        public void acknowledged() {
        }

        @Override
        public void maskChanged() {
        }
    };
}
