package jvisor.debug.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jvisor.boot.BadInputException;

/**
 * Function entry points by address, from a Linux System.map ("ffffffff81000000 T _text") or an ELF
 * file's symbol table (functions and untyped code labels). Only exact entry addresses count: the
 * tracer asks whether a call lands on one.
 */
public final class Symbols {
    private final Map<Long, Integer> byAddress;
    private final List<String> names;
    /** An open-addressing copy of byAddress: the tracer looks up every call without boxing. */
    private final long[] keys;
    private final int[] values;
    private final int mask;

    private Symbols(Map<Long, Integer> byAddress, List<String> names) {
        this.byAddress = byAddress;
        this.names = names;
        int capacity = Integer.highestOneBit(Math.max(16, byAddress.size() * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        java.util.Arrays.fill(values, -1);
        mask = capacity - 1;
        for (Map.Entry<Long, Integer> e : byAddress.entrySet()) {
            int h = hash(e.getKey());
            while (values[h] >= 0) {
                h = (h + 1) & mask;
            }
            keys[h] = e.getKey();
            values[h] = e.getValue();
        }
    }

    private int hash(long address) {
        long x = address * 0x9E37_79B9_7F4A_7C15L;
        return (int) (x >>> 40) & mask;
    }

    /** The symbol starting at {@code address}, or -1. */
    public int at(long address) {
        int h = hash(address);
        while (true) {
            int v = values[h];
            if (v < 0 || keys[h] == address) {
                return v;
            }
            h = (h + 1) & mask;
        }
    }

    public String name(int symbol) {
        return names.get(symbol);
    }

    /**
     * Whether {@code symbol} is a compiler thunk (Linux's return and retpoline thunks, and those
     * of the Indirect Target Selection mitigation, which kernels since 2025 use on affected Intel
     * parts): code every function passes through on its way out or to an indirect target, not a
     * function of its own.
     */
    public boolean thunk(int symbol) {
        String n = names.get(symbol);
        return n.startsWith("__x86_return_thunk") || n.startsWith("__x86_indirect_thunk_")
                || n.startsWith("__x86_indirect_call_thunk_") || n.startsWith("__x86_indirect_jump_thunk_")
                || n.startsWith("__x86_indirect_its_thunk_") || n.equals("its_return_thunk");
    }

    public int size() {
        return names.size();
    }

    /** The address of {@code name}, or -1 (for tests and messages). */
    public long address(String name) {
        for (Map.Entry<Long, Integer> e : byAddress.entrySet()) {
            if (names.get(e.getValue()).equals(name)) {
                return e.getKey();
            }
        }
        return -1;
    }

    public static Symbols load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException("--symbols " + file + ": " + e.getMessage());
        }
        if (jvisor.guest.linux.SetupHeader.present(bytes)) {
            bytes = decompressed(bytes, file);
        }
        boolean elf = bytes.length >= 4 && bytes[0] == 0x7F && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
        Symbols s = elf ? fromElf(bytes, file) : fromSystemMap(new String(bytes, StandardCharsets.ISO_8859_1));
        if (s.size() == 0) {
            // A stripped vmlinux (or a bzImage's): the kernel's own kallsyms tables.
            Builder b = new Builder();
            Kallsyms.read(bytes, b::add);
            s = b.build();
        }
        if (s.size() == 0) {
            throw new BadInputException("--symbols " + file + ": no function symbols found");
        }
        return s;
    }

    /** A bzImage's kernel, decompressed (through jvisor's cache of decompressed kernels). */
    private static byte[] decompressed(byte[] bzImage, Path file) {
        try {
            var payload = new jvisor.guest.linux.KernelPayload(
                    jvisor.guest.linux.SetupHeader.parse(file.toString(), bzImage), bzImage);
            try (var vmlinux = jvisor.guest.linux.VmlinuxCache.forUser().decompress(bzImage, payload)) {
                return vmlinux.bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            }
        } catch (RuntimeException e) {
            throw new BadInputException("--symbols " + file + ": cannot unpack this kernel: " + e.getMessage());
        }
    }

