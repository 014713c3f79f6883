package jvisor.engine.emu.platform;

/**
 * One Intel 8259A programmable interrupt controller: eight request lines, the ICW1-ICW4
 * initialisation sequence, OCW1-OCW3, priority resolution with rotation, auto-EOI, poll mode and
 * special mask mode. Edge or level sensing per line comes from the ELCR (as on PIIX chipsets)
 * rather than ICW1's LTIM bit. Not thread-safe: {@link DualPic} locks the pair.
 */
final class Pic8259 {
    private final int elcrWritable;
    private final DeviceLog log;
    private int irr;
    private int isr;
    private int imr;
    private int lines;
    private int elcr;
    private int vectorBase;
    /** The line with the highest priority: rotation moves it. */
    private int priorityBase;
    private boolean autoEoi;
    private boolean rotateOnAutoEoi;
    private boolean specialMask;
    private boolean specialFullyNested;
    private boolean poll;
    private boolean readIsr;
    private boolean singleMode;
    private boolean needIcw4;
    private int icw3;
    /** The ICW the data port expects next (2, 3 or 4), or 0 once initialised. */
    private int initStep;
    /** Lines acknowledged (INTA or poll) since {@link #takeAcknowledged()} last cleared them. */
    private int acknowledged;

    Pic8259(String name, int elcrWritable) {
        this.log = new DeviceLog(name);
        this.elcrWritable = elcrWritable;
    }

    /** A request line changed: edge lines latch a rising edge, level lines follow the line. */
    void setLine(int irq, boolean level) {
        int bit = 1 << irq;
        if ((elcr & bit) != 0) {
            irr = level ? irr | bit : irr & ~bit;
        } else if (level && (lines & bit) == 0) {
            irr |= bit;
        }
        lines = level ? lines | bit : lines & ~bit;
    }

    /** The cascade input from the slave: level-sensed whatever the ELCR says. */
    void setCascade(int irq, boolean level) {
        int bit = 1 << irq;
        irr = level ? irr | bit : irr & ~bit;
        lines = level ? lines | bit : lines & ~bit;
    }

    /** The highest-priority unmasked request that beats everything in service, or -1. */
    int pendingIrq() {
        int requests = irr & ~imr;
        if (requests == 0) {
            return -1;
        }
        int request = highestPriority(requests);
        int inService = specialMask ? isr & ~imr : isr;
        int blocking = inService == 0 ? 8 : priorityOf(highestPriority(inService));
        return priorityOf(request) < blocking ? request : -1;
    }

    int vector(int irq) {
        return vectorBase | irq;
    }

    boolean ownsVector(int vector) {
        return (vector & 0xF8) == vectorBase;
    }

    boolean singleMode() {
        return singleMode;
    }

    /** The interrupt acknowledge for {@code irq}: a request that went away on line 7 is spurious. */
    void acknowledge(int irq) {
        int bit = 1 << irq;
        if (irq == 7 && (irr & bit) == 0) {
            return; // spurious: nothing goes in service
        }
        if ((elcr & bit) == 0) {
            irr &= ~bit;
        }
        acknowledged |= bit;
        if (!autoEoi) {
            isr |= bit;
        } else if (rotateOnAutoEoi) {
            priorityBase = (irq + 1) & 7;
        }
    }

    void writeCommand(int value) {
        if ((value & 0x10) != 0) {
            initialise(value);
        } else if ((value & 0x08) != 0) {
            operationCommand3(value);
        } else {
            operationCommand2(value);
        }
    }

    void writeData(int value) {
        switch (initStep) {
            case 2 -> {
                vectorBase = value & 0xF8;
                initStep = singleMode ? (needIcw4 ? 4 : 0) : 3;
            }
            case 3 -> {
                icw3 = value;
                initStep = needIcw4 ? 4 : 0;
            }
            case 4 -> {
                if ((value & 1) == 0) {
                    log.warn("ICW4 %#x selects 8080/8085 mode; x86 mode assumed", value);
                }
                autoEoi = (value & 2) != 0;
                specialFullyNested = (value & 0x10) != 0;
                initStep = 0;
            }
            default -> imr = value;
        }
    }

    int readCommand() {
        if (poll) {
            return pollRead();
        }
        return readIsr ? isr : irr;
    }

    int readData() {
        return poll ? pollRead() : imr;
    }

    int elcr() {
        return elcr;
    }

    /** The lines acknowledged since the last call, as a bit mask; clears it. */
    int takeAcknowledged() {
        int lines = acknowledged;
        acknowledged = 0;
        return lines;
    }

    void setElcr(int value) {
        elcr = value & elcrWritable;
        irr = (irr & ~elcr) | (lines & elcr);
    }

    int irr() {
        return irr;
    }

    int isr() {
        return isr;
    }

    int imr() {
        return imr;
    }

    /** ICW1: resets the chip and starts the initialisation sequence. */
    private void initialise(int icw1) {
        if ((icw1 & 0x08) != 0) {
            log.warn("ICW1 %#x sets LTIM; edge/level sensing comes from the ELCR", icw1);
        }
        singleMode = (icw1 & 0x02) != 0;
        needIcw4 = (icw1 & 0x01) != 0;
        imr = 0;
        isr = 0;
        irr &= elcr & lines; // edge sensing restarts: a line must rise again
        priorityBase = 0;
        autoEoi = false;
        rotateOnAutoEoi = false;
        specialMask = false;
        specialFullyNested = false;
        poll = false;
        readIsr = false;
        initStep = 2;
    }

    /** OCW2: EOIs, rotation and priority (bits 7:5 select, bits 2:0 give a level). */
    private void operationCommand2(int value) {
        int level = value & 7;
        switch (value >>> 5) {
            case 0 -> rotateOnAutoEoi = false;
            case 1 -> endOfInterrupt(false);
            case 3 -> isr &= ~(1 << level);
            case 4 -> rotateOnAutoEoi = true;
            case 5 -> endOfInterrupt(true);
            case 6 -> priorityBase = (level + 1) & 7;
            case 7 -> {
                isr &= ~(1 << level);
                priorityBase = (level + 1) & 7;
            }
            default -> { } // 2: no operation
        }
    }

    /** OCW3: poll, status register select, special mask mode. */
    private void operationCommand3(int value) {
        if ((value & 0x04) != 0) {
            poll = true;
        }
        if ((value & 0x02) != 0) {
            readIsr = (value & 0x01) != 0;
        }
        if ((value & 0x40) != 0) {
            specialMask = (value & 0x20) != 0;
        }
    }

    private void endOfInterrupt(boolean rotate) {
        if (isr == 0) {
            return;
        }
        int irq = highestPriority(isr);
        isr &= ~(1 << irq);
        if (rotate) {
            priorityBase = (irq + 1) & 7;
        }
    }

    /** A poll: the read acts as the interrupt acknowledge and returns 0x80 | line, or 0. */
    private int pollRead() {
        poll = false;
        int irq = pendingIrq();
        if (irq < 0) {
            return 0;
        }
        acknowledge(irq);
        return 0x80 | irq;
    }

    private int priorityOf(int irq) {
        return (irq - priorityBase) & 7;
    }

    private int highestPriority(int mask) {
        for (int p = 0; p < 8; p++) {
            int irq = (p + priorityBase) & 7;
            if ((mask & (1 << irq)) != 0) {
                return irq;
            }
        }
        return -1;
    }
}
