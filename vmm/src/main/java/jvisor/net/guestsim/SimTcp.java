package jvisor.net.guestsim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import jvisor.net.TxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;

import static jvisor.net.wire.Tcp.before;
import static jvisor.net.wire.Tcp.beforeOrAt;

/**
 * The simulator's TCP: enough of a guest kernel's TCP to exercise a backend. In-order receive only
 * (out-of-order segments are dropped and answered with a duplicate ACK), go-back-N retransmission
 * on a fixed time-out and after three duplicate ACKs, window scaling, MSS, half-close and resets,
 * and large segments with pending checksums when the guest "has TSO". Blocking methods are for
 * test and benchmark threads; everything else runs under the guest's lock.
 */
public final class SimTcp {
    static final int BUFFER = 1 << 20;
    static final int OUR_SCALE = 7;
    static final int OUR_MSS = 1460;
    static final long RTO = 200_000_000L;

    private final SimGuest guest;
    /** Signalled when this connection changes; one per connection, so 200 waiting readers are not all woken per frame. */
    private final Condition changed;
    final int localPort;
    final int remoteAddress;
    final int remotePort;
    private final byte[] sendBuf = new byte[BUFFER];
    private int sendHead;
    private int sendSize;
    private final byte[] recvBuf = new byte[BUFFER];
    private int recvHead;
    private int recvSize;
    private int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private long sndWnd;
    private int sndShift;
    private int peerMss = 536;
    private int rcvNxt;
    private int rcvShift;
    private int advertised;
    private boolean synSent;
    private boolean passive;
    private boolean established;
    private boolean finQueued;
    private boolean finAcked;
    private boolean finReceived;
    private boolean reset;
    private long rtxDeadline;
    private int dupAcks;
    private long retransmits;

    SimTcp(SimGuest guest, int localPort, int remoteAddress, int remotePort) {
        this.guest = guest;
        this.changed = guest.lock.newCondition();
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.iss = (int) System.nanoTime();
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
    }

    static long key(int localPort, int remoteAddress, int remotePort) {
        return (long) localPort << 48 | (long) remotePort << 32 | (remoteAddress & 0xFFFF_FFFFL);
    }

    long key() {
        return key(localPort, remoteAddress, remotePort);
    }

    // ---- Opening (lock held) -----------------------------------------------------------------

    void activeOpen() {
        synSent = true;
        segment(Tcp.SYN, iss, 0, 0, true);
        rtxDeadline = System.nanoTime() + RTO;
    }

    void passiveOpen(ByteBuffer f, int at, int length) {
        passive = true;
        rcvNxt = Bytes.u32(f, at + Tcp.SEQUENCE) + 1;
        takeOptions(f, at);
        sndWnd = Bytes.u16(f, at + Tcp.WINDOW);
        segment(Tcp.SYN | Tcp.ACK, iss, 0, 0, true);
        rtxDeadline = System.nanoTime() + RTO;
    }

    private void takeOptions(ByteBuffer f, int at) {
        int end = at + (Bytes.u8(f, at + Tcp.DATA_OFFSET) >>> 4) * 4;
        int scale = -1;
        for (int i = at + Tcp.HEADER; i < end; ) {
            int kind = Bytes.u8(f, i);
            if (kind == Tcp.OPTION_END) {
                break;
            }
            if (kind == Tcp.OPTION_NOP) {
                i++;
                continue;
            }
            int len = Bytes.u8(f, i + 1);
            if (kind == Tcp.OPTION_MSS) {
                peerMss = Bytes.u16(f, i + 2);
            } else if (kind == Tcp.OPTION_WINDOW_SCALE) {
                scale = Bytes.u8(f, i + 2);
            }
            i += Math.max(len, 2);
        }
        sndShift = Math.max(scale, 0);
        rcvShift = scale >= 0 ? OUR_SCALE : 0;
    }

    // ---- Input (lock held) -------------------------------------------------------------------

