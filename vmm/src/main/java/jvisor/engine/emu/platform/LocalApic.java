package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.*;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.bus.PcLayout;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.Tsc;

/**
 * One processor's local APIC (Intel SDM vol. 3, chapter 10): the xAPIC register page and the
 * x2APIC MSRs (0x800-0x8FF, see {@link X2apicMsrs}), interrupt acceptance and priority (IRR, ISR,
 * TMR, TPR, PPR), EOI, the timer (also in TSC-deadline mode), IPIs through the ICR, INIT and
 * startup, and LINT0 with the 8259 pair behind it in ExtINT mode.
 *
 * <p>All state is guarded by one lock. The lock is never held while calling out to another
 * APIC, the IOAPIC or the PICs (they call in while holding theirs), so no two locks are ever
 * taken in opposite orders. Every change that may make an event pending signals the condition
 * the processor waits on under the same lock, so no wake-up is lost.
 */
public final class LocalApic implements LocalInterrupts {
    /** The timer's input clock: one count per nanosecond before the divider, as on KVM. */
    public static final long TIMER_HZ = 1_000_000_000L;
    /** Version 0x14 (an integrated xAPIC) with six LVT entries (max LVT index 5, no CMCI). */
    static final int VERSION = 0x0005_0014;

    private static final int LVT_TIMER = 0;
    private static final int LVT_LINT0 = 3;
    private static final int LVT_LINT1 = 4;
    private static final int LVT_ERROR = 5;
    /** Writable bits of the timer, thermal, performance, LINT0, LINT1 and error entries. */
    private static final int[] LVT_WRITABLE = {0x700FF, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF};
    private static final int ICR_WRITABLE = 0x000C_CFFF;
    private static final int ICR_LOGICAL = 1 << 11;
    private static final int ICR_ASSERT = 1 << 14;
    private static final int ICR_LEVEL_TRIGGER = 1 << 15;
    private static final int ICR_SHORTHAND = 3 << 18;
    /** x2APIC mode has no delivery-status bit either: the ICR keeps what was written of these. */
    private static final int X2APIC_ICR_WRITABLE = 0x000C_CFFF;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition eventOrWake = lock.newCondition();
    private final int index;
    private final ApicBus bus;
    private final ExtIntSource pic;
    private final PlatformTimers timers;
    private final PlatformTimers.Timer timerEvent;
    private final ApicTimer timer;
    private final DeviceLog log;

    private volatile int id;
    private volatile int ldr;
    private volatile int dfr;
    private volatile int svr;
    private volatile boolean events;
    /** The part of {@link #events} a processor with RFLAGS.IF = 0 can take: NMI, INIT, SIPI. */
    private volatile boolean nonMaskableEvents;
    /** Volatile so the MMU reads it on every translation without taking the lock; written under it. */
    private volatile long apicBase;
    private int tpr;
    private int esr;
    private int pendingErrors;
    private int icrLow;
    private int icrHigh;
    private final int[] lvt = new int[6];
    private final ApicVectors irr = new ApicVectors();
    private final ApicVectors isr = new ApicVectors();
    private final ApicVectors tmr = new ApicVectors();
    /**
     * NMIs accepted and not yet taken: at most two while the processor is not in an NMI handler
     * (one it takes when it next looks, one latched behind it), at most one while it is (the
     * processor takes no NMI until its IRET, and only one waits for that).
     */
    private int nmiPending;
    private boolean nmiInHandler;
    private boolean initPending;
    private boolean waitingForSipi;
    private int sipiVector = -1;
    private boolean picIntr;
    private boolean busExtInt;
    private boolean wakeRequested;
    /** A KVM_HC_KICK_CPU for this processor that its HLT has not yet taken (KVM's pv_unhalted). */
    private boolean unhaltPending;
    /** Whether the last {@link #pendingInterrupt()} offered the PIC's vector (processor thread only). */
    private boolean offeredExtInt;

