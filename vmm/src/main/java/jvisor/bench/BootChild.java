package jvisor.bench;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.core.VmmMain;
import jvisor.engine.emu.EmuCpu;

/**
 * The emu side of {@code bench boot}, run in a fresh JVM per round so every round pays what a
 * user's boot pays (JVM start, class loading, the JIT warming up): boots the kernel on the emu
 * engine with the guest's serial output on standard output, unbuffered so the parent sees each
 * line as it is written, then reports on standard error the instructions retired and the CPU
 * seconds of the processors' threads, of HotSpot's compilers and of tier 1 ({@link ThreadCpu}).
 * Arguments: kernel initrd memory-bytes cpus cmdline.
 */
final class BootChild {
    static final String INSTRUCTIONS = "jvisor-bench: instructions ";
    /** How often the processors' CPU times are read: a processor's thread that ends loses at most this much. */
    private static final long CPU_SAMPLE_MILLIS = 100;
    /**
     * Every how many samples all threads are listed, to find the processors' threads (each
     * reports its total, so finding one late loses nothing).
     */
    private static final int CPU_SAMPLES_PER_LISTING = 20;

    private BootChild() { }

    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: BootChild kernel initrd memory-bytes cpus cmdline");
            System.exit(2);
        }
        BootConfig config = BootConfig.of(new GuestImage.File(Path.of(args[0])))
                .withInitrd(new GuestImage.File(Path.of(args[1])))
                .withMemory(Long.parseLong(args[2]))
                .withCpus(Integer.parseInt(args[3]))
                .withCmdline(args[4])
                .withEngine(EngineChoice.EMU);
        PrintStream serial = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.ISO_8859_1);
        ThreadCpu cpu = new ThreadCpu();
        if (ThreadCpu.available()) {
            Thread.ofPlatform().daemon().name("jvisor-bench-cpu").start(() -> {
                for (int n = 0; ; n++) {
                    if (n % CPU_SAMPLES_PER_LISTING == 0) {
                        cpu.sample();
                    } else {
                        cpu.sampleProcessors();
                    }
                    try {
                        Thread.sleep(CPU_SAMPLE_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
        int status = VmmMain.run(config, new Console(null, serial, System.err));
        System.err.println(INSTRUCTIONS + EmuCpu.retiredInThisJvm());
        if (ThreadCpu.available()) {
            cpu.sample();
            System.err.println(ThreadCpu.Split.PREFIX + cpu.split().format());
        }
        System.err.flush();
        System.exit(status);
    }
}
