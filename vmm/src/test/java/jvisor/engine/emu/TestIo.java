package jvisor.engine.emu;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import jvisor.engine.GuestIo;

/** A GuestIo that records what the guest does: port writes, a console on port 0xE9, MMIO accesses. */
public final class TestIo implements GuestIo {
    public record Access(boolean write, long address, int size, long value) { }

    public static final int CONSOLE = 0xE9;

    public final List<Access> ports = new ArrayList<>();
    public final List<Access> mmio = new ArrayList<>();
    public final ByteArrayOutputStream console = new ByteArrayOutputStream();
    /** Value returned by every port read. */
    public int portValue = 0xFF;
    /** Runs after every port write with the port (a test raises an interrupt from the guest this way). */
    public java.util.function.IntConsumer afterPortWrite = port -> { };

    @Override
    public int portRead(int port, int size) {
        ports.add(new Access(false, port, size, portValue));
        return portValue;
    }

    @Override
    public void portWrite(int port, int size, int value) {
        ports.add(new Access(true, port, size, value));
        if (port == CONSOLE) {
            console.write(value);
        }
        afterPortWrite.accept(port);
    }

    @Override
    public long mmioRead(long address, int size) {
        mmio.add(new Access(false, address, size, 0));
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    @Override
    public void mmioWrite(long address, int size, long value) {
        mmio.add(new Access(true, address, size, value));
    }

    public String consoleText() {
        return console.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
