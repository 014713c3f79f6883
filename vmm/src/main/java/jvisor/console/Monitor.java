package jvisor.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import jvisor.boot.MemorySize;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Vmm;

/**
 * The VMM monitor behind Ctrl-A C, as BitVisor's dbgsh is for its VMM: status, the processors
 * and their registers, the exit counters. The VM is paused while the monitor is open, so every
 * processor's state is read while no engine runs it.
 */
final class Monitor {
    private static final int MAX_LINE = 256;

    private final Vmm vmm;
    private final InputStream keyboard;
    private final PrintStream screen;

    Monitor(Vmm vmm, InputStream keyboard, PrintStream screen) {
        this.vmm = vmm;
        this.keyboard = keyboard;
        this.screen = screen;
    }

    void run() throws IOException {
        if (vmm == null) {
            return;
        }
        vmm.pause();
        screen.print("\n(jvisor monitor: the VM is paused; 'help' lists commands)\n");
        try {
            while (!vmm.stopping()) {
                screen.print("(jvisor) ");
                screen.flush();
                String line = readLine();
                if (line == null || !command(line.trim())) {
                    return;
                }
            }
        } finally {
            vmm.resume();
        }
    }

    /** Runs one command; false when the monitor should close. */
    boolean command(String line) {
        String[] words = line.split("\\s+");
        switch (words[0].toLowerCase(Locale.ROOT)) {
            case "" -> { }
            case "help", "?" -> screen.print("""
                    status        engine, processors, memory, uptime
                    cpus          every processor's registers and last exit
                    regs N        processor N's registers
                    stats         exit counters so far
                    continue, c   resume the VM and close the monitor
                    quit, q       stop the VM and jvisor
                    """);
            case "status" -> status();
            case "cpus" -> {
                for (int n = 0; n < vmm.cpuCount(); n++) {
                    regs(n);
                }
            }
            case "regs" -> regs(words.length > 1 ? parse(words[1]) : 0);
            case "stats" -> vmm.printStats(screen);
            case "continue", "c", "cont" -> {
                screen.print("(resuming)\n");
                return false;
            }
            case "quit", "q" -> {
                vmm.requestShutdown(new ShutdownCause.Interrupted("the monitor's quit", 0));
                return false;
            }
            default -> screen.print("unknown command '" + words[0] + "'; 'help' lists commands\n");
        }
        return true;
    }

    private void status() {
        screen.printf("engine      %s%n", vmm.engine().description());
        screen.printf("processors  %d%n", vmm.cpuCount());
        screen.printf("memory      %s%n", MemorySize.format(vmm.config().memory()));
        screen.printf("kernel      %s%n", vmm.config().kernel().name());
        screen.printf("uptime      %.3f s%n", vmm.uptimeNanos() / 1e9);
    }

    private void regs(int n) {
        if (n < 0 || n >= vmm.cpuCount()) {
            screen.printf("no processor %d (there are %d)%n", n, vmm.cpuCount());
            return;
        }
        Processor p = vmm.processor(n);
        screen.println("--- " + p + " ---");
        if (!p.hasVcpu()) {
            screen.println("(no virtual processor yet)");
            return;
        }
        screen.println("last exit: " + p.vcpu().describeExit());
        screen.println(p.vcpu().state());
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads a line in raw mode: echoes, handles backspace, ends at CR or LF. */
    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = keyboard.read();
            if (b < 0) {
                return null;
            }
            if (b == '\r' || b == '\n') {
                screen.print("\n");
                return line.toString();
            }
            if (b == 0x7F || b == 0x08) {
                if (!line.isEmpty()) {
                    line.setLength(line.length() - 1);
                    screen.print("\b \b");
                }
            } else if (b == InteractiveConsole.CTRL_C) {
                screen.print("\n");
                return "continue";
            } else if (b >= 0x20 && b < 0x7F && line.length() < MAX_LINE) {
                line.append((char) b);
                screen.print((char) b);
            }
            screen.flush();
        }
    }
}