    void input(ByteBuffer f, int at, int length) {
        int seq = Bytes.u32(f, at + Tcp.SEQUENCE);
        int ack = Bytes.u32(f, at + Tcp.ACKNOWLEDGEMENT);
        int flags = Bytes.u8(f, at + Tcp.FLAGS);
        int window = Bytes.u16(f, at + Tcp.WINDOW);
        int dataAt = at + (Bytes.u8(f, at + Tcp.DATA_OFFSET) >>> 4) * 4;
        int dataLength = length - (dataAt - at);
        if ((flags & Tcp.RST) != 0) {
            if (finReceived && finAcked) {
                return;     // RFC 1337: TIME-WAIT ignores resets
            }
            reset = true;
            guest.forget(this);
            signal();
            return;
        }
        if (!established) {
            if (synSent && (flags & (Tcp.SYN | Tcp.ACK)) == (Tcp.SYN | Tcp.ACK) && ack == iss + 1) {
                takeOptions(f, at);
                rcvNxt = seq + 1;
                sndUna = ack;
                sndWnd = window;
                established = true;
                rtxDeadline = 0;
                sendAck();
            } else if (passive && (flags & Tcp.ACK) != 0 && ack == iss + 1) {
                established = true;
                sndUna = ack;
                sndWnd = (long) window << sndShift;
                rtxDeadline = 0;
            }
            if (!established) {
                return;
            }
        } else if ((flags & Tcp.SYN) != 0) {
            sendAck();      // a repeated SYN-ACK: our ACK was lost
            return;
        }
        if ((flags & Tcp.ACK) != 0) {
            ack(ack, window, dataLength, flags);
        }
        boolean ackNow = false;
        if (dataLength > 0) {
            int skip = rcvNxt - seq;
            if (skip >= 0 && skip < dataLength && !finReceived) {
                int take = Math.min(dataLength - skip, BUFFER - recvSize);
                for (int i = 0; i < take; ) {
                    int tail = (recvHead + recvSize) % BUFFER;
                    int n = Math.min(take - i, BUFFER - tail);
                    f.get(dataAt + skip + i, recvBuf, tail, n);
                    recvSize += n;
                    i += n;
                }
                rcvNxt += take;
            }
            ackNow = true;
        }
        if ((flags & Tcp.FIN) != 0 && !finReceived && seq + dataLength == rcvNxt) {
            finReceived = true;
            rcvNxt++;
            ackNow = true;
        }
        if (ackNow) {
            sendAck();
        }
        output();
        signal();
    }

    private void ack(int ack, int window, int dataLength, int flags) {
        long newWindow = (long) window << sndShift;
        if (before(sndUna, ack) && beforeOrAt(ack, sndMax)) {
            int acked = ack - sndUna;
            int data = Math.min(acked, sendSize);
            sendHead = (sendHead + data) % BUFFER;
            sendSize -= data;
            if (acked > data) {
                finAcked = true;
            }
            sndUna = ack;
            if (before(sndNxt, sndUna)) {
                sndNxt = sndUna;
            }
            dupAcks = 0;
            rtxDeadline = sndUna == sndMax ? 0 : System.nanoTime() + RTO;
        } else if (ack == sndUna && dataLength == 0 && (flags & Tcp.FIN) == 0 && sndMax != sndUna && newWindow == sndWnd) {
            if (++dupAcks == 3) {
                sndNxt = sndUna;     // go back
                retransmits++;
            }
        }
        sndWnd = newWindow;
    }

    // ---- Output (lock held) ------------------------------------------------------------------

    void output() {
        if (!established || reset) {
            return;
        }
        int maxSegment = guest.options.largeSend() ? 65535 - Ipv4.HEADER - Tcp.HEADER : Math.min(peerMss, OUR_MSS);
        while (true) {
            int sent = sndNxt - sndUna;
            int unsent = sendSize - sent;
            long window = sndWnd - sent;
            if (unsent <= 0 || window <= 0) {
                if (unsent > 0 && rtxDeadline == 0) {
                    rtxDeadline = System.nanoTime() + RTO;      // the persist timer
                }
                break;
            }
            int length = (int) Math.min(Math.min(unsent, window), maxSegment);
            segment(Tcp.ACK | Tcp.PSH, sndNxt, sent, length, false);
            sndNxt += length;
            if (before(sndMax, sndNxt)) {
                sndMax = sndNxt;
            }
            if (rtxDeadline == 0) {
                rtxDeadline = System.nanoTime() + RTO;
            }
        }
        if (finQueued && !finAcked && sndNxt == sndUna + sendSize) {
            segment(Tcp.FIN | Tcp.ACK, sndNxt, 0, 0, false);
            sndNxt++;
            if (before(sndMax, sndNxt)) {
                sndMax = sndNxt;
            }
            if (rtxDeadline == 0) {
                rtxDeadline = System.nanoTime() + RTO;
            }
        }
    }

