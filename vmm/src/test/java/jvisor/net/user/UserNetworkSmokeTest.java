package jvisor.net.user;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserNetworkSmokeTest {
    @Test
    void echoOverTcpToTheHostLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain())) {
            Thread t = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] b = new byte[100];
                    int r;
                    while ((r = in.read(b)) > 0) {
                        out.write(b, 0, r);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            c.write(hello, 0, hello.length);
            byte[] back = new byte[5];
            int got = 0;
            while (got < 5) {
                got += c.read(back, got, 5 - got, TestNet.TIMEOUT);
            }
            assertArrayEquals(hello, back);
            c.shutdownOutput();
            assertEquals(-1, c.read(back, 0, 5, TestNet.TIMEOUT));
            assertTrue(c.awaitFinAcked(TestNet.TIMEOUT));
            t.join();
            n.assertCountsAddUp();
            System.out.println(n.stats());
        }
    }
}
