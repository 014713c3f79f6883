package jvisor.net.user;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import jvisor.net.NetCounter;
import jvisor.net.RxOffload;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;

import static jvisor.net.wire.Tcp.before;
import static jvisor.net.wire.Tcp.beforeOrAt;

/**
 * One guest TCP connection, terminated here and carried on over a host socket. Toward the guest
 * this is a TCP endpoint of its own (RFC 9293): it keeps what it sent until the guest acknowledges
 * it, retransmits on time-out (RFC 6298) and after three duplicate acknowledgements (RFC 5681;
 * a partial acknowledgement during recovery goes back to the first unacknowledged byte), probes a zero window, and advertises no more
 * window than it has buffer for the host. Toward the host it is an ordinary non-blocking socket
 * whose readiness follows those windows: no reads while the send ring is full, write interest
 * while the host socket is.
 *
 * <p>Memory: two rings from the {@link BufferPool}, taken when the handshake can complete; a
 * connection still connecting to the host holds only its socket.
 */
final class TcpConnection implements EventLoop.Handler, GuestLink.Waiter {
    /** RFC 9293's states, as this side sees them; CONNECTING: the guest's SYN waits for the host's connect. */
    enum State { CONNECTING, SYN_SENT, SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT, CLOSED }

    static final int DEFAULT_MSS = 536;
    static final int OUR_MSS = 1460;
    static final long MIN_RTO = 200_000_000L;
    static final long MAX_RTO = 60_000_000_000L;
    static final long INITIAL_RTO = 1_000_000_000L;
    static final int MAX_RETRIES = 12;
    static final int MAX_SYN_RETRIES = 5;
    static final long TIME_WAIT_NANOS = 1_000_000_000L;
    /**
     * How long an acknowledgement of in-order data may wait (RFC 9293 3.10.7.4's delayed ACK, which
     * allows up to 0.5 s). An ACK per segment leaves the guest nothing in flight when its next
     * write comes, so its Nagle algorithm never coalesces and every small write (busybox nc writes
     * 1 KiB at a time) costs a frame, a kick, two interrupts and an ACK to process.
     */
    static final long ACK_DELAY_NANOS = Long.getLong("jvisor.net.ackDelayMicros", 2_000L) * 1000;
    /** Unacknowledged bytes, in segments of the guest's MSS, that make an ACK go at once. */
    static final int ACK_EVERY_SEGMENTS = Integer.getInteger("jvisor.net.ackEverySegments", 2);

    final long key;
    final int guestAddress;
    final int guestPort;
    final int remoteAddress;
    final int remotePort;
    private final TcpProxy proxy;
    private final GuestLink link;
    private SocketChannel host;
    private SelectionKey hostKey;
    private State state;

    // Toward the guest: the ring holds every byte from SND.UNA on.
    private ByteRing toGuest;
    private int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private long sndWnd;
    private int sndShift;
    private int wl1;
    private int wl2;
    private int mss = DEFAULT_MSS;
    private RxOffload largeOffload = RxOffload.tcp4(TcpWriter.TRANSPORT, Tcp.HEADER, DEFAULT_MSS);
    private boolean hostEof;
    private boolean finAcked;
    // From the guest: the ring holds what was acknowledged to the guest but not yet taken by the host socket.
    private ByteRing toHost;
    private int rcvNxt;
    private int rcvShift;
    private int rcvEdge;
    private int guestScale = -1;
    /** RCV.NXT as last acknowledged to the guest; a delayed ACK is owed while it lags. */
    private int rcvAcked;
    private long ackDeadline;
    private boolean guestFin;
    private boolean hostShut;
    // Timers, in System.nanoTime; 0 is off.
    private long rtxDeadline;
    private long stateDeadline;
    private long rto = INITIAL_RTO;
    private long srtt;
    private long rttvar;
    private int retries;
    private boolean timing;
    private int timedSeq;
    private long timedAt;
    private int dupAcks;
    private boolean recovery;
    private int recover;
    private boolean waitingForLink;
    // Control segments owed to a guest that had no receive buffer: sent when it has, not queued.
    private boolean synPending;
    private boolean ackPending;

