package jvisor.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;

/**
 * The stub's protocol with a hand-made client: hostile framing ends only that connection,
 * malformed requests get error replies, and the VM runs on to its normal end afterwards.
 */
@Timeout(120)
class GdbProtocolTest {

    /** A minimal client: frames packets, reads one reply. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(int port) throws Exception {
            Socket s = null;
            for (int i = 0; s == null; i++) {
                try {
                    s = new Socket("127.0.0.1", port);
                } catch (ConnectException e) {
                    if (i > 200) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            socket = s;
            socket.setSoTimeout(30_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void raw(String bytes) throws IOException {
            out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /**
         * Writes what the stub is expected to refuse: it may close the connection before all of
         * it is written, and the write then fails (broken pipe, reset), as the test wants.
         */
        void rawRefused(String bytes) throws IOException {
            try {
                raw(bytes);
            } catch (java.net.SocketException e) {
                // closed by the stub while we wrote; closedByStub() sees it
            }
        }

        static String frame(String data) {
            int sum = 0;
            for (char c : data.toCharArray()) {
                sum += c;
            }
            return "$" + data + "#" + String.format("%02x", sum & 0xFF);
        }

        String ask(String data) throws IOException {
            raw(frame(data));
            return reply();
        }

        String reply() throws IOException {
            int b;
            while ((b = in.read()) != '$') {
                if (b < 0) {
                    throw new IOException("closed");
                }
            }
            StringBuilder sb = new StringBuilder();
            while ((b = in.read()) != '#') {
                if (b < 0) {
                    throw new IOException("closed");
                }
                sb.append((char) b);
            }
            in.read();
            in.read();
            raw("+");
            return sb.toString();
        }

        /** Whether the stub closed the connection (reads end) within the socket timeout. */
        boolean closedByStub() throws IOException {
            try {
                while (true) {
                    if (in.read() < 0) {
                        return true;
                    }
                }
            } catch (java.net.SocketException e) {
                return true; // reset
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void hostilePacketsEndTheConnectionNotTheVm() throws Exception {
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 2);

        try (Client c = new Client(port)) {
            assertTrue(c.ask("qSupported:multiprocess+;swbreak+").contains("qXfer:features:read+"));
            c.rawRefused("$" + "A".repeat(GdbPackets.MAX_PACKET + 10));
            assertTrue(c.closedByStub(), "an endless packet ends the connection");
        }
        try (Client c = new Client(port)) {
            for (int i = 0; i < 20; i++) {
                c.rawRefused("$g#00");
            }
            assertTrue(c.closedByStub(), "endless bad checksums end the connection");
        }
        try (Client c = new Client(port)) {
            c.rawRefused("$q$#00");
            assertTrue(c.closedByStub(), "a '$' inside a packet ends the connection");
        }
        try (Client c = new Client(port)) {
            for (String bad : new String[] {"mzz,zz", "m0", "m0,ffffffff", "Hg999", "Hx1", "p1000", "p-1", "G12",
                "P0=12", "qXfer:features:read:target.xml:ffffffff,ffffffff", "qXfer:features:read:other.xml:0,10",
                "Z0,", "Z0,zz,1", "vCont;x", "vCont;s:999", "M0,10:zz", "M0,2:001122", "Tzz", "T99", "c zz"}) {
                String r = c.ask(bad);
                assertTrue(r.isEmpty() || r.startsWith("E"), bad + " -> " + r);
            }
            assertEquals("E01", c.ask("Z2,1000,0"), "an empty watchpoint");
            assertEquals("E01", c.ask("Z3,ffffffffffffffff,2"), "a watchpoint past the top");
            assertEquals("E01", c.ask("Z4,1000,10001"), "a watchpoint over 64 KiB");
            assertEquals("OK", c.ask("Z2,1000,4"));
            assertEquals("OK", c.ask("z2,1000,4"));
            assertEquals("m1,2", c.ask("qfThreadInfo"));
            assertEquals("l", c.ask("qsThreadInfo"));
            assertEquals("OK", c.ask("T2"));
            assertTrue(c.ask("?").startsWith("T05thread:"));
            String g = c.ask("g");
            assertEquals(2 * GdbRegisters.FILE_SIZE, g.length());
            assertEquals("OK", c.ask("G" + g), "the registers written back unchanged");
            assertTrue(targetXmlRegisters(c) == GdbRegisters.COUNT);
            // Processor 1 is still waiting for its startup IPI, in real mode at reset.
            assertEquals("OK", c.ask("Hg2"));
            String rip = c.ask("p10");
            assertEquals(16, rip.length());
            assertEquals("OK", c.ask("Hg1"));
            assertEquals("OK", c.ask("Z0,100130,1"));
            assertTrue(c.ask("c").startsWith("T05thread:1;"), "stopped at leaf");
            assertEquals("3001100000000000", c.ask("p10"), "rip = leaf (0x100130), little-endian");
            assertEquals("OK", c.ask("z0,100130,1"));
            assertTrue(c.ask("vCont;c").startsWith("W"), "the guest runs to its end");
        }
        GuestRun r = run.get(60, TimeUnit.SECONDS);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
        assertEquals(1, r.status(), r.toString());
    }

    private static int targetXmlRegisters(Client c) throws Exception {
        StringBuilder xml = new StringBuilder();
        while (true) {
            String part = c.ask("qXfer:features:read:target.xml:" + Integer.toHexString(xml.length()) + ",200");
            xml.append(part, 1, part.length());
            if (part.startsWith("l")) {
                break;
            }
            assertTrue(part.startsWith("m"), part);
        }
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document d = f.newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.toString().getBytes(StandardCharsets.UTF_8)));
        return d.getElementsByTagName("reg").getLength();
    }

    @Test
    void framingUnescapesAndRejectsBadChecksums() throws IOException {
        String sent = Client.frame("M0,1:7d") + "$bad#00" + Client.frame("X0,1:}\u0003");
        ByteArrayOutputStream acks = new ByteArrayOutputStream();
        GdbPackets link = new GdbPackets(new ByteArrayInputStream(sent.getBytes(StandardCharsets.ISO_8859_1)), acks);
        assertEquals("M0,1:7d", link.read());
        assertEquals("X0,1:#", link.read(), "'}' escapes the next byte (xor 0x20) and the bad packet is skipped");
        assertEquals("+-+", acks.toString(StandardCharsets.ISO_8859_1));
    }
}
