package jvisor.engine.emu.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How HotSpot compiles regions, seen in a JVM started as the jvisor script starts it: with the
 * WhiteBox API open, each region's run method is compiled once, by C1 without profiling, from
 * the start, blocking the thread that asked, and a region recompiled for C2 is compiled before the
 * processor switches to it; without it, HotSpot's tiers compile regions with profiling first.
 */
class JitPolicyTest {
    /** A PrintCompilation line of a region's run method: the attributes ('b': a blocking compile), the tier, the class. */
    private static final Pattern WARM_RUN = Pattern.compile(
            " ([%s!bn ]{4,5}) (\\d)\\s+jvisor\\.engine\\.emu\\.region\\.Warm_[0-9a-f]+/(\\S+)::run ");

    /**
     * A PrintCompilation line of the run method of a region recompiled for C2: the attributes ('%':
     * a loop's), the tier, the class.
     */
    private static final Pattern HOT_RUN = Pattern.compile(
            " ([%s!bn ]{4,5}) (\\d)\\s+jvisor\\.engine\\.emu\\.region\\.Hot_[0-9a-f]+/(\\S+)::run ");

    /**
     * The child JVM's guest: two loops, each a region, run long enough for HotSpot to compile them
     * (with an argument, long enough to be recompiled for C2 after that many instructions).
     */
    public static void main(String[] args) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            if (args.length > 0) {
                m.cpu.setPromoteAfter(Long.parseLong(args[0]));
            }
            ExitReason r = m.run64("""
                    mov ecx, 3000000
                    xor eax, eax
                    1: add eax, ecx
                    dec ecx
                    jnz 1b
                    mov ecx, 3000000
                    2: sub eax, ecx
                    dec ecx
                    jnz 2b
                    cli
                    hlt
                    """);
            if (r != ExitReason.HLT || m.reg(Cpu.RAX) != 0) {
                System.err.println("the guest ended with " + r + ", rax " + m.reg(Cpu.RAX));
                System.exit(1);
            }
        }
    }

    @Test
    void withTheWhiteBoxApiEachRegionIsCompiledFirstByC1WithoutProfiling(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path whiteBox = whiteBoxJar(dir);
        List<String> out = run(dir, "-XX:+UnlockDiagnosticVMOptions", "-XX:+WhiteBoxAPI",
                "-Xbootclasspath/a:" + whiteBox);
        Map<String, Integer> first = firstTiers(out);
        assertFalse(first.isEmpty(), "no region was compiled");
        first.forEach((region, tier) -> assertEquals(1, tier, "the first compile of " + region));
        // Blocking (the directive): the background compiler publishes a region only once C1 has compiled it.
        for (String line : out) {
            Matcher m = WARM_RUN.matcher(line);
            if (m.find() && !line.contains("made not entrant")) {
                assertTrue(m.group(1).contains("b"), "not a blocking compile: " + line);
            }
        }
        assertTrue(out.stream().anyMatch(line -> WARM_RUN.matcher(line).find()), "attributes not found in " + out);
    }

    /**
     * A region recompiled for C2 is compiled by C1 with profiling, from its entry, before the
     * processor runs it: run first, it started in HotSpot's interpreter and was compiled on
     * reaching a loop's back branch ('%', on-stack replacement).
     */
    @Test
    void withTheWhiteBoxApiARegionRecompiledForC2IsCompiledBeforeItRuns(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path whiteBox = whiteBoxJar(dir);
        List<String> out = runWith(dir, List.of("1000000"), "-XX:+UnlockDiagnosticVMOptions", "-XX:+WhiteBoxAPI",
                "-Xbootclasspath/a:" + whiteBox);
        Map<String, String> first = new LinkedHashMap<>();
        for (String line : out) {
            Matcher m = HOT_RUN.matcher(line);
            if (m.find()) {
                first.putIfAbsent(m.group(3), m.group(2) + " '" + m.group(1) + "'");
            }
        }
        assertFalse(first.isEmpty(), "no region was recompiled for C2: " + out);
        first.forEach((region, compile) -> assertTrue(compile.startsWith("3 ") && !compile.contains("%"),
                "the first compile of " + region + ": tier and attributes " + compile));
    }

    @Test
    void withTheScriptsOptionsHotSpotWritesNothingToTheGuestsConsole(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path whiteBox = whiteBoxJar(dir);
        Path directives = dir.resolve(JitPolicy.DIRECTIVES);
        Files.writeString(directives, JitPolicy.directive());
        // Without -DisplayVMOutput: a warning for each WhiteBox native we leave out, and the directive's line.
        List<String> loud = run(dir, "-XX:+UnlockDiagnosticVMOptions", "-XX:+WhiteBoxAPI",
                "-Xbootclasspath/a:" + whiteBox, "-XX:CompilerDirectivesFile=" + directives);
        assertTrue(loud.stream().anyMatch(line -> line.contains("NoSuchMethodError")), "standard output " + loud);
        List<String> quiet = run(dir, "-XX:+UnlockDiagnosticVMOptions", "-XX:-DisplayVMOutput", "-XX:+WhiteBoxAPI",
                "-Xbootclasspath/a:" + whiteBox, "-XX:CompilerDirectivesFile=" + directives);
        assertEquals(List.of(), quiet);
    }

    @Test
    void withoutItHotSpotsTiersProfileRegionsFirst(@TempDir Path dir) throws IOException, InterruptedException {
        Map<String, Integer> first = firstTiers(run(dir));
        assertFalse(first.isEmpty(), "no region was compiled");
        assertTrue(first.values().stream().allMatch(tier -> tier == 2 || tier == 3), "first tiers " + first);
    }

    @Test
    void theDirectiveMatchesTheRegionsClassesAndHotSpotTakesItFromTheCommandLine(@TempDir Path dir)
            throws IOException, InterruptedException {
        String directive = JitPolicy.directive();
        assertTrue(directive.contains("\"jvisor/engine/emu/region/" + RegionCompiler.WARM_PREFIX + "*.*\""), directive);
        assertFalse(directive.contains(RegionCompiler.HOT_PREFIX), directive);
        Path file = dir.resolve(JitPolicy.DIRECTIVES);
        Files.writeString(file, directive);
        List<String> out = run(dir, "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + file, "-version");
        // Two: blocking C1-only compiles for the regions, C1 only for the code that writes them.
        assertTrue(out.contains("2 compiler directives added"), "HotSpot said " + out);
        // This JVM was started without it, so the directive is added at run time here.
        assertFalse(JitPolicy.givenAtStart(directive));
    }

    /** The tier of each region's first compile, from HotSpot's PrintCompilation lines. */
    private static Map<String, Integer> firstTiers(List<String> lines) {
        Map<String, Integer> first = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = WARM_RUN.matcher(line);
            if (m.find() && !line.contains("made not entrant")) {
                first.putIfAbsent(m.group(3), Integer.parseInt(m.group(2)));
            }
        }
        return first;
    }

    /** The WhiteBox class alone in a jar, as the build makes jvisor-whitebox.jar. */
    private static Path whiteBoxJar(Path dir) throws IOException {
        Path jar = dir.resolve("whitebox.jar");
        String entry = "jdk/test/whitebox/WhiteBox.class";
        try (InputStream in = ClassLoader.getSystemResourceAsStream(entry);
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            assertTrue(in != null, entry + " is not on the class path");
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
        }
        return jar;
    }

    /** Runs {@link #main} (or only -version) in a JVM with {@code options}; returns its standard output's lines. */
    private static List<String> run(Path dir, String... options) throws IOException, InterruptedException {
        return runWith(dir, List.of(), options);
    }

    /** As {@link #run}, with {@code args} for {@link #main}. */
    private static List<String> runWith(Path dir, List<String> args, String... options)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m",
                "-XX:CompileCommand=quiet", "-XX:+PrintCompilation"));
        cmd.addAll(List.of(options));
        if (!cmd.contains("-version")) {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JitPolicyTest.class.getName()));
            cmd.addAll(args);
        }
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        assertEquals(0, p.waitFor(), () -> "the child JVM failed: " + read(dir.resolve("err.txt")));
        return Files.readAllLines(out);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