    void timer(long now) {
        if (rtxDeadline == 0 || now - rtxDeadline < 0 || reset) {
            return;
        }
        rtxDeadline = now + RTO;
        if (!established) {
            segment(synSent ? Tcp.SYN : Tcp.SYN | Tcp.ACK, iss, 0, 0, true);
        } else if (sndMax != sndUna) {
            sndNxt = sndUna;
            retransmits++;
            output();
        } else if (sendSize > 0) {
            segment(Tcp.ACK, sndUna - 1, 0, 0, false);     // probe the zero window
        } else {
            rtxDeadline = 0;
        }
    }

    private void sendAck() {
        segment(Tcp.ACK, sndNxt, 0, 0, false);
    }

    private int window() {
        int w = (int) Math.min((BUFFER - recvSize) >> rcvShift, 65535);
        advertised = w << rcvShift;
        return w;
    }

    /** Builds and transmits one segment; {@code length} bytes from {@code offset} into the send buffer. */
    private void segment(int flags, int seq, int offset, int length, boolean options) {
        boolean syn = (flags & Tcp.SYN) != 0;
        int optionBytes = options ? 8 : 0;
        int tcpLength = Tcp.HEADER + optionBytes + length;
        ByteBuffer f = guest.tx();
        int at = guest.ipHeader(guest.gatewayMac, Ipv4.HEADER + tcpLength, Ipv4.PROTOCOL_TCP, guest.address, remoteAddress);
        Bytes.put16(f, at + Tcp.SOURCE_PORT, localPort);
        Bytes.put16(f, at + Tcp.DESTINATION_PORT, remotePort);
        Bytes.put32(f, at + Tcp.SEQUENCE, seq);
        Bytes.put32(f, at + Tcp.ACKNOWLEDGEMENT, (flags & Tcp.ACK) != 0 ? rcvNxt : 0);
        Bytes.put8(f, at + Tcp.DATA_OFFSET, (Tcp.HEADER + optionBytes) / 4 << 4);
        Bytes.put8(f, at + Tcp.FLAGS, flags);
        Bytes.put16(f, at + Tcp.WINDOW, syn ? Math.min(BUFFER - recvSize, 65535) : window());
        Bytes.put16(f, at + Tcp.CHECKSUM, 0);
        Bytes.put16(f, at + Tcp.URGENT, 0);
        if (options) {
            int o = at + Tcp.HEADER;
            Bytes.put8(f, o, Tcp.OPTION_MSS);
            Bytes.put8(f, o + 1, 4);
            Bytes.put16(f, o + 2, OUR_MSS);
            Bytes.put8(f, o + 4, Tcp.OPTION_NOP);
            Bytes.put8(f, o + 5, Tcp.OPTION_WINDOW_SCALE);
            Bytes.put8(f, o + 6, 3);
            Bytes.put8(f, o + 7, OUR_SCALE);
        }
        int data = at + Tcp.HEADER + optionBytes;
        for (int i = 0; i < length; ) {
            int from = (sendHead + offset + i) % BUFFER;
            int n = Math.min(length - i, BUFFER - from);
            f.put(data + i, sendBuf, from, n);
            i += n;
        }
        long pseudo = Checksum.pseudoHeader(guest.address, remoteAddress, Ipv4.PROTOCOL_TCP, tcpLength);
        TxOffload offload = guest.offload();
        if (guest.options.largeSend()) {
            // What a guest with checksum offload sends: the pseudo-header sum, the rest left to the device.
            Bytes.put16(f, at + Tcp.CHECKSUM, Checksum.fold(pseudo));
            offload.checksumPending(at, Tcp.CHECKSUM);
            int mss = Math.min(peerMss, OUR_MSS);
            if (length > mss) {
                offload.segmentation(TxOffload.Segmentation.TCP4, mss, at + Tcp.HEADER);
            }
        } else {
            Bytes.put16(f, at + Tcp.CHECKSUM, Checksum.finish(pseudo + Checksum.sum(f, at, tcpLength)));
        }
        guest.transmit(data + length, offload);
    }