    LocalApic(int index, ApicBus bus, ExtIntSource pic, PlatformTimers timers, Tsc tsc) {
        this.index = index;
        this.id = index;
        this.bus = bus;
        this.pic = pic;
        this.timers = timers;
        this.timer = new ApicTimer(tsc);
        this.log = new DeviceLog("lapic" + index);
        this.timerEvent = timers.newTimer("lapic" + index + " timer", this::onTimer);
        boolean bsp = index == 0;
        apicBase = PcLayout.LAPIC_BASE | BASE_ENABLE | (bsp ? BASE_BSP : 0);
        powerUpReset();
        if (bsp) {
            // What the firmware leaves on a PC: virtual wire mode, the PICs' INTR on LINT0, NMI on LINT1.
            lvt[LVT_LINT0] = DeliveryMode.EXTINT.code() << 8;
            lvt[LVT_LINT1] = DeliveryMode.NMI.code() << 8;
        } else {
            waitingForSipi = true; // an AP sits in wait-for-SIPI after power-up
        }
    }

    int index() {
        return index;
    }

    // ---- The processor's side (LocalInterrupts) ----

    @Override
    public boolean hasEvents() {
        return events;
    }

    @Override
    public boolean hasEvents(boolean maskable) {
        return maskable ? events : nonMaskableEvents;
    }