    static Symbols fromSystemMap(String text) {
        Builder b = new Builder();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[1].length() != 1 || "tTwW".indexOf(f[1].charAt(0)) < 0) {
                continue;
            }
            try {
                b.add(Long.parseUnsignedLong(f[0], 16), f[2]);
            } catch (NumberFormatException e) {
                // not a symbol line
            }
        }
        return b.build();
    }

    private static Symbols fromElf(byte[] bytes, Path file) {
        try {
            return parseElf(bytes);
        } catch (RuntimeException e) {
            throw new BadInputException("--symbols " + file + ": not a usable ELF file (" + e.getMessage() + ")");
        }
    }

    private static Symbols parseElf(byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(bytes[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        boolean is64 = bytes[4] == 2;
        long shoff = is64 ? bb.getLong(0x28) : bb.getInt(0x20) & 0xFFFF_FFFFL;
        int shentsize = bb.getShort(is64 ? 0x3A : 0x2E) & 0xFFFF;
        int shnum = bb.getShort(is64 ? 0x3C : 0x30) & 0xFFFF;
        Builder b = new Builder();
        for (int i = 0; i < shnum; i++) {
            int sh = Math.toIntExact(shoff + (long) i * shentsize);
            if (bb.getInt(sh + 4) != 2) { // SHT_SYMTAB
                continue;
            }
            long off = is64 ? bb.getLong(sh + 0x18) : bb.getInt(sh + 0x10) & 0xFFFF_FFFFL;
            long size = is64 ? bb.getLong(sh + 0x20) : bb.getInt(sh + 0x14) & 0xFFFF_FFFFL;
            int link = bb.getInt(sh + (is64 ? 0x28 : 0x18));
            long entsize = is64 ? bb.getLong(sh + 0x38) : bb.getInt(sh + 0x24) & 0xFFFF_FFFFL;
            int str = Math.toIntExact(shoff + (long) link * shentsize);
            long strOff = is64 ? bb.getLong(str + 0x18) : bb.getInt(str + 0x10) & 0xFFFF_FFFFL;
            if (entsize <= 0) {
                continue;
            }
            for (long at = off; at + entsize <= off + size; at += entsize) {
                int e = Math.toIntExact(at);
                int nameOff = bb.getInt(e);
                int info = bytes[e + (is64 ? 4 : 12)] & 0xFF;
                int shndx = bb.getShort(e + (is64 ? 6 : 14)) & 0xFFFF;
                long value = is64 ? bb.getLong(e + 8) : bb.getInt(e + 4) & 0xFFFF_FFFFL;
                int type = info & 0xF;
                if ((type != 2 && type != 0) || shndx == 0 || shndx >= 0xFF00 || value == 0 || nameOff == 0) {
                    continue; // only functions (STT_FUNC) and code labels (STT_NOTYPE) with a section
                }
                String name = cString(bytes, Math.toIntExact(strOff + nameOff));
                if (!name.isEmpty() && !name.startsWith(".")) {
                    b.add(value, name, type == 2);
                }
            }
        }
        return b.build();
    }

    private static String cString(byte[] b, int at) {
        int end = at;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, at, end - at, StandardCharsets.ISO_8859_1);
    }

    /** Keeps one name per address: a function before a label, else the first seen. */
    private static final class Builder {
        private final Map<Long, Integer> byAddress = new HashMap<>();
        private final List<String> names = new ArrayList<>();
        private final List<Boolean> functions = new ArrayList<>();

        void add(long address, String name) {
            add(address, name, true);
        }

        void add(long address, String name, boolean function) {
            Integer old = byAddress.get(address);
            if (old == null) {
                byAddress.put(address, names.size());
                names.add(name);
                functions.add(function);
            } else if (function && !functions.get(old)) {
                names.set(old, name);
                functions.set(old, true);
            }
        }

        Symbols build() {
            return new Symbols(byAddress, names);
        }
    }
}
