package jvisor.engine.emu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a test snippet's Intel-syntax source, parsed as far as {@link UndefinedFlags} needs
 * it: prefixes, mnemonic, operands, and whether a label starts the line. Directives such as
 * {@code .byte} are kept as opaque instructions (mnemonic starting with a dot).
 */
record AsmInstruction(boolean labelled, List<String> prefixes, String mnemonic, List<String> operands) {
    private static final List<String> PREFIXES = List.of("lock", "rep", "repe", "repz", "repne", "repnz");
    private static final Pattern LABEL = Pattern.compile("^\\s*\\w+:\\s*");
    private static final Pattern BASE_DISPLACEMENT = Pattern.compile(
            "\\[\\s*(\\w+)\\s*(?:([+-])\\s*(0x[0-9a-f]+|\\d+))?\\s*]");

    /** A general register as its index in encoding order and the bits of it an operand names. */
    record Register(int index, long mask) { }

    private static final Map<String, Register> REGISTERS = registers();

    private static Map<String, Register> registers() {
        String[] r64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"};
        String[] r32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        String[] r16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
        String[] r8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
        String[] h8 = {"ah", "ch", "dh", "bh"};
        java.util.HashMap<String, Register> m = new java.util.HashMap<>();
        for (int i = 0; i < 16; i++) {
            String n = "r" + i;
            m.put(i < 8 ? r64[i] : n, new Register(i, -1L));
            m.put(i < 8 ? r32[i] : n + "d", new Register(i, 0xFFFF_FFFFL));
            m.put(i < 8 ? r16[i] : n + "w", new Register(i, 0xFFFFL));
            m.put(i < 8 ? r8[i] : n + "b", new Register(i, 0xFFL));
        }
        for (int i = 0; i < 4; i++) {
            m.put(h8[i], new Register(i, 0xFF00L));
        }
        return Map.copyOf(m);
    }

    /** The instructions of {@code source}, one per line or {@code ;}; label-only lines become labelled empty ones. */
    static List<AsmInstruction> parseAll(String source) {
        List<AsmInstruction> out = new ArrayList<>();
        for (String line : source.split("[;\n]")) {
            if (!line.isBlank()) {
                out.add(parse(line));
            }
        }
        return out;
    }

    static AsmInstruction parse(String line) {
        String s = line.strip().toLowerCase(Locale.ROOT);
        boolean labelled = false;
        for (Matcher m = LABEL.matcher(s); m.find(); m = LABEL.matcher(s)) {
            labelled = true;
            s = s.substring(m.end());
        }
        List<String> prefixes = new ArrayList<>();
        String[] words = s.isEmpty() ? new String[0] : s.split("\\s+", 2);
        while (words.length > 0 && PREFIXES.contains(words[0])) {
            prefixes.add(words[0]);
            words = words.length > 1 ? words[1].split("\\s+", 2) : new String[0];
        }
        String mnemonic = words.length > 0 ? words[0] : "";
        List<String> operands = new ArrayList<>();
        if (words.length > 1) {
            for (String op : words[1].split(",")) {
                operands.add(op.strip());
            }
        }
        return new AsmInstruction(labelled, List.copyOf(prefixes), mnemonic, List.copyOf(operands));
    }

    boolean isLabelOnly() {
        return mnemonic.isEmpty();
    }

    boolean isDirective() {
        return mnemonic.startsWith(".");
    }

    boolean repeated() {
        return prefixes.stream().anyMatch(p -> p.startsWith("rep"));
    }

    /** The register operand {@code i} names, or null for a memory operand or an immediate. */
    Register register(int i) {
        return i < operands.size() ? REGISTERS.get(operands.get(i)) : null;
    }

    /** Every register named outside a memory operand. */
    List<Register> registersNamed() {
        List<Register> out = new ArrayList<>();
        for (int i = 0; i < operands.size(); i++) {
            Register r = register(i);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /** Operand {@code i}'s width in bits, from its register or its {@code ptr} size; 0 if neither says. */
    int width(int i) {
        Register r = register(i);
        if (r != null) {
            return Long.bitCount(r.mask());
        }
        String op = i < operands.size() ? operands.get(i) : "";
        return op.startsWith("byte ") ? 8 : op.startsWith("word ") ? 16 : op.startsWith("dword ") ? 32
                : op.startsWith("qword ") ? 64 : 0;
    }

    /** Operand {@code i} as an immediate value, or null if it is none. */
    Long immediate(int i) {
        if (i >= operands.size()) {
            return null;
        }
        try {
            return Long.decode(operands.get(i));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Operand {@code i}'s memory operand as {base register, displacement}, or null unless it is [base +/- disp]. */
    long[] baseAndDisplacement(int i) {
        Matcher m = BASE_DISPLACEMENT.matcher(i < operands.size() ? operands.get(i) : "");
        if (!m.find()) {
            return null;
        }
        Register base = REGISTERS.get(m.group(1));
        if (base == null || base.mask() != -1L) {
            return null;
        }
        long disp = m.group(3) == null ? 0 : Long.decode(m.group(3));
        return new long[] {base.index(), "-".equals(m.group(2)) ? -disp : disp};
    }

    @Override
    public String toString() {
        return (String.join(" ", prefixes) + " " + mnemonic + " " + String.join(", ", operands)).strip();
    }
}