    @Override
    public int pendingInterrupt() {
        boolean extInt;
        lock.lock();
        try {
            offeredExtInt = false;
            extInt = extIntRequested();
            if (!extInt) {
                return deliverableVector();
            }
        } finally {
            lock.unlock();
        }
        // ExtINT bypasses the APIC's priorities; the vector comes from the PICs (not under our lock).
        int vector = pic.peekVector();
        if (vector >= 0) {
            offeredExtInt = true;
            return vector;
        }
        lock.lock();
        try {
            return deliverableVector();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void acknowledge(int vector) {
        if (offeredExtInt) {
            offeredExtInt = false;
            lock.lock();
            try {
                busExtInt = false;
            } finally {
                lock.unlock();
            }
            pic.acknowledge(vector); // the PICs' INTR change comes back through setPicIntr
            return;
        }
        lock.lock();
        try {
            if (irr.get(vector)) {
                irr.clear(vector);
                isr.set(vector);
                if (vector == (lvt[LVT_TIMER] & 0xFF) && timer.taken(timers.now())) {
                    irr.set(vector); // an owed periodic tick: taken once this one's EOI lowers the priority
                }
                updateEvents();
            }
        } finally {
            lock.unlock();
        }
    }

    private void latchNmi() {
        nmiPending = Math.min(nmiPending + 1, nmiInHandler ? 1 : 2);
    }

    @Override
    public void nmiHandlerDone() {
        lock.lock();
        try {
            nmiInHandler = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean takeNmi() {
        lock.lock();
        try {
            boolean taken = nmiPending > 0;
            if (taken) {
                nmiPending--;
                nmiInHandler = true;
            }
            updateEvents();
            return taken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean takeInit() {
        lock.lock();
        try {
            boolean taken = initPending;
            initPending = false;
            updateEvents();
            return taken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int takeSipi() {
        lock.lock();
        try {
            int vector = sipiVector;
            sipiVector = -1;
            updateEvents();
            return vector;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void awaitEvent() {
        awaitEvent(true);
    }

    @Override
    public void awaitEvent(boolean maskable) {
        lock.lock();
        try {
            while (!wakeRequested && !unhaltPending && !(maskable ? events : nonMaskableEvent())) {
                eventOrWake.await();
            }
            wakeRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            eventOrWake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int apicId() {
        return id;
    }

    @Override
    public long apicBaseMsr() {
        return apicBase;
    }

    @Override
    public void setApicBaseMsr(long value) {
        lock.lock();
        try {
            boolean wasEnabled = hardwareEnabled();
            boolean wasX2apic = x2apicMode();
            apicBase = (apicBase & BASE_BSP) | (value & (BASE_ENABLE | BASE_X2APIC | BASE_ADDRESS));
            if (wasEnabled != hardwareEnabled()) {
                // Disabling loses the APIC's state; re-enabling starts from the power-up state,
                // with the APIC ID the hardware gave.
                powerUpReset();
                id = index;
            }
            if (x2apicMode() && !wasX2apic) {
                // x2APIC IDs are the initial APIC ID and read-only; the logical ID follows from it (SDM 10.12.10.2).
                id = index;
                ldr = ((index >>> 4) << 16) | (1 << (index & 0xF));
            }
            updateEvents();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean writeApicBaseMsr(long value) {
        boolean enable = (value & BASE_ENABLE) != 0;
        boolean extd = (value & BASE_X2APIC) != 0;
        long now = apicBase;
        boolean x2apicNow = (now & (BASE_ENABLE | BASE_X2APIC)) == (BASE_ENABLE | BASE_X2APIC);
        boolean disabledNow = (now & BASE_ENABLE) == 0;
        // SDM 10.12.5: EXTD needs EN; x2APIC may only be left by disabling; x2APIC is entered from xAPIC.
        if ((extd && !enable) || (x2apicNow && enable && !extd) || (disabledNow && extd)) {
            return false;
        }
        setApicBaseMsr(value);
        return true;
    }

    @Override
    public boolean pvUnhaltSupported() {
        return true;
    }

    @Override
    public void kickCpu(long apicId) {
        bus.kick(apicId);
    }

    /**
     * Another processor's KVM_HC_KICK_CPU: wakes this one if halted, else its next HLT ends at
     * once. Not an interrupt: {@link #hasEvents()} stays as it is, so a running processor keeps
     * running and the kick waits for its HLT.
     */
    void acceptKick() {
        lock.lock();
        try {
            if (hardwareEnabled()) {
                unhaltPending = true;
                eventOrWake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean takeUnhalt() {
        lock.lock();
        try {
            boolean taken = unhaltPending;
            unhaltPending = false;
            return taken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean x2apicSupported() {
        return true;
    }

    boolean x2apicMode() {
        return (apicBase & (BASE_ENABLE | BASE_X2APIC)) == (BASE_ENABLE | BASE_X2APIC);
    }

    @Override
    public boolean x2apicReadable(int msr) {
        return x2apicMode() && X2apicMsrs.readable(msr);
    }

    @Override
    public long x2apicRead(int msr) {
        int register = X2apicMsrs.register(msr);
        lock.lock();
        try {
            return switch (register) {
                case REG_ID -> id & 0xFFFF_FFFFL;
                case REG_ICR_LOW -> (icrHigh & 0xFFFF_FFFFL) << 32 | (icrLow & 0xFFFF_FFFFL);
                default -> readRegister(register) & 0xFFFF_FFFFL;
            };
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean x2apicWrite(int msr, long value) {
        if (!x2apicMode() || !X2apicMsrs.writable(msr)) {
            return false;
        }
        int register = X2apicMsrs.register(msr);
        if (register == REG_ICR_LOW) {
            sendIpi((int) value, (int) (value >>> 32));
            return true;
        }
        if ((value >>> 32) != 0) {
            return false; // bits 63:32 are reserved in every register but the ICR
        }
        int v = (int) value;
        switch (register) {
            case X2apicMsrs.SELF_IPI -> {
                if ((v & ~0xFF) != 0) {
                    return false; // bits 31:8 are reserved
                }
                selfIpi(v);
            }
            case REG_EOI -> {
                if (v != 0) {
                    return false;
                }
                endOfInterrupt();
            }
            case REG_ESR -> {
                if (v != 0) {
                    return false;
                }
                lock.lock();
                try {
                    writeRegister(REG_ESR, 0);
                } finally {
                    lock.unlock();
                }
            }
            default -> {
                lock.lock();
                try {
                    writeRegister(register, v);
                    updateEvents();
                } finally {
                    lock.unlock();
                }
            }
        }
        return true;
    }

    @Override
    public int taskPriority() {
        lock.lock();
        try {
            return tpr;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setTaskPriority(int value) {
        lock.lock();
        try {
            tpr = value & 0xFF;
            updateEvents();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long tscDeadlineMsr() {
        lock.lock();
        try {
            return timer.tscDeadline();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setTscDeadlineMsr(long value) {
        lock.lock();
        try {
            timer.setTscDeadline(value, timers.now());
            syncTimer();
        } finally {
            lock.unlock();
        }
    }

    // ---- The register page ----

    @Override
    public long mmioRead(int offset, int size) {
        if (x2apicMode()) {
            // In x2APIC mode the register page is gone (SDM 10.12.2): reads see a floating bus.
            return size >= 8 ? -1L : (1L << (size * 8)) - 1;
        }
        int register = offset & 0xFF0;
        int byteInRegister = offset & 0xF;
        long value;
        lock.lock();
        try {
            value = byteInRegister < 4 ? (readRegister(register) & 0xFFFF_FFFFL) >>> (byteInRegister * 8) : 0;
        } finally {
            lock.unlock();
        }
        return size >= 8 ? value : value & ((1L << (size * 8)) - 1);
    }

    @Override
    public void mmioWrite(int offset, int size, long value) {
        if (x2apicMode()) {
            return; // the register page is gone in x2APIC mode; see mmioRead
        }
        if ((offset & 0xF) != 0 || size < 4 || offset < 0 || offset >= PcLayout.PAGE) {
            log.warn("%d-byte write at offset %#x ignored (registers take aligned 32-bit writes)", size, offset);
            return;
        }
        int register = offset & 0xFF0;
        int v = (int) value;
        switch (register) {
            case REG_EOI -> endOfInterrupt();
            case REG_ICR_LOW -> sendIpi(v, icrHigh);
            default -> {
                lock.lock();
                try {
                    writeRegister(register, v);
                    updateEvents();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private int readRegister(int register) {
        return switch (register) {
            case REG_ID -> id << 24;
            case REG_VERSION -> VERSION;
            case REG_TPR -> tpr;
            case REG_APR -> arbitrationPriorityLocked();
            case REG_PPR -> processorPriority();
            case REG_EOI, REG_RRD -> 0;
            case REG_LDR -> ldr;
            case REG_DFR -> dfr | 0x0FFF_FFFF;
            case REG_SVR -> svr;
            case REG_ESR -> esr;
            case REG_ICR_LOW -> icrLow; // delivery status always idle: IPIs are delivered at once
            case REG_ICR_HIGH -> icrHigh;
            case REG_TIMER_INITIAL -> (int) timer.initialCount();
            case REG_TIMER_CURRENT -> (int) timer.currentCount(timers.now());
            case REG_TIMER_DIVIDE -> timer.divideRegister();
            default -> readBanked(register);
        };
    }

    private int readBanked(int register) {
        if (register >= REG_ISR && register < REG_ISR + 0x80) {
            return isr.register((register - REG_ISR) >> 4);
        }
        if (register >= REG_TMR && register < REG_TMR + 0x80) {
            return tmr.register((register - REG_TMR) >> 4);
        }
        if (register >= REG_IRR && register < REG_IRR + 0x80) {
            return irr.register((register - REG_IRR) >> 4);
        }
        if (register >= REG_LVT_TIMER && register <= REG_LVT_ERROR) {
            return lvt[(register - REG_LVT_TIMER) >> 4];
        }
        signalError(ESR_ILLEGAL_REGISTER);
        return 0;
    }

    private void writeRegister(int register, int value) {
        switch (register) {
            case REG_ID -> id = value >>> 24;
            case REG_TPR -> tpr = value & 0xFF;
            case REG_LDR -> ldr = value & 0xFF00_0000;
            case REG_DFR -> dfr = value | 0x0FFF_FFFF;
            case REG_SVR -> writeSpuriousVector(value);
            case REG_ESR -> {
                esr = pendingErrors;
                pendingErrors = 0;
            }
            case REG_ICR_HIGH -> icrHigh = value & 0xFF00_0000;
            case REG_TIMER_INITIAL -> {
                timer.setInitialCount(value & 0xFFFF_FFFFL, timers.now());
                syncTimer();
            }
            case REG_TIMER_DIVIDE -> {
                timer.setDivide(value, timers.now());
                syncTimer();
            }
            case REG_VERSION, REG_APR, REG_PPR, REG_RRD, REG_TIMER_CURRENT -> { } // read-only
            default -> {
                if (register >= REG_LVT_TIMER && register <= REG_LVT_ERROR) {
                    writeLvt((register - REG_LVT_TIMER) >> 4, value);
                } else if (register < REG_ISR || register >= REG_IRR + 0x80) {
                    signalError(ESR_ILLEGAL_REGISTER); // ISR, TMR and IRR are read-only
                }
            }
        }
    }

    private void writeSpuriousVector(int value) {
        svr = value & 0x3FF;
        if (!softwareEnabled()) {
            for (int i = 0; i < lvt.length; i++) {
                lvt[i] |= LVT_MASKED;
            }
        }
    }

    private void writeLvt(int entry, int value) {
        int v = value & LVT_WRITABLE[entry];
        if (!softwareEnabled()) {
            v |= LVT_MASKED;
        }
        lvt[entry] = (lvt[entry] & ~LVT_WRITABLE[entry]) | v;
        if (entry == LVT_TIMER) {
            timer.setMode(ApicTimer.Mode.of(v), timers.now());
            if ((lvt[entry] & LVT_MASKED) != 0) {
                timer.forgetOwed();
            }
            syncTimer();
        }
    }

    // ---- Acceptance and priority ----

    /** A message from the APIC bus addressed to this APIC: true if it was accepted. */
    boolean accept(ApicMessage m) {
        lock.lock();
        try {
            if (!hardwareEnabled()) {
                return false;
            }
            boolean accepted = switch (m.mode()) {
                case FIXED, LOWEST_PRIORITY -> softwareEnabled() && acceptVector(m.vector(), m.level());
                case NMI -> {
                    latchNmi();
                    yield true;
                }
                case INIT -> {
                    if (!m.deassert()) {
                        initReset();
                    }
                    yield true;
                }
                case STARTUP -> {
                    if (waitingForSipi) {
                        waitingForSipi = false;
                        sipiVector = m.vector();
                    }
                    yield true;
                }
                case EXTINT -> busExtInt = true;
                case SMI, RESERVED -> false;
            };
            updateEvents();
            return accepted;
        } finally {
            lock.unlock();
        }
    }

    private boolean acceptVector(int vector, boolean level) {
        if (vector < 16) {
            signalError(ESR_RECEIVE_ILLEGAL_VECTOR);
            return false;
        }
        irr.set(vector);
        if (level) {
            tmr.set(vector);
        } else {
            tmr.clear(vector);
        }
        return true;
    }

    /** Does this APIC belong to the 8-bit {@code destination} (SDM 10.6.2)? */
    boolean matches(boolean logical, int destination) {
        return matches(logical, destination, false);
    }

    /**
     * Does this APIC belong to {@code destination}, 32 bits wide from an x2APIC's ICR? In x2APIC
     * mode (SDM 10.12.9-10) IDs are 32 bits, all ones is the broadcast, and a logical destination
     * is a cluster (bits 31:16) and a bitmap of 16 members; an 8-bit destination (the IOAPIC,
     * MSI, an xAPIC's IPI) reads as x2APIC ID or cluster 0, with 0xFF its broadcast.
     */
    boolean matches(boolean logical, int destination, boolean wide) {
        if (x2apicMode()) {
            int broadcast = wide ? 0xFFFF_FFFF : 0xFF;
            if (destination == broadcast) {
                return true;
            }
            if (!logical) {
                return destination == id;
            }
            int l = ldr;
            return (destination >>> 16) == (l >>> 16) && (destination & l & 0xFFFF) != 0;
        }
        if (wide) {
            destination = destination == 0xFFFF_FFFF ? 0xFF : destination & 0xFF;
        }
        if (!logical) {
            return destination == 0xFF || destination == id;
        }
        int logicalId = ldr >>> 24;
        if ((dfr >>> 28) == 0xF) {
            return (logicalId & destination) != 0; // flat model: a bit per processor
        }
        int cluster = destination >>> 4; // cluster model: cluster number, then a bit per processor
        return (cluster == 0xF || cluster == logicalId >>> 4) && (destination & logicalId & 0xF) != 0;
    }

    boolean softwareEnabled() {
        return (svr & SVR_ENABLE) != 0;
    }

    /** The arbitration priority lowest-priority delivery compares (SDM 10.6.2.4). */
    int arbitrationPriority() {
        lock.lock();
        try {
            return arbitrationPriorityLocked();
        } finally {
            lock.unlock();
        }
    }

    private int arbitrationPriorityLocked() {
        int tprClass = tpr & 0xF0;
        int isrClass = Math.max(isr.highest(), 0) & 0xF0;
        int irrClass = Math.max(irr.highest(), 0) & 0xF0;
        if (tprClass >= irrClass && tprClass > isrClass) {
            return tpr;
        }
        return Math.max(tprClass, Math.max(isrClass, irrClass));
    }

    private int processorPriority() {
        int isrClass = Math.max(isr.highest(), 0) & 0xF0;
        return (tpr & 0xF0) >= isrClass ? tpr : isrClass;
    }

    /** The highest IRR vector whose priority class is above the processor priority's, or -1. */
    private int deliverableVector() {
        int vector = irr.highest();
        return vector >= 0 && (vector & 0xF0) > (processorPriority() & 0xF0) ? vector : -1;
    }

    private void endOfInterrupt() {
        int vector;
        boolean level;
        lock.lock();
        try {
            vector = isr.highest();
            if (vector < 0) {
                return;
            }
            isr.clear(vector);
            level = tmr.get(vector);
            updateEvents();
        } finally {
            lock.unlock();
        }
        bus.endOfInterrupt(vector, level); // outside our lock: the IOAPIC may deliver again, even to us
    }

    /** A write of the ICR's low half (in x2APIC mode, of the whole ICR with {@code high} the destination). */
    private void sendIpi(int value, int high) {
        ApicMessage message;
        lock.lock();
        try {
            icrLow = value & (x2apicMode() ? X2APIC_ICR_WRITABLE : ICR_WRITABLE);
            icrHigh = high;
            message = decodeIcr();
            updateEvents();
        } finally {
            lock.unlock();
        }
        if (message != null) {
            bus.send(message, this);
        }
    }

    private ApicMessage decodeIcr() {
        DeliveryMode mode = DeliveryMode.decode(icrLow >>> 8);
        int vector = icrLow & 0xFF;
        boolean level = (icrLow & (1 << 15)) != 0;
        boolean deassert = mode == DeliveryMode.INIT && level && (icrLow & (1 << 14)) == 0;
        if (deassert) {
            return null; // INIT level de-assert only synchronised arbitration IDs; nothing to do
        }
        switch (mode) {
            case FIXED, LOWEST_PRIORITY -> {
                if (vector < 16) {
                    signalError(ESR_SEND_ILLEGAL_VECTOR);
                    return null;
                }
            }
            case RESERVED, EXTINT -> {
                log.warn("IPI with reserved delivery mode %d ignored (ICR %#x)", mode.code(), icrLow);
                return null;
            }
            default -> { }
        }
        ApicMessage.Shorthand shorthand = ApicMessage.Shorthand.values()[(icrLow >>> 18) & 3];
        boolean logical = (icrLow & (1 << 11)) != 0;
        boolean x2apic = x2apicMode();
        return new ApicMessage(mode, vector, logical, x2apic ? icrHigh : icrHigh >>> 24, level, false, shorthand,
                x2apic);
    }

    @Override
    public long sendIpis(long bitmapLow, long bitmapHigh, long firstId, long icr, int clusterSize) {
        if ((icr & (ICR_LOGICAL | ICR_SHORTHAND)) != 0) {
            return -LocalInterrupts.KVM_EINVAL;
        }
        DeliveryMode mode = DeliveryMode.decode((int) icr >>> 8);
        if (mode == DeliveryMode.EXTINT || mode == DeliveryMode.RESERVED) {
            return 0; // KVM ignores these, as the ICR path here does
        }
        boolean level = (icr & ICR_LEVEL_TRIGGER) != 0;
        boolean deassert = mode == DeliveryMode.INIT && level && (icr & ICR_ASSERT) == 0;
        ApicMessage m = new ApicMessage(mode, (int) icr, false, 0, level, deassert, ApicMessage.Shorthand.NONE, true);
        long first = firstId & 0xFFFF_FFFFL;
        // KVM adds the cluster size in 32 bits: a first ID near 2^32 wraps for the high half.
        return bus.sendToIds(m, bitmapLow, first) + bus.sendToIds(m, bitmapHigh, (first + clusterSize) & 0xFFFF_FFFFL);
    }

    /** x2APIC SELF IPI: a fixed, edge-triggered interrupt to this APIC alone. */
    private void selfIpi(int vector) {
        lock.lock();
        try {
            if (vector < 16) {
                signalError(ESR_SEND_ILLEGAL_VECTOR);
            } else if (softwareEnabled()) {
                acceptVector(vector, false);
            }
            updateEvents();
        } finally {
            lock.unlock();
        }
    }

    private void signalError(int error) {
        pendingErrors |= error;
        int entry = lvt[LVT_ERROR];
        if ((entry & LVT_MASKED) == 0 && (entry & 0xFF) >= 16) {
            acceptVector(entry & 0xFF, false);
        }
    }

    // ---- LINT0, the timer, resets ----

    /** The 8259 pair's INTR output, wired to LINT0. */
    void setPicIntr(boolean level) {
        lock.lock();
        try {
            boolean rising = level && !picIntr;
            picIntr = level;
            int entry = lvt[LVT_LINT0];
            if (rising && hardwareEnabled() && (entry & LVT_MASKED) == 0) {
                switch (DeliveryMode.decode(entry >>> 8)) {
                    case FIXED -> acceptVector(entry & 0xFF, false);
                    case NMI -> latchNmi();
                    default -> { } // ExtINT: the vector comes from the PICs' acknowledge
                }
            }
            updateEvents();
        } finally {
            lock.unlock();
        }
    }

    private boolean extIntRequested() {
        if (!picIntr) {
            return false;
        }
        int entry = lvt[LVT_LINT0];
        boolean lint0ExtInt = (entry & LVT_MASKED) == 0 && DeliveryMode.decode(entry >>> 8) == DeliveryMode.EXTINT;
        // A hardware-disabled APIC passes INTR straight to the processor.
        return !hardwareEnabled() || lint0ExtInt || busExtInt;
    }

    private void onTimer(long now) {
        lock.lock();
        try {
            long periods = timer.expire(now);
            if (periods > 0) {
                int entry = lvt[LVT_TIMER];
                if ((entry & LVT_MASKED) != 0) {
                    timer.forgetOwed();
                } else if (timer.raiseAfter(periods, now)) {
                    acceptVector(entry & 0xFF, false);
                }
            }
            syncTimer();
            updateEvents();
        } finally {
            lock.unlock();
        }
    }

    /** Periodic timer interrupts owed and not yet raised: for tests. */
    long timerTicksOwed() {
        lock.lock();
        try {
            return timer.owed();
        } finally {
            lock.unlock();
        }
    }

    private void syncTimer() {
        if (timer.armed()) {
            timers.schedule(timerEvent, timer.expiry());
        } else {
            timers.cancel(timerEvent);
        }
    }

    /** The power-up state (SDM 10.4.7.1); the APIC ID and IA32_APIC_BASE are kept. */
    private void powerUpReset() {
        irr.clearAll();
        isr.clearAll();
        tmr.clearAll();
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        esr = 0;
        pendingErrors = 0;
        icrLow = 0;
        icrHigh = 0;
        java.util.Arrays.fill(lvt, LVT_MASKED);
        timer.reset();
        syncTimer();
        nmiPending = 0;
        nmiInHandler = false;
        busExtInt = false;
        sipiVector = -1;
    }

    /** INIT (SDM 10.4.7.3): power-up state, then an AP waits for SIPI; the processor resets. */
    private void initReset() {
        powerUpReset();
        unhaltPending = false;
        initPending = true;
        waitingForSipi = (apicBase & BASE_BSP) == 0;
    }

    private boolean hardwareEnabled() {
        return (apicBase & BASE_ENABLE) != 0;
    }

    private boolean nonMaskableEvent() {
        return nmiPending > 0 || initPending || sipiVector >= 0;
    }

    /** Recomputes {@link #events}; wakes the processor if something is now pending. */
    private void updateEvents() {
        boolean nonMaskable = nonMaskableEvent();
        boolean now = nonMaskable || extIntRequested() || deliverableVector() >= 0;
        nonMaskableEvents = nonMaskable;
        events = now;
        if (now) {
            eventOrWake.signalAll();
        }
    }
}
