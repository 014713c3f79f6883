package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.core.VmmMain;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guest time on the emu engine keeps pace with host time: Debian's kernel keeps its TSC as the
 * clocksource (its watchdog never marks it unstable) and the uptime /init reads matches the host
 * time since the kernel's clock started. The serial console is read without {@code quiet}, each
 * line stamped with the host time it arrived: a printk line's arrival minus its timestamp is at
 * least the host time at which the kernel's clock read zero (exactly that plus the console's
 * latency), so the smallest such difference places the kernel's zero on the host's time line.
 */
@Tag("slow")
@Timeout(600)
class LinuxTimekeepingTest {
    private static final Pattern PRINTK = Pattern.compile("^\\[\\s*(\\d+\\.\\d+)\\] ");
    /** How far guest uptime may stray from host time over the boot. */
    private static final double TOLERANCE = 0.05;

    @Test
    void theKernelKeepsItsTscAndItsUptimeKeepsPaceWithTheHost() {
        GuestKit.Kit kit = TestKits.kit();
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline("console=ttyS0 cryptomgr.notests " + InitScript.TEST_OPTION)
                .withCpus(1)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU);
        TimedLines serial = new TimedLines();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = VmmMain.run(config, new Console(null, new PrintStream(serial, true, StandardCharsets.ISO_8859_1),
                new PrintStream(log, true, StandardCharsets.UTF_8)));
        String transcript = serial.transcript() + "\n--- log ---\n" + log;

        assertEquals(0, status, transcript);
        assertFalse(transcript.contains("Marking clocksource 'tsc-early' as unstable"), transcript);
        assertFalse(transcript.contains("Marking TSC unstable"), transcript);
        assertTrue(transcript.contains("clocksource: Switched to clocksource tsc\r\n")
                || transcript.contains("clocksource: Switched to clocksource tsc\n"), transcript);

        long kernelZero = Long.MAX_VALUE;
        double uptime = -1;
        long uptimeArrived = 0;
        for (TimedLines.Line line : serial.lines()) {
            Matcher printk = PRINTK.matcher(line.text());
            if (printk.find()) {
                long stamp = Math.round(Double.parseDouble(printk.group(1)) * 1e9);
                kernelZero = Math.min(kernelZero, line.nanos() - stamp);
            } else if (line.text().startsWith(InitScript.UPTIME_PREFIX)) {
                uptime = Double.parseDouble(line.text().substring(InitScript.UPTIME_PREFIX.length()).trim());
                uptimeArrived = line.nanos();
            }
        }
        assertTrue(uptime > 0 && kernelZero != Long.MAX_VALUE, transcript);
        double hostSeconds = (uptimeArrived - kernelZero) / 1e9;
        double ratio = uptime / hostSeconds;
        System.out.printf("guest uptime %.2f s at /init, host time since the kernel's clock started %.2f s (%.1f%%)%n",
                uptime, hostSeconds, 100 * ratio);
        assertTrue(Math.abs(1 - ratio) <= TOLERANCE, "uptime " + uptime + " s against " + hostSeconds
                + " s of host time\n" + transcript);
    }

    /** An output stream that remembers each line with the host time (System.nanoTime) it was completed. */
    static final class TimedLines extends OutputStream {
        record Line(long nanos, String text) { }

        private final List<Line> lines = new ArrayList<>();
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = current.toString(StandardCharsets.ISO_8859_1);
                lines.add(new Line(System.nanoTime(), text.endsWith("\r") ? text.substring(0, text.length() - 1) : text));
                current.reset();
            } else {
                current.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }

        synchronized List<Line> lines() {
            return List.copyOf(lines);
        }

        synchronized String transcript() {
            StringBuilder s = new StringBuilder();
            for (Line l : lines) {
                s.append(l.text()).append('\n');
            }
            return s.append(current.toString(StandardCharsets.ISO_8859_1)).toString();
        }
    }
}
