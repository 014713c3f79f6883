package jvisor.net.user;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A DNS server on loopback for the forwarder's tests: answers every query by echoing it with the
 * response bit set and an answer appended; a query naming "big" gets a 3000-byte answer, one
 * naming "silent" none. It also answers one query over TCP on the same port number.
 */
final class FakeResolver implements AutoCloseable {
    final DatagramChannel udp;
    final ServerSocket tcp;
    final ConcurrentLinkedQueue<Integer> idsSeen = new ConcurrentLinkedQueue<>();
    private final Thread udpThread;
    private final Thread tcpThread;

    FakeResolver() throws IOException {
        DatagramChannel u = null;
        ServerSocket t = null;
        for (int attempt = 0; t == null; attempt++) {
            u = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                t = new ServerSocket(((InetSocketAddress) u.getLocalAddress()).getPort(), 5, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                u.close();
                if (attempt > 20) {
                    throw e;
                }
            }
        }
        udp = u;
        tcp = t;
        udpThread = Thread.ofPlatform().daemon().start(this::serveUdp);
        tcpThread = Thread.ofPlatform().daemon().start(this::serveTcp);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) udp.getLocalAddress();
    }

    static byte[] answer(byte[] query) {
        String text = new String(query, StandardCharsets.ISO_8859_1);
        if (text.contains("silent")) {
            return null;
        }
        int extra = text.contains("big") ? 3000 : 16;
        byte[] a = new byte[query.length + extra];
        System.arraycopy(query, 0, a, 0, query.length);
        a[2] |= (byte) 0x80;
        for (int i = query.length; i < a.length; i++) {
            a[i] = (byte) i;
        }
        return a;
    }

    private void serveUdp() {
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (udp.isOpen()) {
            try {
                SocketAddress from = udp.receive(b.clear());
                byte[] q = new byte[b.position()];
                b.flip().get(q);
                idsSeen.add((q[0] & 0xFF) << 8 | (q[1] & 0xFF));
                byte[] a = answer(q);
                if (a != null) {
                    udp.send(ByteBuffer.wrap(a), from);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                var in = s.getInputStream();
                int length = (in.read() << 8) | in.read();
                byte[] q = in.readNBytes(length);
                byte[] a = answer(q);
                s.getOutputStream().write(new byte[] {(byte) (a.length >>> 8), (byte) a.length});
                s.getOutputStream().write(a);
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