    TcpConnection(long key, int guestAddress, int guestPort, int remoteAddress, int remotePort, TcpProxy proxy) {
        this.key = key;
        this.guestAddress = guestAddress;
        this.guestPort = guestPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.proxy = proxy;
        this.link = proxy.link();
    }

    State state() {
        return state;
    }

    int segmentSize() {
        return mss;
    }

    RxOffload largeOffload() {
        return largeOffload;
    }

    // ---- Opening ----------------------------------------------------------------------------

    /** The guest's SYN: connects to {@code target} without blocking; the SYN-ACK waits for the host. */
    void connect(TcpSegment syn, InetSocketAddress target, long now) throws IOException {
        state = State.CONNECTING;
        takeMss(syn.mss);
        guestScale = syn.windowScale;
        rcvNxt = syn.seq + 1;
        wl1 = syn.seq;
        sndWnd = syn.window;
        host = SocketChannel.open();
        host.configureBlocking(false);
        host.setOption(StandardSocketOptions.TCP_NODELAY, true);
        hostKey = proxy.loop().register(host, 0, this);
        if (host.connect(target)) {
            connected(now);
        } else {
            proxy.loop().interest(hostKey, SelectionKey.OP_CONNECT);
            stateDeadline = now + proxy.config().limits().connectTimeout().toNanos();
            proxy.loop().schedule(stateDeadline);
        }
    }

    private void connected(long now) {
        stateDeadline = 0;
        if (!takeBuffers()) {
            abortWithReset();
            return;
        }
        // RFC 7323: scale windows only if the guest's SYN offered it.
        sndShift = Math.max(guestScale, 0);
        rcvShift = guestScale >= 0 ? ourScale() : 0;
        state = State.SYN_RECEIVED;
        startSending();
        emitSyn(Tcp.SYN | Tcp.ACK);
        armRtx(now);
        updateInterest();
    }

    /** A host client accepted by a {@code hostfwd} rule: opens toward the guest with a SYN. */
    boolean accept(SocketChannel client, long now) throws IOException {
        host = client;
        host.configureBlocking(false);
        host.setOption(StandardSocketOptions.TCP_NODELAY, true);
        hostKey = proxy.loop().register(host, 0, this);
        if (!takeBuffers()) {
            return false;
        }
        state = State.SYN_SENT;
        rcvShift = ourScale();
        startSending();
        emitSyn(Tcp.SYN);
        armRtx(now);
        return true;
    }

    private void startSending() {
        iss = proxy.newIss();
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
    }

    private void takeMss(int offered) {
        mss = Math.clamp(offered > 0 ? offered : DEFAULT_MSS, 64, OUR_MSS);
        largeOffload = RxOffload.tcp4(TcpWriter.TRANSPORT, Tcp.HEADER, mss);
    }

    private boolean takeBuffers() {
        int size = proxy.config().limits().tcpBuffer();
        ByteBuffer a = proxy.pool().take(size);
        ByteBuffer b = a == null ? null : proxy.pool().take(size);
        if (b == null) {
            if (a != null) {
                proxy.pool().give(a);
            }
            proxy.stats().increment(NetCounter.TCP_NO_BUFFER);
            return false;
        }
        toGuest = new ByteRing(a);
        toHost = new ByteRing(b);
        return true;
    }

    /** The smallest shift whose scaled 16-bit window covers the receive ring. */
    private int ourScale() {
        int shift = 0;
        while (shift < Tcp.MAX_WINDOW_SCALE && (65535L << shift) < toHost.capacity()) {
            shift++;
        }
        return shift;
    }

    // ---- Segments from the guest ------------------------------------------------------------

