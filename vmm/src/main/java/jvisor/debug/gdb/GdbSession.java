package jvisor.debug.gdb;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.HexFormat;
import jvisor.core.ShutdownCause;
import jvisor.debug.LinearMemory;
import jvisor.engine.CpuState;
import jvisor.engine.GuestDebug;

/**
 * One gdb connection's commands. Every request is parsed defensively: a number that does not
 * parse, a thread that does not exist or a size out of range is answered with an error packet,
 * and only broken framing ({@link GdbProtocolException}) ends the connection.
 */
final class GdbSession {
    /** Largest m/M transfer; gdb splits bigger ones by the PacketSize we advertise. */
    static final int MAX_MEMORY = 0x1000;
    private static final HexFormat HEX = HexFormat.of();

    private final GdbStub stub;
    /** Processor for register and memory requests (Hg), and the one 's'/'c' act on (Hc); -1 = all. */
    private int gThread;
    private int cThread = -1;

    GdbSession(GdbStub stub) {
        this.stub = stub;
    }

    void run(GdbPackets link, Socket socket) throws IOException {
        gThread = 0;
        cThread = -1;
        stub.haltAll(0, 5);
        int first = stub.awaitStop(null, socket);
        if (first < 0) {
            link.write("W00");
            return;
        }
        gThread = first;
        while (true) {
            String packet = link.read();
            if (packet.equals("\u0003")) {
                continue; // already stopped
            }
            String reply;
            try {
                reply = handle(packet, link, socket);
            } catch (RuntimeException e) {
                reply = "E01"; // malformed numbers and the like: an error for this request only
            }
            if (reply == null) {
                return; // k or D
            }
            link.write(reply);
        }
    }

    /** The reply to one packet; null ends the session after an OK where the protocol wants one. */
    String handle(String p, GdbPackets link, Socket socket) throws IOException {
        if (p.isEmpty()) {
            return "";
        }
        char cmd = p.charAt(0);
        return switch (cmd) {
            case '?' -> stopReply(currentStop());
            case 'g' -> readRegisters();
            case 'G' -> writeRegisters(p.substring(1));
            case 'p' -> readRegister(p.substring(1));
            case 'P' -> writeRegister(p.substring(1));
            case 'm' -> readMemory(p.substring(1));
            case 'M' -> writeMemory(p.substring(1));
            case 'H' -> setThread(p.substring(1));
            case 'T' -> threadAlive(p.substring(1)) ? "OK" : "E01";
            case 'c', 'C' -> resumeAndWait(GdbStub.CONTINUE, cmd == 'c' ? p.substring(1) : skipSignal(p), link, socket);
            case 's', 'S' -> resumeAndWait(GdbStub.STEP, cmd == 's' ? p.substring(1) : skipSignal(p), link, socket);
            case 'v' -> vPacket(p, link, socket);
            case 'Z', 'z' -> breakpoint(p);
            case 'q' -> query(p);
            case 'Q' -> "";
            case 'k' -> {
                stub.vmm().requestShutdown(new ShutdownCause.PowerOff("killed by gdb"));
                yield null;
            }
            case 'D' -> {
                link.write("OK");
                yield null;
            }
            default -> "";
        };
    }

    private int currentStop() {
        return Math.max(0, gThread);
    }

    private String stopReply(int cpu) {
        return String.format("T%02x%sthread:%x;", stub.stopSignal(), stub.stopReason(cpu), cpu + 1);
    }

    private String skipSignal(String p) {
        int semi = p.indexOf(';');
        return semi < 0 ? "" : p.substring(semi + 1);
    }

    // ---- registers ----

    private CpuState gState() {
        CpuState s = stub.state(gThread < 0 ? 0 : gThread);
        if (s == null) {
            throw new IllegalStateException("processor not parked");
        }
        return s;
    }

    private String readRegisters() {
        return HEX.formatHex(GdbRegisters.encode(gState()));
    }

    private String writeRegisters(String hex) {
        byte[] f = HEX.parseHex(hex);
        if (f.length != GdbRegisters.FILE_SIZE) {
            return "E01";
        }
        return stub.setState(Math.max(0, gThread), GdbRegisters.decode(gState(), f)) ? "OK" : "E01";
    }

    private String readRegister(String arg) {
        int n = Integer.parseInt(arg, 16);
        if (n < 0 || n >= GdbRegisters.COUNT) {
            return "E01";
        }
        byte[] f = GdbRegisters.encode(gState());
        int at = GdbRegisters.offset(n);
        return HEX.formatHex(f, at, at + GdbRegisters.size(n));
    }

