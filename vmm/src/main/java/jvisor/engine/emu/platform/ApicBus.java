package jvisor.engine.emu.platform;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The APIC bus (the system bus on xAPIC processors): carries IPIs and the IOAPIC's messages to
 * the local APICs they address, and EOIs back to the IOAPIC. Holds no
 * lock of its own: each APIC locks itself when it accepts a message.
 */
final class ApicBus {
    private volatile LocalApic[] apics = new LocalApic[0];
    private volatile IoApic ioApic;
    /** Where the scan for lowest-priority delivery starts, so that ties rotate among processors. */
    private final AtomicInteger rotor = new AtomicInteger();

    void connect(LocalApic[] localApics, IoApic io) {
        this.apics = localApics.clone();
        this.ioApic = io;
    }

    /**
     * Delivers {@code m} from {@code source} (null for the IOAPIC): true if at least one local
     * APIC accepted it.
     */
    boolean send(ApicMessage m, LocalApic source) {
        if (m.mode() == DeliveryMode.LOWEST_PRIORITY) {
            return sendLowestPriority(m, source);
        }
        boolean accepted = false;
        for (LocalApic apic : apics) {
            if (isTarget(m, apic, source)) {
                accepted |= apic.accept(m);
            }
        }
        return accepted;
    }

    /**
     * Delivers {@code m} to each local APIC whose physical APIC ID is {@code firstId} plus the
     * index of a set bit of {@code bitmap} (KVM's paravirtual IPI); returns how many accepted it.
     */
    int sendToIds(ApicMessage m, long bitmap, long firstId) {
        int count = 0;
        for (LocalApic apic : apics) {
            long bit = (apic.apicId() & 0xFFFF_FFFFL) - firstId;
            if (bit >= 0 && bit < Long.SIZE && (bitmap >>> bit & 1) != 0 && apic.accept(m)) {
                count++;
            }
        }
        return count;
    }

    /** KVM_HC_KICK_CPU: to each local APIC whose physical APIC ID is {@code apicId}. */
    void kick(long apicId) {
        for (LocalApic apic : apics) {
            if ((apic.apicId() & 0xFFFF_FFFFL) == apicId) {
                apic.acceptKick();
            }
        }
    }

    /**
     * A local APIC's EOI of {@code vector}. A level-triggered one is the EOI broadcast message; an
     * edge-triggered one never leaves the processor on real hardware, and reaches only the
     * IOAPIC's ack listener here.
     */
    void endOfInterrupt(int vector, boolean level) {
        IoApic io = ioApic;
        if (io != null) {
            io.endOfInterrupt(vector, level);
        }
    }

    private static boolean isTarget(ApicMessage m, LocalApic apic, LocalApic source) {
        return switch (m.shorthand()) {
            case NONE -> apic.matches(m.logical(), m.destination(), m.wide());
            case SELF -> apic == source;
            case ALL_INCLUDING_SELF -> true;
            case ALL_EXCLUDING_SELF -> apic != source;
        };
    }

    /** To the one addressed, enabled APIC with the lowest arbitration priority (SDM 10.6.2.4). */
    private boolean sendLowestPriority(ApicMessage m, LocalApic source) {
        LocalApic[] all = apics;
        int start = Math.floorMod(rotor.getAndIncrement(), Math.max(all.length, 1));
        LocalApic best = null;
        int bestPriority = Integer.MAX_VALUE;
        for (int i = 0; i < all.length; i++) {
            LocalApic apic = all[(start + i) % all.length];
            if (isTarget(m, apic, source) && apic.softwareEnabled()) {
                int priority = apic.arbitrationPriority();
                if (priority < bestPriority) {
                    best = apic;
                    bestPriority = priority;
                }
            }
        }
        return best != null && best.accept(m);
    }
}