    /** A segment of this connection from the guest, its payload still in {@code f}. */
    NetCounter segment(TcpSegment s, ByteBuffer f, long now) {
        if (s.has(Tcp.RST)) {
            guestReset(s);
            return NetCounter.ACCEPTED;
        }
        switch (state) {
            case CONNECTING, CLOSED -> {
                return NetCounter.ACCEPTED;     // a repeated SYN while the host has not answered yet
            }
            case SYN_SENT -> {
                synSentInput(s, now);
                return NetCounter.ACCEPTED;
            }
            case TIME_WAIT -> {
                if (s.has(Tcp.FIN)) {
                    sendAck();      // our acknowledgement of its FIN was lost
                }
                return NetCounter.ACCEPTED;
            }
            default -> { }
        }
        if (s.has(Tcp.SYN)) {
            if (state == State.SYN_RECEIVED && s.seq == rcvNxt - 1) {
                emitSyn(Tcp.SYN | Tcp.ACK);     // our SYN-ACK was lost
            } else {
                sendAck();                      // RFC 5961's challenge ACK
            }
            return NetCounter.ACCEPTED;
        }
        if (!acceptable(s)) {
            sendAck();
            return NetCounter.ACCEPTED;
        }
        if (!s.has(Tcp.ACK)) {
            return NetCounter.ACCEPTED;
        }
        if (state == State.SYN_RECEIVED) {
            if (s.ack != iss + 1) {
                proxy.writer().resetFor(s, guestAddress, remoteAddress);
                return NetCounter.ACCEPTED;
            }
            established(s);
        }
        if (!ackInput(s, now)) {
            return NetCounter.ACCEPTED;
        }
        boolean ack = false;
        if (s.payloadLength > 0) {
            ack = dataInput(s, f) || rcvNxt - rcvAcked >= ACK_EVERY_SEGMENTS * mss;
            if (!ack && ackDeadline == 0) {
                ackDeadline = now + ACK_DELAY_NANOS;
                proxy.loop().schedule(ackDeadline);
            }
        }
        if (s.has(Tcp.FIN) && state != State.CLOSED) {
            ack |= finInput(s, now);
        }
        if (state == State.CLOSED) {
            return NetCounter.ACCEPTED;
        }
        if (ack) {
            sendAck();
        }
        pump(now);
        return NetCounter.ACCEPTED;
    }

    private void established(TcpSegment s) {
        state = State.ESTABLISHED;
        sndUna = iss + 1;
        sndWnd = (long) s.window << sndShift;
        wl1 = s.seq;
        wl2 = s.ack;
        rtxDeadline = 0;
        retries = 0;
        rto = INITIAL_RTO;
        updateInterest();
    }

    private void synSentInput(TcpSegment s, long now) {
        if (s.has(Tcp.ACK) && s.ack != iss + 1) {
            proxy.writer().resetFor(s, guestAddress, remoteAddress);
            return;
        }
        if (!s.has(Tcp.SYN) || !s.has(Tcp.ACK)) {
            return;
        }
        takeMss(s.mss);
        if (s.windowScale >= 0) {
            sndShift = s.windowScale;
        } else {
            sndShift = 0;
            rcvShift = 0;
        }
        rcvNxt = s.seq + 1;
        established(s);
        sndWnd = s.window;      // a SYN's window is never scaled
        sendAck();
        pump(now);
    }

    /** RFC 9293 3.10.7.4's acceptance test, with its allowance for ACKs into a zero window. */
    private boolean acceptable(TcpSegment s) {
        int window = Math.max(0, rcvEdge - rcvNxt);
        int length = s.sequenceLength();
        if (length == 0) {
            return s.seq == rcvNxt || window > 0 && beforeOrAt(rcvNxt, s.seq) && before(s.seq, rcvNxt + window);
        }
        if (window == 0) {
            return s.seq == rcvNxt;
        }
        return before(s.seq, rcvNxt + window) && before(rcvNxt, s.seq + length);
    }