    // ---- Application side (any thread) -------------------------------------------------------

    /** Wakes the threads waiting on this connection; the caller holds the guest's lock. */
    void signal() {
        changed.signalAll();
    }

    private boolean awaitUntil(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            changed.await(Math.min(left, 50_000_000L), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    void awaitEstablished(Duration timeout) throws IOException {
        guest.lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!established && !reset) {
                if (!awaitUntil(deadline)) {
                    guest.forget(this);
                    throw new IOException("connect timed out");
                }
            }
            if (reset) {
                throw new IOException("connection refused");
            }
        } finally {
            guest.lock.unlock();
        }
    }

    /** Queues all of {@code b} for sending, waiting for buffer space; throws once reset. */
    public void write(byte[] b, int off, int len) throws IOException {
        guest.lock.lock();
        try {
            while (len > 0) {
                if (reset) {
                    throw new IOException("connection reset");
                }
                if (finQueued) {
                    throw new IOException("output shut down");
                }
                int n = Math.min(len, BUFFER - sendSize);
                if (n == 0) {
                    awaitUntil(System.nanoTime() + 10_000_000L);
                    continue;
                }
                for (int i = 0; i < n; ) {
                    int tail = (sendHead + sendSize) % BUFFER;
                    int m = Math.min(n - i, BUFFER - tail);
                    System.arraycopy(b, off + i, sendBuf, tail, m);
                    sendSize += m;
                    i += m;
                }
                off += n;
                len -= n;
                output();
            }
        } finally {
            guest.lock.unlock();
        }
    }

    /** Reads what has arrived, waiting for at least a byte; -1 after the peer's FIN; throws once reset. */
    public int read(byte[] b, int off, int len, Duration timeout) throws IOException {
        guest.lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (recvSize == 0) {
                if (reset) {
                    throw new IOException("connection reset");
                }
                if (finReceived) {
                    return -1;
                }
                if (!awaitUntil(deadline)) {
                    throw new IOException("read timed out");
                }
            }
            int n = Math.min(len, recvSize);
            for (int i = 0; i < n; ) {
                int m = Math.min(n - i, BUFFER - recvHead);
                System.arraycopy(recvBuf, recvHead, b, off + i, m);
                recvHead = (recvHead + m) % BUFFER;
                recvSize -= m;
                i += m;
            }
            // Tell the peer the window opened once that is worth it, as a kernel does after a read.
            if (established && !finReceived && BUFFER - recvSize - advertised >= BUFFER / 4) {
                sendAck();
            }
            return n;
        } finally {
            guest.lock.unlock();
        }
    }

    /** Sends a FIN after the queued data (half-close). */
    public void shutdownOutput() {
        guest.lock.lock();
        try {
            finQueued = true;
            output();
        } finally {
            guest.lock.unlock();
        }
    }

    /** Waits until everything sent, FIN included, is acknowledged. */
    public boolean awaitFinAcked(Duration timeout) {
        guest.lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!finAcked && !reset) {
                if (!awaitUntil(deadline)) {
                    return false;
                }
            }
            return finAcked;
        } finally {
            guest.lock.unlock();
        }
    }

    /** Sends a reset and forgets the connection. */
    public void abort() {
        guest.lock.lock();
        try {
            segment(Tcp.RST | Tcp.ACK, sndNxt, 0, 0, false);
            reset = true;
            guest.forget(this);
        } finally {
            guest.lock.unlock();
        }
    }

    /** Waits for a reset from the peer; true if one came. */
    public boolean awaitReset(Duration timeout) {
        guest.lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reset) {
                if (!awaitUntil(deadline)) {
                    return false;
                }
            }
            return true;
        } finally {
            guest.lock.unlock();
        }
    }

    public boolean wasReset() {
        guest.lock.lock();
        try {
            return reset;
        } finally {
            guest.lock.unlock();
        }
    }

    public long retransmits() {
        guest.lock.lock();
        try {
            return retransmits;
        } finally {
            guest.lock.unlock();
        }
    }

    /** The peer's MSS and window-scale shift as its SYN announced them. */
    public int peerMss() {
        return peerMss;
    }

    public int peerWindowShift() {
        return sndShift;
    }
}
