package jvisor.kit;

import io.airlift.compress.v3.zstd.ZstdJavaInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Finds kernel modules in an unpacked kernel package and orders them so each comes after the
 * modules it depends on. Debian ships no modules.dep (depmod runs at install time), so the
 * dependencies come from each module's own {@code .modinfo} section. Compressed modules are
 * unpacked here because busybox's insmod reads plain ELF only.
 */
public final class KernelModules {
    /** A module ready for the initramfs: its name, its path there, and its plain ELF bytes. */
    public record Module(String name, String path, byte[] elf) { }

    static final List<String> SUFFIXES = List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz");
    static final int MAX_DEPTH = 32;

    private final Path root;
    private final String version;
    private final Map<String, Path> files = new HashMap<>();
    private final Set<String> builtin;

    /** {@code root} is where the kernel package was unpacked; modules live under lib/modules/VERSION. */
    public KernelModules(Path root, String version) {
        this.root = root;
        this.version = version;
        Path dir = root.resolve("lib/modules").resolve(version);
        if (!Files.isDirectory(dir)) {
            throw new KitException("the kernel package has no lib/modules/" + version);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String n = p.getFileName().toString();
                for (String suffix : SUFFIXES) {
                    if (n.endsWith(suffix)) {
                        files.putIfAbsent(canonical(n.substring(0, n.length() - suffix.length())), p);
                    }
                }
            });
            Path list = dir.resolve("modules.builtin");
            builtin = Files.isRegularFile(list) ? Set.copyOf(Files.readAllLines(list).stream()
                    .map(l -> canonical(l.substring(l.lastIndexOf('/') + 1).replaceAll("\\.ko.*$", ""))).toList())
                    : Set.of();
        } catch (IOException e) {
            throw new KitException("cannot read the kernel's modules: " + e.getMessage());
        }
    }

    /** Module names compare with '-' and '_' as the same, as the kernel does. */
    static String canonical(String name) {
        return name.replace('-', '_');
    }

    /** The named modules and everything they need, dependencies first; built-in ones are left out. */
    public List<Module> resolve(List<String> wanted) {
        Map<String, Module> ordered = new LinkedHashMap<>();
        for (String name : wanted) {
            add(canonical(name), ordered, 0);
        }
        return List.copyOf(ordered.values());
    }

    private void add(String name, Map<String, Module> ordered, int depth) {
        if (ordered.containsKey(name) || builtin.contains(name)) {
            return;
        }
        if (depth > MAX_DEPTH) {
            throw new KitException("module dependencies nest deeper than " + MAX_DEPTH + " at " + name);
        }
        Path file = files.get(name);
        if (file == null) {
            throw new KitException("kernel " + version + " has no module " + name + " (neither a .ko nor built in)");
        }
        byte[] elf = plain(file);
        for (String dependency : dependencies(file.toString(), elf)) {
            add(canonical(dependency), ordered, depth + 1);
        }
        String path = root.relativize(file).toString().replaceAll("\\.ko\\..*$", ".ko");
        ordered.put(name, new Module(name, path, elf));
    }

    private static byte[] plain(Path file) {
        String n = file.getFileName().toString();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = n.endsWith(".xz") ? new XZInputStream(raw)
                     : n.endsWith(".zst") ? new ZstdJavaInputStream(raw)
                     : n.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new KitException("cannot read module " + file + ": " + e.getMessage());
        }
    }

    /** The {@code depends=} list of a module's .modinfo section. */
    static List<String> dependencies(String source, byte[] elf) {
        for (String entry : modinfo(source, elf)) {
            if (entry.startsWith("depends=")) {
                String list = entry.substring("depends=".length());
                return list.isEmpty() ? List.of() : List.of(list.split(","));
            }
        }
        return List.of();
    }

    /** The NUL-separated key=value strings of the .modinfo section. */
    static List<String> modinfo(String source, byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464C_457F || elf[4] != 2) {
            throw new KitException(source + " is not a 64-bit ELF module");
        }
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3A) & 0xFFFF;
        int shnum = b.getShort(0x3C) & 0xFFFF;
        int shstrndx = b.getShort(0x3E) & 0xFFFF;
        if (shentsize < 64 || shstrndx >= shnum || shoff < 0 || shoff + (long) shentsize * shnum > elf.length) {
            throw new KitException(source + " has section headers outside the file");
        }
        long strtab = section(b, shoff, shentsize, shstrndx)[0];
        for (int i = 0; i < shnum; i++) {
            long[] s = section(b, shoff, shentsize, i);
            if (".modinfo".equals(cString(elf, strtab + s[2]))) {
                if (s[0] < 0 || s[1] < 0 || s[0] + s[1] > elf.length) {
                    throw new KitException(source + " has a .modinfo section outside the file");
                }
                String text = new String(elf, (int) s[0], (int) s[1], StandardCharsets.UTF_8);
                List<String> entries = new ArrayList<>();
                for (String e : text.split("\0")) {
                    if (!e.isEmpty()) {
                        entries.add(e);
                    }
                }
                return entries;
            }
        }
        return List.of();
    }

    /** {offset, size, name offset} of section {@code i}. */
    private static long[] section(ByteBuffer b, long shoff, int shentsize, int i) {
        int at = (int) (shoff + (long) i * shentsize);
        return new long[] {b.getLong(at + 0x18), b.getLong(at + 0x20), b.getInt(at) & 0xFFFF_FFFFL};
    }

    private static String cString(byte[] bytes, long at) {
        if (at < 0 || at >= bytes.length) {
            return "";
        }
        int end = (int) at;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, (int) at, end - (int) at, StandardCharsets.UTF_8);
    }
}