    private String writeRegister(String arg) {
        int eq = arg.indexOf('=');
        int n = Integer.parseInt(arg.substring(0, eq), 16);
        byte[] v = HEX.parseHex(arg.substring(eq + 1));
        if (n < 0 || n >= GdbRegisters.COUNT || v.length != GdbRegisters.size(n)) {
            return "E01";
        }
        CpuState s = gState();
        byte[] f = GdbRegisters.encode(s);
        System.arraycopy(v, 0, f, GdbRegisters.offset(n), v.length);
        return stub.setState(Math.max(0, gThread), GdbRegisters.decode(s, f)) ? "OK" : "E01";
    }

    // ---- memory, through the selected processor's page tables ----

    private LinearMemory memory() {
        return new LinearMemory(stub.vmm().ram(), gState());
    }

    private String readMemory(String arg) {
        int comma = arg.indexOf(',');
        long address = Long.parseUnsignedLong(arg.substring(0, comma), 16);
        int length = Integer.parseInt(arg.substring(comma + 1), 16);
        if (length < 0 || length > MAX_MEMORY) {
            return "E01";
        }
        byte[] b = memory().read(address, length);
        return b.length == 0 && length > 0 ? "E0e" : HEX.formatHex(b);
    }

    private String writeMemory(String arg) {
        int comma = arg.indexOf(',');
        int colon = arg.indexOf(':');
        long address = Long.parseUnsignedLong(arg.substring(0, comma), 16);
        int length = Integer.parseInt(arg.substring(comma + 1, colon), 16);
        byte[] data = HEX.parseHex(arg.substring(colon + 1));
        if (length != data.length || length > MAX_MEMORY) {
            return "E01";
        }
        return memory().write(address, data) == data.length ? "OK" : "E0e";
    }

    // ---- threads ----

    /** gdb's thread id to a processor number: -1 stays "all", 0 is "any" (processor 0). */
    private int processorOf(String id) {
        if (id.equals("-1")) {
            return -1;
        }
        int t = Integer.parseInt(id, 16);
        if (t == 0) {
            return 0;
        }
        if (t < 1 || t > stub.processors()) {
            throw new IllegalArgumentException("no thread " + id);
        }
        return t - 1;
    }

    private String setThread(String arg) {
        if (arg.isEmpty()) {
            return "E01";
        }
        int cpu = processorOf(arg.substring(1));
        switch (arg.charAt(0)) {
            case 'g' -> gThread = Math.max(0, cpu);
            case 'c' -> cThread = cpu;
            default -> {
                return "E01";
            }
        }
        return "OK";
    }

    private boolean threadAlive(String id) {
        int t = Integer.parseInt(id, 16);
        return t >= 1 && t <= stub.processors();
    }

    // ---- running ----

    private String resumeAndWait(int how, String address, GdbPackets link, Socket socket) throws IOException {
        int[] actions = new int[stub.processors()];
        int target = cThread < 0 ? currentStop() : cThread;
        if (how == GdbStub.STEP) {
            actions[target] = GdbStub.STEP; // the others stay stopped while one steps
        } else {
            Arrays.fill(actions, GdbStub.CONTINUE);
        }
        if (!address.isEmpty()) {
            CpuState s = stub.state(target);
            if (s == null) {
                return "E01";
            }
            stub.setState(target, s.withRegs(s.regs().withRip(Long.parseUnsignedLong(address, 16))));
        }
        return run(actions, link, socket);
    }

    private String run(int[] actions, GdbPackets link, Socket socket) throws IOException {
        stub.resume(actions);
        int cpu = stub.awaitStop(link, socket);
        if (cpu < 0) {
            ShutdownCause cause = stub.vmm().shutdownCause();
            return String.format("W%02x", cause == null ? 0 : cause.exitStatus() & 0xFF);
        }
        gThread = cpu;
        return stopReply(cpu);
    }

