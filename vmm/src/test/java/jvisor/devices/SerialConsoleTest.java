package jvisor.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The console end of the UART: its threads, its bounded buffers, and what reaches the streams. */
@Timeout(30)
class SerialConsoleTest {
    private final DeviceLog log = DeviceLog.discard("test");

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 251);
        }
        return bytes;
    }

    @Test
    void everyTransmittedByteReachesTheStreamInOrder() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        SerialConsole console = new SerialConsole(null, new PrintStream(sink), log, "order");
        console.start(() -> { });
        byte[] sent = pattern(300_000);
        for (byte b : sent) {
            while (!console.canTransmit(Uart8250.FIFO_SIZE)) {
                Thread.onSpinWait();
            }
            console.transmit(b);
        }
        console.close();
        assertArrayEquals(sent, sink.toByteArray());
    }

    @Test
    void aStuckTerminalFillsTheBufferAndDrainingItWakesTheUart() throws Exception {
        CountDownLatch unstuck = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream terminal = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                entered.countDown();
                try {
                    unstuck.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                sink.write(b, off, len);
            }
        };
        Semaphore wakes = new Semaphore(0);
        SerialConsole console = new SerialConsole(null, new PrintStream(terminal), log, "stuck");
        console.start(wakes::release);

        // The writer takes the first byte and hangs in the terminal; only then is the buffer's
        // filling deterministic (otherwise the writer may still take a chunk after the loop).
        console.transmit('x');
        int accepted = 1;
        entered.await();
        while (console.canTransmit(1)) {
            console.transmit('x');
            accepted++;
        }
        assertTrue(accepted >= SerialConsole.OUTPUT_CAPACITY, "the buffer filled: " + accepted);
        assertTrue(accepted <= SerialConsole.OUTPUT_CAPACITY + 4096, "and did not grow: " + accepted);
        console.transmit('y');
        console.transmit('y');
        assertEquals(2, log.count(), "bytes written into a full buffer are dropped, each one logged");

        unstuck.countDown();
        wakes.acquire();
        assertTrue(console.canTransmit(Uart8250.FIFO_SIZE), "room again once the terminal took bytes");
        console.close();
        assertEquals("x".repeat(accepted), sink.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void typedBytesWaitInABoundedBufferAndNoneIsLost() throws Exception {
        byte[] typed = pattern(20_000);
        AtomicInteger taken = new AtomicInteger();
        InputStream keyboard = new FilterInputStream(new ByteArrayInputStream(typed)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                taken.addAndGet(Math.max(n, 0));
                return n;
            }
        };
        Semaphore wakes = new Semaphore(0);
        SerialConsole console = new SerialConsole(keyboard, new PrintStream(OutputStream.nullOutputStream()), log, "bounded");
        console.start(wakes::release);

        Thread reader = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jvisor-bounded-in")).findFirst().orElseThrow();
        while (reader.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        assertTrue(taken.get() <= SerialConsole.INPUT_CAPACITY + 256,
                "with nobody reading, the reader stops after filling the buffer: " + taken.get());

        ByteArrayOutputStream received = new ByteArrayOutputStream();
        while (received.size() < typed.length) {
            int b = console.receive();
            if (b < 0) {
                wakes.tryAcquire(10, TimeUnit.MILLISECONDS);
            } else {
                received.write(b);
            }
        }
        assertArrayEquals(typed, received.toByteArray());
        console.close();
    }

    /** A keyboard stream with only a blocking read(), like the interactive console's queue. */
    @Test
    void aSingleKeystrokeArrivesWithoutWaitingForMore() throws Exception {
        BlockingQueue<Integer> keys = new LinkedBlockingQueue<>();
        InputStream keyboard = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    return keys.take();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public int available() {
                return keys.size();
            }
        };
        Semaphore wakes = new Semaphore(0);
        SerialConsole console = new SerialConsole(keyboard, new PrintStream(OutputStream.nullOutputStream()), log, "key");
        console.start(wakes::release);
        keys.add((int) 'a');
        wakes.acquire();
        assertEquals('a', console.receive());
        console.close();
    }

    @Test
    void noInputStreamMeansNothingIsEverReceived() throws Exception {
        SerialConsole console = new SerialConsole(null, new PrintStream(OutputStream.nullOutputStream()), log, "mute");
        console.start(() -> { });
        assertEquals(-1, console.receive());
        console.close();
    }

    /** A guest's polled console: wait for DR, read the byte, echo it back with a newline. */
    @Test
    void aUartOnAConsoleEchoesWhatIsTyped() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        InputStream keyboard = new ByteArrayInputStream("ok".getBytes(StandardCharsets.US_ASCII));
        SerialConsole console = new SerialConsole(keyboard, new PrintStream(screen), log, "echo");
        Uart8250 uart = new Uart8250(PcLayout.COM1, IrqLine.NONE, console, log);
        console.start(uart::serviceHost);

        StringBuilder echoed = new StringBuilder();
        while (echoed.length() < 2) {
            if ((uart.read(PcLayout.COM1 + Uart8250.LSR, 1) & Uart8250.LSR_DR) != 0) {
                echoed.append((char) uart.read(PcLayout.COM1 + Uart8250.RBR_THR, 1));
            } else {
                Thread.sleep(1);
            }
        }
        for (char c : (echoed + "\n").toCharArray()) {
            while ((uart.read(PcLayout.COM1 + Uart8250.LSR, 1) & Uart8250.LSR_THRE) == 0) {
                Thread.onSpinWait();
            }
            uart.write(PcLayout.COM1 + Uart8250.RBR_THR, 1, c);
        }
        console.awaitDrained();
        assertEquals("ok\n", screen.toString(StandardCharsets.US_ASCII));
        console.close();
    }
}
