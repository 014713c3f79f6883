package jvisor.devices.edu;

import jvisor.bus.MmioHandler;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.Bar;
import jvisor.devices.pci.PciFunction;

/**
 * QEMU's educational PCI device "edu" (vendor 0x1234, device 0x11e8; QEMU's docs/specs/edu.rst),
 * which kvm-unit-tests' {@code intel_iommu} test drives. BAR0 is 1 MiB of registers, 32-bit
 * accesses below 0x80 and 32- or 64-bit from 0x80:
 * <ul>
 *   <li>0x00 identification 0x010000ed (version 1.0, magic 0xed); 0x04 liveness: reads the
 *       inverse of what was written.
 *   <li>0x08 factorial: a write starts computing the factorial of the value (32-bit, wrapping),
 *       a read gives the result. 0x20 status: bit 0 while computing, bit 7 raises interrupt 0x1
 *       when a computation ends.
 *   <li>0x24 interrupt status; 0x60 raise writes bits into it, 0x64 acknowledge clears them. While
 *       any bit is set the device interrupts: one MSI per raise with MSI on, else INTA held.
 *   <li>0x80 DMA source, 0x88 destination, 0x90 count, 0x98 command: bit 0 starts (and reads 1
 *       until done), bit 1 picks the direction (1: from the device's 4 KiB buffer at bus address
 *       0x40000 to RAM, 0: RAM to the buffer), bit 2 raises interrupt 0x100 at the end. RAM-side
 *       addresses are clamped to 28 bits, QEMU's default DMA mask.
 * </ul>
 * QEMU computes on a thread and runs a DMA 100 ms after the command; here both finish before the
 * register write returns, which a driver polling the status bits cannot tell apart. A transfer
 * outside the buffer, or one the bus refuses (an IOMMU fault, bus mastering off), moves nothing and
 * still ends, with one log line; QEMU would run off its buffer.
 */
public final class EduDevice {
    public static final int VENDOR = 0x1234;
    public static final int DEVICE = 0x11E8;
    static final int REVISION = 0x10;
    /** Base class 0x00, sub-class 0xff, as QEMU's PCI_CLASS_OTHERS lands in the edu's header. */
    static final int CLASS_CODE = 0x00_FF_00;
    static final long BAR_SIZE = 1 << 20;

    static final int IDENTIFICATION = 0x010000ED;
    static final int REG_ID = 0x00;
    static final int REG_LIVENESS = 0x04;
    static final int REG_FACTORIAL = 0x08;
    static final int REG_STATUS = 0x20;
    static final int REG_INTERRUPT_STATUS = 0x24;
    static final int REG_INTERRUPT_RAISE = 0x60;
    static final int REG_INTERRUPT_ACK = 0x64;
    static final int REG_DMA_SOURCE = 0x80;
    static final int REG_DMA_DESTINATION = 0x88;
    static final int REG_DMA_COUNT = 0x90;
    static final int REG_DMA_COMMAND = 0x98;

    static final int STATUS_COMPUTING = 0x01;
    static final int STATUS_IRQ_ON_FACTORIAL = 0x80;
    static final int INTERRUPT_FACTORIAL = 0x001;
    static final int INTERRUPT_DMA = 0x100;
    static final long DMA_START = 1;
    static final long DMA_FROM_DEVICE = 2;
    static final long DMA_IRQ = 4;
    static final long BUFFER_ADDRESS = 0x40000;
    static final int BUFFER_SIZE = 4096;
    static final long DMA_MASK = (1L << 28) - 1;

    private final PciFunction function;
    private final DeviceLog log;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int liveness;
    private int factorial;
    private int status;
    private int interruptStatus;
    private long dmaSource;
    private long dmaDestination;
    private long dmaCount;
    private long dmaCommand;

    public EduDevice(DeviceLog log) {
        this.log = log;
        function = PciFunction.builder("edu", VENDOR, DEVICE)
                .revision(REVISION)
                .classCode(CLASS_CODE)
                .interruptPin(1)
                .msi(true)
                .bar(0, new Bar.Memory(BAR_SIZE, false, false, new MmioHandler() {
                    @Override
                    public long read(long offset, int size) {
                        return EduDevice.this.read(offset, size);
                    }

                    @Override
                    public void write(long offset, int size, long value) {
                        EduDevice.this.write(offset, size, value);
                    }
                }))
                .build();
    }