    private String vPacket(String p, GdbPackets link, Socket socket) throws IOException {
        if (p.equals("vCont?")) {
            return "vCont;c;C;s;S";
        }
        if (p.startsWith("vCont;")) {
            int n = stub.processors();
            int[] actions = new int[n];
            boolean[] set = new boolean[n];
            for (String part : p.substring(6).split(";")) {
                if (part.isEmpty()) {
                    return "E01";
                }
                int colon = part.indexOf(':');
                String what = colon < 0 ? part : part.substring(0, colon);
                int how = switch (what.charAt(0)) {
                    case 'c', 'C' -> GdbStub.CONTINUE;
                    case 's', 'S' -> GdbStub.STEP;
                    case 't' -> GdbStub.STAY;
                    default -> -1;
                };
                if (how < 0) {
                    return "E01";
                }
                int cpu = colon < 0 ? -1 : processorOf(part.substring(colon + 1));
                for (int i = 0; i < n; i++) {
                    // The leftmost action that matches a thread applies to it.
                    if (!set[i] && (cpu < 0 || cpu == i)) {
                        actions[i] = how;
                        set[i] = true;
                    }
                }
            }
            return run(actions, link, socket);
        }
        if (p.startsWith("vKill")) {
            stub.vmm().requestShutdown(new ShutdownCause.PowerOff("killed by gdb"));
            link.write("OK");
            return null;
        }
        return ""; // vMustReplyEmpty and everything else we do not support
    }

    // ---- breakpoints ----

    private String breakpoint(String p) {
        String[] f = p.substring(1).split(",");
        if (f.length < 2) {
            return "E01";
        }
        int type = Integer.parseInt(f[0]);
        long address = Long.parseUnsignedLong(f[1], 16);
        if (type >= 2 && type <= 4) {
            return f.length < 3 ? "E01" : watchpoint(p.charAt(0) == 'Z', type, address, Integer.parseInt(f[2], 16));
        }
        if (type != 0 && type != 1) {
            return "";
        }
        // Breakpoints are the engine's, not 0xCC in guest memory: software and hardware ones are the same.
        if (p.charAt(0) == 'Z') {
            return stub.addBreakpoint(address) ? "OK" : "E0c";
        }
        stub.removeBreakpoint(address);
        return "OK";
    }

    /** Z2 (write), Z3 (read), Z4 (access) and their z: "" where the engine cannot watch so. */
    private String watchpoint(boolean insert, int type, long address, int length) {
        if (length <= 0 || length > GuestDebug.Watchpoint.MAX_LENGTH
                || Long.compareUnsigned(address + length - 1, address) < 0) {
            return "E01";
        }
        GuestDebug.Access access = switch (type) {
            case 2 -> GuestDebug.Access.WRITE;
            case 3 -> GuestDebug.Access.READ;
            default -> GuestDebug.Access.ACCESS;
        };
        GuestDebug.Watchpoint w = new GuestDebug.Watchpoint(address, length, access);
        if (!insert) {
            stub.removeWatchpoint(w);
            return "OK";
        }
        return switch (stub.addWatchpoint(w)) {
            case OK -> "OK";
            case FULL -> "E0c";
            case UNSUPPORTED -> "";
        };
    }

    // ---- queries ----

    private String query(String p) {
        if (p.startsWith("qSupported")) {
            return "PacketSize=" + Integer.toHexString(2 * MAX_MEMORY + 64) + ";qXfer:features:read+;vContSupported+"
                    + ";swbreak-;hwbreak-";
        }
        if (p.startsWith("qXfer:features:read:")) {
            String rest = p.substring("qXfer:features:read:".length());
            int colon = rest.indexOf(':');
            if (colon < 0 || !rest.substring(0, colon).equals("target.xml")) {
                return "E00";
            }
            String[] range = rest.substring(colon + 1).split(",");
            int offset = Integer.parseInt(range[0], 16);
            int length = Integer.parseInt(range[1], 16);
            String xml = GdbRegisters.TARGET_XML;
            if (offset < 0 || length < 0 || offset > xml.length()) {
                return "E01";
            }
            int end = (int) Math.min(xml.length(), (long) offset + length);
            return (end == xml.length() ? "l" : "m") + xml.substring(offset, end);
        }
        if (p.equals("qfThreadInfo")) {
            StringBuilder sb = new StringBuilder("m");
            for (int i = 0; i < stub.processors(); i++) {
                sb.append(i == 0 ? "" : ",").append(Integer.toHexString(i + 1));
            }
            return sb.toString();
        }
        if (p.equals("qsThreadInfo")) {
            return "l";
        }
        if (p.equals("qC")) {
            return "QC" + Integer.toHexString(Math.max(0, gThread) + 1);
        }
        if (p.equals("qAttached")) {
            return "1";
        }
        if (p.startsWith("qThreadExtraInfo,")) {
            int cpu = processorOf(p.substring("qThreadExtraInfo,".length()));
            String text = "Processor " + Math.max(0, cpu) + (cpu <= 0 ? " (BSP)" : " (AP)");
            return HEX.formatHex(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        if (p.startsWith("qSymbol")) {
            return "OK";
        }
        return "";
    }
}
