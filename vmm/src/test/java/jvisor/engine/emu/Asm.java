package jvisor.engine.emu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Assembles test snippets with the system's GNU assembler (AT&T syntax), so instruction tests
 * read as instructions rather than hex. Results are cached per source text.
 */
public final class Asm {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private Asm() { }

    public static byte[] code64(String source) {
        return assemble(".code64\n" + source);
    }

    public static byte[] code32(String source) {
        return assemble(".code32\n" + source);
    }

    public static byte[] code16(String source) {
        return assemble(".code16\n" + source);
    }

    /** Assembles {@code source} (Intel syntax) and returns its .text section. */
    public static byte[] assemble(String source) {
        return CACHE.computeIfAbsent(source, s -> run(s, ".text"));
    }

    /** Assembles and links {@code source} to run at {@code origin}, so labels have absolute addresses. */
    public static byte[] at(long origin, String source) {
        return CACHE.computeIfAbsent(origin + "@" + source, k -> link(source, origin));
    }

    private static byte[] link(String source, long origin) {
        try {
            Path dir = Files.createTempDirectory("jvisor-asm");
            try {
                Path src = dir.resolve("t.s");
                Path obj = dir.resolve("t.o");
                Path elf = dir.resolve("t.elf");
                Path bin = dir.resolve("t.bin");
                Files.writeString(src, ".intel_syntax noprefix\n" + source + "\n", StandardCharsets.US_ASCII);
                exec(List.of("as", "--64", "-o", obj.toString(), src.toString()));
                exec(List.of("ld", "-m", "elf_x86_64", "-Ttext", "0x" + Long.toHexString(origin), "-e", "0",
                        "-o", elf.toString(), obj.toString()));
                exec(List.of("objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString()));
                return Files.readAllBytes(bin);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Assembles {@code source} and returns its .text and .data sections. */
    public static byte[][] textAndData(String source) {
        return new byte[][] {run(source, ".text"), run(source, ".data")};
    }

    private static byte[] run(String source, String section) {
        try {
            Path dir = Files.createTempDirectory("jvisor-asm");
            try {
                Path src = dir.resolve("t.s");
                Path obj = dir.resolve("t.o");
                Path bin = dir.resolve("t.bin");
                Files.writeString(src, ".intel_syntax noprefix\n" + source + "\n", StandardCharsets.US_ASCII);
                exec(List.of("as", "--64", "-o", obj.toString(), src.toString()));
                exec(List.of("objcopy", "-O", "binary", "-j", section, obj.toString(), bin.toString()));
                return Files.readAllBytes(bin);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void exec(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalArgumentException(command.get(0) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