    /** Processes the acknowledgement and window; false if the segment is to be dropped. */
    private boolean ackInput(TcpSegment s, long now) {
        if (before(sndMax, s.ack)) {
            sendAck();      // acknowledges what was never sent
            return false;
        }
        long window = (long) s.window << sndShift;
        if (before(sndUna, s.ack)) {
            acknowledged(s.ack, now);
        } else if (s.ack == sndUna && s.payloadLength == 0 && !s.has(Tcp.FIN) && window == sndWnd && sndMax != sndUna) {
            if (++dupAcks == 3 && !recovery) {
                recovery = true;
                recover = sndMax;
                retransmitFirst();
            }
        }
        if (sndMax == sndUna) {
            retries = 0;    // the guest answers: a zero-window probe is not a dead peer
        }
        if (before(wl1, s.seq) || (wl1 == s.seq && beforeOrAt(wl2, s.ack))) {
            sndWnd = window;
            wl1 = s.seq;
            wl2 = s.ack;
        }
        return state != State.CLOSED;
    }

    private void acknowledged(int ack, long now) {
        int acked = ack - sndUna;
        int data = Math.min(acked, toGuest.size());
        toGuest.discard(data);
        sndUna = ack;
        if (before(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (timing && beforeOrAt(timedSeq, ack)) {
            sampleRtt(now - timedAt);
            timing = false;
        }
        retries = 0;
        dupAcks = 0;
        if (recovery) {
            if (before(ack, recover)) {
                // A partial acknowledgement: more than one segment was lost, or the guest keeps no
                // out-of-order data. Going back to SND.UNA resends the rest in order (the pump follows).
                sndNxt = sndUna;
                timing = false;
                proxy.stats().increment(NetCounter.TCP_RETRANSMITS);
            } else {
                recovery = false;
            }
        }
        rtxDeadline = 0;
        if (sndUna != sndMax) {
            armRtx(now);
        }
        if (acked > data && !finAcked) {
            finAcked = true;
            switch (state) {
                case FIN_WAIT_1 -> state = State.FIN_WAIT_2;
                case CLOSING -> state = State.TIME_WAIT;
                default -> { }      // LAST_ACK ends in maybeFinish, once the host has taken everything
            }
            maybeFinish(now);
        }
        updateInterest();
    }

    /** RFC 6298's estimator. */
    private void sampleRtt(long r) {
        if (srtt == 0) {
            srtt = r;
            rttvar = r / 2;
        } else {
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        rto = Math.clamp(srtt + Math.max(1_000_000L, 4 * rttvar), MIN_RTO, MAX_RTO);
    }

    /**
     * Takes in-order data for the host; returns whether to acknowledge at once (data out of order,
     * old or not all taken), else the acknowledgement may be delayed.
     */
    private boolean dataInput(TcpSegment s, ByteBuffer f) {
        if (state != State.ESTABLISHED && state != State.FIN_WAIT_1 && state != State.FIN_WAIT_2) {
            return true;
        }
        int skip = rcvNxt - s.seq;
        if (skip < 0 || skip >= s.payloadLength) {
            return true;    // out of order or old: a duplicate ACK asks for the right bytes
        }
        int at = s.payloadOffset + skip;
        int length = s.payloadLength - skip;
        int taken = 0;
        if (toHost.isEmpty()) {
            f.limit(at + length).position(at);
            try {
                taken = host.write(f);
            } catch (IOException e) {
                abortWithReset();
                return false;
            }
        }
        int kept = Math.min(length - taken, toHost.free());
        if (kept > 0) {
            toHost.append(f, at + taken, kept);
            updateInterest();
        }
        rcvNxt += taken + kept;
        return taken + kept < length;   // the window was overrun: say at once what was taken
    }

    /** The guest's FIN, if it comes in order; returns whether to acknowledge. */
    private boolean finInput(TcpSegment s, long now) {
        if (guestFin || s.seq + s.payloadLength != rcvNxt) {
            return true;
        }
        rcvNxt++;
        guestFin = true;
        switch (state) {
            case ESTABLISHED -> state = State.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = State.CLOSING;
            case FIN_WAIT_2 -> state = State.TIME_WAIT;
            default -> { }
        }
        shutHostIfDrained();
        maybeFinish(now);
        return true;
    }

    private void guestReset(TcpSegment s) {
        boolean valid = switch (state) {
            case SYN_SENT -> s.has(Tcp.ACK) && s.ack == iss + 1;
            case CONNECTING -> s.seq == rcvNxt;
            default -> s.seq == rcvNxt || (beforeOrAt(rcvNxt, s.seq) && before(s.seq, rcvNxt + Math.max(1, rcvEdge - rcvNxt)));
        };
        if (valid) {
            closeHost(true);
            remove();
        }
    }

    // ---- Toward the guest -------------------------------------------------------------------

    /** Sends what the window and the guest's receive buffers allow, then the FIN once the host has ended. */
    private void pump(long now) {
        if (state == State.CLOSED || state == State.TIME_WAIT || state == State.FIN_WAIT_2
                || state == State.CONNECTING || state == State.SYN_SENT || state == State.SYN_RECEIVED) {
            return;
        }
        int maxPayload = link.largeSegments()
                ? Math.min(link.maxSegment() - TcpWriter.TRANSPORT - Tcp.HEADER, 65535 - Ipv4.HEADER - Tcp.HEADER) : mss;
        while (true) {
            int sent = sndNxt - sndUna;
            int unsent = toGuest.size() - sent;
            if (unsent <= 0) {
                break;
            }
            long window = sndWnd - sent;
            if (window <= 0) {
                if (sndMax == sndUna && rtxDeadline == 0) {
                    armRtx(now);    // the persist timer: probe the zero window
                }
                return;
            }
            int length = (int) Math.min(Math.min(unsent, window), maxPayload);
            if (length < unsent && length < leastSegment(maxPayload) && sent > 0) {
                return;     // sender-side silly-window avoidance: the ACK for what is in flight opens the window
            }
            if (!emitData(sndNxt, sent, length, length == unsent)) {
                waitForLink();
                return;
            }
            if (!timing) {
                timing = true;
                timedSeq = sndNxt + length;
                timedAt = now;
            }
            sndNxt += length;
            if (before(sndMax, sndNxt)) {
                sndMax = sndNxt;
            }
            if (rtxDeadline == 0) {
                armRtx(now);
            }
        }
        if (hostEof && !finAcked && sndNxt == sndUna + toGuest.size()) {
            if (!link.ready()) {
                waitForLink();
                return;
            }
            emit(Tcp.FIN | Tcp.ACK, sndNxt, 0, 0);
            sndNxt++;
            if (before(sndMax, sndNxt)) {
                sndMax = sndNxt;
            }
            if (state == State.ESTABLISHED) {
                state = State.FIN_WAIT_1;
            } else if (state == State.CLOSE_WAIT) {
                state = State.LAST_ACK;
            }
            if (rtxDeadline == 0) {
                armRtx(now);
            }
        }
    }

    /**
     * The smallest piece worth sending while the window, not the data, is the limit: one MSS; with
     * large segments, a quarter of the window up to the largest segment, as a TSO sender defers
     * (every segment costs the guest about the same however long it is, so ACK-clocked slivers
     * would make it do the most work per byte).
     */
    private int leastSegment(int maxPayload) {
        return maxPayload > mss ? (int) Math.max(mss, Math.min(maxPayload, sndWnd / 4)) : mss;
    }

    private void waitForLink() {
        if (!waitingForLink) {
            waitingForLink = true;
            link.waitForRoom(this);
        }
    }

    @Override
    public void linkReady() {
        waitingForLink = false;
        if (state == State.CLOSED) {
            return;
        }
        if (synPending) {
            emitSyn(state == State.SYN_SENT ? Tcp.SYN : Tcp.SYN | Tcp.ACK);
        }
        if (ackPending) {
            sendAck();
        }
        pump(System.nanoTime());
    }

    /** One segment of {@code length} ring bytes starting {@code offset} after SND.UNA; false if the guest is full. */
    private boolean emitData(int seq, int offset, int length, boolean push) {
        if (!link.ready()) {
            return false;
        }
        TcpWriter w = proxy.writer();
        int flags = Tcp.ACK | (push ? Tcp.PSH : 0);
        int frameLength = w.header(this, flags, seq, rcvNxt, advertise(), length, 0, -1);
        acknowledged();
        toGuest.copyOut(offset, link.frame(), w.payloadAt(flags), length);
        if (!link.offer(frameLength, w.finish(this, frameLength, length))) {
            return false;
        }
        ackPending = false;     // the segment carries the acknowledgement
        return true;
    }

    /** A segment without data; queued while the guest is full (SYNs and ACKs wait instead, see {@link #sendAck}). */
    private void emit(int flags, int seq, int mssOption, int scaleOption) {
        TcpWriter w = proxy.writer();
        int window = (flags & Tcp.SYN) != 0 ? synWindow() : advertise();
        int frameLength = w.header(this, flags, seq, rcvNxt, window, 0, mssOption, scaleOption);
        acknowledged();
        link.send(frameLength, w.finish(this, frameLength, 0));
    }

    private void emitSyn(int flags) {
        if (!link.ready()) {
            synPending = true;
            waitForLink();
            return;
        }
        synPending = false;
        boolean scaling = (flags & Tcp.ACK) == 0 || guestScale >= 0;
        emit(flags, iss, OUR_MSS, scaling ? ourScale() : -1);
    }

    /**
     * Acknowledges now, or once the guest has room: many connections' ACKs must not fill the
     * link's queue while the guest is full, and a later ACK says everything an earlier one did.
     */
    private void sendAck() {
        if (!link.ready()) {
            ackPending = true;
            waitForLink();
            return;
        }
        ackPending = false;
        emit(Tcp.ACK, sndNxt, 0, 0);
    }

    /** RFC 9293's window probe: a segment just below SND.UNA makes the guest answer with its window. */
    private void probe() {
        emit(Tcp.ACK, sndUna - 1, 0, 0);
    }

    /** Resends the first unacknowledged segment (fast retransmit, or a partial ACK in recovery). */
    private void retransmitFirst() {
        int length = Math.min(toGuest.size(), mss);
        if (length > 0) {
            if (emitData(sndUna, 0, length, false)) {
                proxy.stats().increment(NetCounter.TCP_RETRANSMITS);
                timing = false;     // Karn: no RTT sample from a retransmitted segment
            }
        } else if (hostEof && !finAcked && sndMax != sndUna) {
            emit(Tcp.FIN | Tcp.ACK, sndUna, 0, 0);
        }
    }

    private int synWindow() {
        if (toHost == null) {
            return 0;
        }
        int window = (int) Math.min(toHost.free(), 65535);
        rcvEdge = rcvNxt + window;
        return window;
    }

    /**
     * The window field for a segment: the ring's free space less one scale unit of slack, rounded
     * down to the scale, but never so small that the right edge moves back (RFC 7323 2.4), which
     * the slack guarantees to fit.
     */
    private int advertise() {
        if (toHost == null) {
            return 0;       // a reset before any buffer, or TIME_WAIT
        }
        long slack = (1L << rcvShift) - 1;
        long window = Math.max(0, toHost.free() - slack) >> rcvShift << rcvShift;
        long promised = rcvEdge - rcvNxt;
        if (promised > window) {
            window = (promised + slack) >> rcvShift << rcvShift;
        }
        window = Math.min(window, 65535L << rcvShift);
        rcvEdge = rcvNxt + (int) window;
        return (int) (window >> rcvShift);
    }

    // ---- Host socket ------------------------------------------------------------------------

    @Override
    public void ready(SelectionKey k) {
        long now = System.nanoTime();
        int ops = k.readyOps();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            try {
                host.finishConnect();
            } catch (IOException e) {
                proxy.stats().increment(NetCounter.TCP_CONNECT_FAILED);
                abortWithReset();
                return;
            }
            connected(now);
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            hostWritable(now);
        }
        if ((ops & SelectionKey.OP_READ) != 0 && state != State.CLOSED && host.isOpen()) {
            hostReadable(now);
        }
    }

    private void hostReadable(long now) {
        int n;
        try {
            n = toGuest.readFrom(host);
        } catch (IOException e) {
            abortWithReset();
            return;
        }
        if (n < 0) {
            hostEof = true;
        }
        pump(now);
        updateInterest();
    }

    private void hostWritable(long now) {
        int before = Math.max(0, rcvEdge - rcvNxt);
        try {
            toHost.writeTo(host);
        } catch (IOException e) {
            abortWithReset();
            return;
        }
        shutHostIfDrained();
        if (state == State.CLOSED) {
            return;
        }
        // Tell the guest its window opened once that is worth a segment (RFC 9293's receiver-side SWS avoidance).
        long opened = toHost.free() - before;
        if (!guestFin && opened >= Math.min(toHost.capacity() / 2, 2L * mss)) {
            sendAck();
        }
        maybeFinish(now);
        updateInterest();
    }

    private void shutHostIfDrained() {
        if (guestFin && !hostShut && toHost != null && toHost.isEmpty() && host.isOpen()) {
            hostShut = true;
            try {
                host.shutdownOutput();
            } catch (IOException e) {
                abortWithReset();
            }
        }
    }

    private void updateInterest() {
        if (host == null || !host.isOpen() || state == State.CLOSED) {
            return;
        }
        int ops = 0;
        if (state == State.CONNECTING) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            if ((state == State.ESTABLISHED || state == State.CLOSE_WAIT) && !hostEof && toGuest.free() > 0) {
                ops |= SelectionKey.OP_READ;
            }
            if (toHost != null && !toHost.isEmpty()) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        proxy.loop().interest(hostKey, ops);
    }

    // ---- Timers and closing -----------------------------------------------------------------

    private void armRtx(long now) {
        rtxDeadline = now + rto;
        proxy.loop().schedule(rtxDeadline);
    }

    /** A segment carrying RCV.NXT is going to the guest: no delayed ACK is owed any more. */
    private void acknowledged() {
        rcvAcked = rcvNxt;
        ackDeadline = 0;
    }

    /** The earliest deadline of this connection, or 0 if none. */
    long deadline() {
        long d = earliest(rtxDeadline, stateDeadline);
        return earliest(d, ackDeadline);
    }

    private static long earliest(long a, long b) {
        if (a == 0) {
            return b;
        }
        return b == 0 ? a : Math.min(a, b);
    }

    void timer(long now) {
        if (ackDeadline != 0 && now - ackDeadline >= 0) {
            ackDeadline = 0;
            if (state != State.CLOSED && rcvAcked != rcvNxt) {
                sendAck();
            }
        }
        if (stateDeadline != 0 && now - stateDeadline >= 0) {
            stateDeadline = 0;
            if (state == State.CONNECTING) {
                proxy.stats().increment(NetCounter.TCP_CONNECT_FAILED);
                abortWithReset();
                return;
            }
            if (state == State.TIME_WAIT) {
                remove();
                return;
            }
        }
        if (rtxDeadline == 0 || now - rtxDeadline < 0) {
            return;
        }
        rtxDeadline = 0;
        boolean handshake = state == State.SYN_SENT || state == State.SYN_RECEIVED;
        if (++retries > (handshake ? MAX_SYN_RETRIES : MAX_RETRIES)) {
            abortWithReset();
            return;
        }
        rto = Math.min(rto * 2, MAX_RTO);
        timing = false;
        recovery = false;
        dupAcks = 0;
        switch (state) {
            case SYN_SENT -> emitSyn(Tcp.SYN);
            case SYN_RECEIVED -> emitSyn(Tcp.SYN | Tcp.ACK);
            default -> {
                if (sndMax != sndUna) {
                    sndNxt = sndUna;        // go back: resend from the first unacknowledged byte
                    proxy.stats().increment(NetCounter.TCP_RETRANSMITS);
                    pump(now);
                } else if (toGuest != null && toGuest.size() > 0) {
                    probe();
                }
            }
        }
        if (rtxDeadline == 0 && state != State.CLOSED
                && (handshake || sndMax != sndUna || toGuest != null && toGuest.size() > 0)) {
            armRtx(now);
        }
    }

    /** Closes once both directions are done: the guest's FIN taken and passed on, ours acknowledged. */
    private void maybeFinish(long now) {
        if (!finAcked || !guestFin || toHost == null || !toHost.isEmpty()) {
            return;
        }
        closeHost(false);
        if (state == State.TIME_WAIT) {
            releaseBuffers();
            stateDeadline = now + TIME_WAIT_NANOS;
            proxy.loop().schedule(stateDeadline);
        } else {
            remove();
        }
    }

    /** Resets the guest's side and drops the host's (a host error, a time-out, no memory). */
    void abortWithReset() {
        if (state != State.CLOSED) {
            proxy.stats().increment(NetCounter.TCP_RESETS_SENT);
            emit(Tcp.RST | Tcp.ACK, state == State.CONNECTING ? 0 : sndNxt, 0, 0);
        }
        closeHost(true);
        remove();
    }

    private void closeHost(boolean abortive) {
        if (host == null || !host.isOpen()) {
            return;
        }
        try {
            if (abortive) {
                host.setOption(StandardSocketOptions.SO_LINGER, 0);     // the host peer sees a reset, as the guest did
            }
            host.close();
        } catch (IOException e) {
            // The descriptor is released either way.
        }
        proxy.loop().closedChannel();
    }

    private void releaseBuffers() {
        if (toGuest != null) {
            proxy.pool().give(toGuest.buffer());
            toGuest = null;
        }
        if (toHost != null) {
            proxy.pool().give(toHost.buffer());
            toHost = null;
        }
    }

    /** At the stack's close: drops the host socket and the buffers without a word to the guest. */
    void closeQuietly() {
        state = State.CLOSED;
        closeHost(true);
        releaseBuffers();
    }

    /** Takes the connection out of the table; idempotent. */
    void remove() {
        if (state == State.CLOSED && proxy.get(key) != this) {
            return;
        }
        state = State.CLOSED;
        rtxDeadline = 0;
        stateDeadline = 0;
        closeHost(true);
        releaseBuffers();
        proxy.removed(this);
    }

    @Override
    public String toString() {
        return "tcp " + Ipv4.format(guestAddress) + ":" + guestPort + " - " + Ipv4.format(remoteAddress) + ":" + remotePort
                + " " + state + " to guest " + (toGuest == null ? "-" : toGuest.size()) + " in flight " + (sndNxt - sndUna)
                + "/" + (sndMax - sndUna) + " window " + sndWnd + (hostEof ? " host-eof" : "")
                + " to host " + (toHost == null ? "-" : toHost.size()) + " advertised " + (rcvEdge - rcvNxt)
                + (guestFin ? " guest-fin" : "") + " rto " + rto / 1_000_000 + "ms" + (rtxDeadline != 0 ? " rtx armed" : "")
                + (waitingForLink ? " waiting-for-guest" : "") + " interest " + (hostKey != null && hostKey.isValid() ? hostKey.interestOps() : -1);
    }
}
