package jvisor.devices;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/** A serial host a test types into and reads from directly, with a switch for "buffer full". */
final class FakeSerialHost implements SerialHost {
    final ByteArrayOutputStream transmitted = new ByteArrayOutputStream();
    private final ArrayDeque<Integer> typed = new ArrayDeque<>();
    boolean room = true;

    void type(String text) {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            typed.add(b & 0xFF);
        }
    }

    int waiting() {
        return typed.size();
    }

    String output() {
        return transmitted.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean canTransmit(int count) {
        return room;
    }

    @Override
    public void transmit(int b) {
        transmitted.write(b);
    }

    @Override
    public int receive() {
        Integer b = typed.poll();
        return b == null ? -1 : b;
    }
}
