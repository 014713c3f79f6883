package jvisor.engine.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every template of {@link InstructionForms} (or of another catalog) instantiated several times
 * with random registers, displacements and immediates, all assembled in one run of the
 * assembler. Random instruction streams are then sequences of pool entries. Besides the
 * placeholders of {@link InstructionForms}: {@code {x}} an XMM register, {@code {mm}} an MMX
 * register, {@code {st}} an x87 stack register, {@code {m80}} a ten-byte and {@code {m128}} a
 * 16-byte-aligned memory operand, {@code {mx}} an unaligned 16-byte one.
 */
final class InstructionPool {
    /** One assembled instance: its template, its text and its bytes. */
    record Entry(int template, String text, byte[] bytes) { }

    static final String[] R64 = {"rax", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
        "r14"};
    static final String[] R32 = {"eax", "ecx", "edx", "esi", "edi", "ebp", "r8d", "r9d", "r10d", "r11d", "r12d",
        "r13d", "r14d"};
    static final String[] R16 = {"ax", "cx", "dx", "si", "di", "bp", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w",
        "r14w"};
    static final String[] R8 = {"al", "cl", "dl", "sil", "dil", "bpl", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b",
        "r14b"};
    static final String[] H8 = {"al", "cl", "dl", "ah", "ch", "dh"};
    static final String[] L32 = {"eax", "ecx", "edx", "esi", "edi", "ebp"};
    /** The data area offset RBX points to; memory operands stay within the next 4 KiB. */
    static final int RBX_OFFSET = 0x1000;
    static final int RSP_OFFSET = 0x3800;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)(\\d*)(?::([a-z]))?}");

    final List<String> templates;
    final List<Entry> entries = new ArrayList<>();

    InstructionPool(long dataAddress, int perTemplate, long seed) {
        this(InstructionForms.all(), dataAddress, perTemplate, seed);
    }

    InstructionPool(List<String> templates, long dataAddress, int perTemplate, long seed) {
        this.templates = templates;
        Random rnd = new Random(seed);
        List<String> texts = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int t = 0; t < templates.size(); t++) {
            for (int k = 0; k < perTemplate; k++) {
                texts.add(instantiate(templates.get(t), rnd, dataAddress));
                owners.add(t);
            }
        }
        StringBuilder src = new StringBuilder(".code64\n.text\nLtext:\n");
        for (int i = 0; i < texts.size(); i++) {
            src.append("L").append(i).append(": ").append(texts.get(i)).append("\nL").append(i).append("e:\n");
        }
        src.append(".data\n");
        for (int i = 0; i < texts.size(); i++) {
            src.append(".long L").append(i).append(" - Ltext, L").append(i).append("e - L").append(i).append('\n');
        }
        byte[][] out = Asm.textAndData(src.toString());
        ByteBuffer table = ByteBuffer.wrap(out[1]).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < texts.size(); i++) {
            int start = table.getInt();
            int length = table.getInt();
            byte[] bytes = new byte[length];
            System.arraycopy(out[0], start, bytes, 0, length);
            entries.add(new Entry(owners.get(i), texts.get(i), bytes));
        }
    }

    private static String instantiate(String template, Random rnd, long dataAddress) {
        Map<String, Integer> named = new HashMap<>();
        Map<String, Integer> namedDisp = new HashMap<>();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String kind = m.group(1);
            String size = m.group(2);
            String name = m.group(3);
            String value = switch (kind) {
                case "r" -> register(size, name == null ? rnd.nextInt(R64.length)
                        : named.computeIfAbsent(name, k -> rnd.nextInt(R64.length)));
                case "x" -> "xmm" + (name == null ? rnd.nextInt(16) : named.computeIfAbsent("x" + name,
                        k -> rnd.nextInt(16)));
                case "mm" -> "mm" + (name == null ? rnd.nextInt(8) : named.computeIfAbsent("mm" + name,
                        k -> rnd.nextInt(8)));
                case "st" -> "st(" + rnd.nextInt(8) + ")";
                case "mx" -> "xmmword ptr [rbx + 0x" + Integer.toHexString(disp(rnd)) + "]";
                case "h" -> H8[rnd.nextInt(H8.length)];
                case "l" -> L32[rnd.nextInt(L32.length)];
                case "m" -> memory(size, name == null ? disp(rnd) : namedDisp.computeIfAbsent(name, k -> disp(rnd)));
                case "i" -> immediate(size, rnd);
                case "u" -> Integer.toString(rnd.nextInt(1 << Integer.parseInt(size)));
                case "abs" -> "0x" + Long.toHexString(dataAddress + RBX_OFFSET + rnd.nextInt(0xF00));
                default -> throw new IllegalArgumentException("unknown placeholder " + m.group());
            };
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Displacements up to the end of the page, so some accesses cross into the next one. */
    private static int disp(Random rnd) {
        return rnd.nextInt(4) == 0 ? 0xFF0 + rnd.nextInt(0x10) : rnd.nextInt(0xFF0);
    }

    private static String register(String size, int index) {
        return switch (size) {
            case "8" -> R8[index];
            case "16" -> R16[index];
            case "32" -> R32[index];
            default -> R64[index];
        };
    }

    private static String memory(String size, int disp) {
        String ptr = switch (size) {
            case "8" -> "byte ptr ";
            case "16" -> "word ptr ";
            case "32" -> "dword ptr ";
            case "64" -> "qword ptr ";
            case "80" -> "tbyte ptr ";
            case "128" -> "xmmword ptr ";
            default -> "";
        };
        if (size.equals("128")) {
            disp &= ~15;
        }
        return ptr + "[rbx + 0x" + Integer.toHexString(disp) + "]";
    }

    private static final long[] SPECIAL = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x7FFF_FFFF, 0x8000_0000L,
        Long.MIN_VALUE, Long.MAX_VALUE};

    private static String immediate(String size, Random rnd) {
        int bits = Integer.parseInt(size);
        long v = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextLong();
        if (bits < 64) {
            v = v << (64 - bits) >> (64 - bits);
        }
        return Long.toString(v);
    }
}