    public PciFunction function() {
        return function;
    }

    private static boolean validSize(long offset, int size) {
        return offset < REG_DMA_SOURCE ? size == 4 : size == 4 || size == 8;
    }

    synchronized long read(long offset, int size) {
        if (!validSize(offset, size)) {
            return MmioHandler.floating(size);
        }
        long value = switch ((int) offset) {
            case REG_ID -> IDENTIFICATION;
            case REG_LIVENESS -> liveness;
            case REG_FACTORIAL -> factorial;
            case REG_STATUS -> status;
            case REG_INTERRUPT_STATUS -> interruptStatus;
            case REG_DMA_SOURCE -> dmaSource;
            case REG_DMA_DESTINATION -> dmaDestination;
            case REG_DMA_COUNT -> dmaCount;
            case REG_DMA_COMMAND -> dmaCommand;
            default -> -1L;
        };
        return size == 4 ? value & 0xFFFF_FFFFL : value;
    }

    synchronized void write(long offset, int size, long value) {
        if (!validSize(offset, size)) {
            return;
        }
        if (size == 4) {
            value &= 0xFFFF_FFFFL;
        }
        switch ((int) offset) {
            case REG_LIVENESS -> liveness = ~(int) value;
            case REG_FACTORIAL -> computeFactorial((int) value);
            case REG_STATUS -> status = (status & ~STATUS_IRQ_ON_FACTORIAL) | ((int) value & STATUS_IRQ_ON_FACTORIAL);
            case REG_INTERRUPT_RAISE -> raise((int) value);
            case REG_INTERRUPT_ACK -> acknowledge((int) value);
            case REG_DMA_SOURCE -> dmaSource = value;
            case REG_DMA_DESTINATION -> dmaDestination = value;
            case REG_DMA_COUNT -> dmaCount = value;
            case REG_DMA_COMMAND -> {
                if ((value & DMA_START) != 0) {
                    dmaCommand = value;
                    runDma();
                }
            }
            default -> { }
        }
    }

    private void computeFactorial(int n) {
        int result = 1;
        for (int k = n; k != 0 && result != 0; k--) { // once 32 factors of two are in, the product stays 0
            result *= k;
        }
        factorial = result;
        if ((status & STATUS_IRQ_ON_FACTORIAL) != 0) {
            raise(INTERRUPT_FACTORIAL);
        }
    }

    private void runDma() {
        boolean fromDevice = (dmaCommand & DMA_FROM_DEVICE) != 0;
        long bufferSide = fromDevice ? dmaSource : dmaDestination;
        long ramSide = (fromDevice ? dmaDestination : dmaSource) & DMA_MASK;
        long start = bufferSide - BUFFER_ADDRESS;
        if (start < 0 || dmaCount < 0 || start + dmaCount > BUFFER_SIZE) {
            log.warn("DMA of %d bytes at %#x leaves the buffer (%#x, %d bytes): nothing moved", dmaCount, bufferSide,
                    BUFFER_ADDRESS, BUFFER_SIZE);
        } else {
            boolean done = fromDevice ? function.dma().write(ramSide, buffer, (int) start, (int) dmaCount)
                    : function.dma().read(ramSide, buffer, (int) start, (int) dmaCount);
            if (!done) {
                log.warn("DMA of %d bytes at bus address %#x refused", dmaCount, ramSide);
            }
        }
        dmaCommand &= ~DMA_START;
        if ((dmaCommand & DMA_IRQ) != 0) {
            raise(INTERRUPT_DMA);
        }
    }

    private void raise(int bits) {
        interruptStatus |= bits;
        if (interruptStatus != 0 && !function.signalMsi()) {
            function.setIntx(true);
        }
    }

    private void acknowledge(int bits) {
        interruptStatus &= ~bits;
        if (interruptStatus == 0 && !function.msiEnabled()) {
            function.setIntx(false);
        }
    }
}
