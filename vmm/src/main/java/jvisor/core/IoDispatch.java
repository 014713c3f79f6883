package jvisor.core;

import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.GuestIo;
import jvisor.engine.IoExit;
import jvisor.engine.MmioExit;

/**
 * One processor's path from a guest access to the hook tables: the main loop hands it IO and
 * MMIO exits, the emu engine calls it from the instruction itself. Counts every access in the
 * processor's own {@link ExitStats}; allocates nothing.
 */
public final class IoDispatch implements GuestIo {
    static final String UNHOOKED = "unhooked";

    private final PortBus ports;
    private final MmioBus mmio;
    private final ExitStats stats;

    public IoDispatch(PortBus ports, MmioBus mmio, ExitStats stats) {
        this.ports = ports;
        this.mmio = mmio;
        this.stats = stats;
    }

    @Override
    public int portRead(int port, int size) {
        port &= 0xFFFF;
        stats.portRead(port);
        int value = ports.read(port, size);
        return size >= 4 ? value : value & ((1 << (size * 8)) - 1);
    }

    @Override
    public void portWrite(int port, int size, int value) {
        port &= 0xFFFF;
        stats.portWrite(port);
        ports.write(port, size, size >= 4 ? value : value & ((1 << (size * 8)) - 1));
    }

    @Override
    public long mmioRead(long address, int size) {
        MmioBus.Mapping m = mmio.find(address);
        long value;
        if (m == null) {
            stats.mmio(UNHOOKED, false);
            value = mmio.unhooked().read(address, size);
        } else {
            stats.mmio(m.name(), false);
            value = m.handler().read(address - m.range().base(), size);
        }
        return size >= 8 ? value : value & ((1L << (size * 8)) - 1);
    }

    @Override
    public void mmioWrite(long address, int size, long value) {
        MmioBus.Mapping m = mmio.find(address);
        long v = size >= 8 ? value : value & ((1L << (size * 8)) - 1);
        if (m == null) {
            stats.mmio(UNHOOKED, true);
            mmio.unhooked().write(address, size, v);
        } else {
            stats.mmio(m.name(), true);
            m.handler().write(address - m.range().base(), size, v);
        }
    }

    /** Carries out an IO exit, {@code count} values for string and REP instructions. */
    public void dispatch(IoExit exit) {
        int port = exit.port();
        int size = exit.size();
        int count = exit.count();
        if (exit.isWrite()) {
            for (int i = 0; i < count; i++) {
                portWrite(port, size, exit.value(i));
            }
        } else {
            for (int i = 0; i < count; i++) {
                exit.setValue(i, portRead(port, size));
            }
        }
    }

    public void dispatch(MmioExit exit) {
        if (exit.isWrite()) {
            mmioWrite(exit.address(), exit.size(), exit.value());
        } else {
            exit.setValue(mmioRead(exit.address(), exit.size()));
        }
    }
}
