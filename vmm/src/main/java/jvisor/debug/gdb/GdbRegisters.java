package jvisor.debug.gdb;

import jvisor.engine.CpuState;
import jvisor.engine.FpuRegisters;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;

/**
 * The x86-64 register file as gdb numbers it for jvisor's target description: gdb's
 * {@code org.gnu.gdb.i386.core}, {@code .sse} and {@code .segments} features, then jvisor's
 * control registers. Values are little-endian bytes, as the 'g' packet carries them.
 */
final class GdbRegisters {
    private GdbRegisters() { }

    static final String[] GPR_NAMES = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] SEGMENTS = {"cs", "ss", "ds", "es", "fs", "gs"};
    private static final String[] FPU_CONTROL = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    private static final String[] CONTROL = {"cr0", "cr2", "cr3", "cr4", "cr8", "efer"};

    static final int RIP = 16;
    static final int EFLAGS = 17;
    static final int FIRST_SEGMENT = 18;
    static final int FIRST_ST = 24;
    static final int FIRST_FPU_CONTROL = 32;
    static final int FIRST_XMM = 40;
    static final int MXCSR = 56;
    static final int FS_BASE = 57;
    static final int GS_BASE = 58;
    static final int FIRST_CONTROL = 59;
    static final int COUNT = 65;

    /** Byte size of register {@code n}. */
    static int size(int n) {
        if (n < 17 || n == FS_BASE || n == GS_BASE || n >= FIRST_CONTROL) {
            return 8;
        }
        if (n >= FIRST_ST && n < FIRST_FPU_CONTROL) {
            return 10;
        }
        if (n >= FIRST_XMM && n < MXCSR) {
            return 16;
        }
        return 4;
    }

    static int offset(int n) {
        int at = 0;
        for (int i = 0; i < n; i++) {
            at += size(i);
        }
        return at;
    }

    static final int FILE_SIZE = offset(COUNT);

    /** gdb's order of the general registers, as indices into {@link GeneralRegisters#toArray()}. */
    private static final int[] GPR_ORDER = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};

    static byte[] encode(CpuState s) {
        byte[] f = new byte[FILE_SIZE];
        long[] r = s.regs().toArray();
        for (int i = 0; i < 16; i++) {
            put(f, offset(i), 8, r[GPR_ORDER[i]]);
        }
        put(f, offset(RIP), 8, s.regs().rip());
        put(f, offset(EFLAGS), 4, s.regs().rflags());
        SystemRegisters sr = s.sregs();
        Segment[] segs = {sr.cs(), sr.ss(), sr.ds(), sr.es(), sr.fs(), sr.gs()};
        for (int i = 0; i < 6; i++) {
            put(f, offset(FIRST_SEGMENT + i), 4, segs[i].selector());
        }
        FpuRegisters fpu = s.fpu();
        if (fpu != null) {
            byte[] x = fpu.fxsave();
            for (int i = 0; i < 8; i++) {
                System.arraycopy(x, 32 + 16 * i, f, offset(FIRST_ST + i), 10);
            }
            int c = offset(FIRST_FPU_CONTROL);
            put(f, c, 4, u(x, 0, 2));
            put(f, c + 4, 4, u(x, 2, 2));
            put(f, c + 8, 4, fullTag(x[4] & 0xFF));
            put(f, c + 12, 4, u(x, 12, 2));
            put(f, c + 16, 4, u(x, 8, 4));
            put(f, c + 20, 4, u(x, 20, 2));
            put(f, c + 24, 4, u(x, 16, 4));
            put(f, c + 28, 4, u(x, 6, 2));
            for (int i = 0; i < 16; i++) {
                System.arraycopy(x, 160 + 16 * i, f, offset(FIRST_XMM + i), 16);
            }
            put(f, offset(MXCSR), 4, u(x, 24, 4));
        }
        put(f, offset(FS_BASE), 8, sr.fs().base());
        put(f, offset(GS_BASE), 8, sr.gs().base());
        long[] cr = {sr.cr0(), sr.cr2(), sr.cr3(), sr.cr4(), sr.cr8(), sr.efer()};
        for (int i = 0; i < cr.length; i++) {
            put(f, offset(FIRST_CONTROL + i), 8, cr[i]);
        }
        return f;
    }

    /**
     * {@code old} with the values of register file {@code f}. Segment selectors are not loaded
     * (that would need the descriptor tables' hidden parts); everything else is.
     */
    static CpuState decode(CpuState old, byte[] f) {
        long[] r = new long[16];
        for (int i = 0; i < 16; i++) {
            r[GPR_ORDER[i]] = get(f, offset(i), 8);
        }
        long rflags = (get(f, offset(EFLAGS), 4) & 0xFFFF_FFFFL) | GeneralRegisters.RFLAGS_FIXED;
        GeneralRegisters regs = GeneralRegisters.fromArray(r, get(f, offset(RIP), 8), rflags);
        SystemRegisters o = old.sregs();
        Segment fs = new Segment(o.fs().selector(), get(f, offset(FS_BASE), 8), o.fs().limit(), o.fs().access());
        Segment gs = new Segment(o.gs().selector(), get(f, offset(GS_BASE), 8), o.gs().limit(), o.gs().access());
        int c = offset(FIRST_CONTROL);
        SystemRegisters sr = new SystemRegisters(o.cs(), o.ds(), o.es(), fs, gs, o.ss(), o.tr(), o.ldt(), o.gdt(), o.idt(),
                get(f, c, 8), get(f, c + 8, 8), get(f, c + 16, 8), get(f, c + 24, 8), get(f, c + 32, 8),
                get(f, c + 40, 8), o.apicBase());
        FpuRegisters fpu = old.fpu();
        if (fpu != null) {
            byte[] x = fpu.fxsave();
            for (int i = 0; i < 8; i++) {
                System.arraycopy(f, offset(FIRST_ST + i), x, 32 + 16 * i, 10);
            }
            int fc = offset(FIRST_FPU_CONTROL);
            put(x, 0, 2, get(f, fc, 4));
            put(x, 2, 2, get(f, fc + 4, 4));
            put(x, 4, 1, abridgedTag((int) get(f, fc + 8, 4)));
            put(x, 6, 2, get(f, fc + 28, 4));
            for (int i = 0; i < 16; i++) {
                System.arraycopy(f, offset(FIRST_XMM + i), x, 160 + 16 * i, 16);
            }
            put(x, 24, 4, get(f, offset(MXCSR), 4));
            fpu = new FpuRegisters(x);
        }
        return new CpuState(regs, sr, fpu);
    }

    /** FXSAVE keeps one bit per register (1 = in use); gdb shows the full tag word (11 = empty, 00 = valid). */
    private static long fullTag(int abridged) {
        long tag = 0;
        for (int i = 0; i < 8; i++) {
            tag |= ((abridged >> i & 1) != 0 ? 0L : 3L) << (2 * i);
        }
        return tag;
    }

    private static long abridgedTag(int full) {
        int a = 0;
        for (int i = 0; i < 8; i++) {
            if ((full >> (2 * i) & 3) != 3) {
                a |= 1 << i;
            }
        }
        return a;
    }

    private static long u(byte[] b, int at, int n) {
        return get(b, at, n);
    }

    static void put(byte[] b, int at, int n, long v) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static long get(byte[] b, int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (b[at + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** The target description gdb fetches with qXfer:features:read:target.xml. */
    static final String TARGET_XML = targetXml();

    private static String targetXml() {
        StringBuilder x = new StringBuilder("""
                <?xml version="1.0"?>
                <!DOCTYPE target SYSTEM "gdb-target.dtd">
                <target version="1.0">
                <architecture>i386:x86-64</architecture>
                <feature name="org.gnu.gdb.i386.core">
                <flags id="i386_eflags" size="4">
                <field name="CF" start="0" end="0"/><field name="" start="1" end="1"/><field name="PF" start="2" end="2"/>
                <field name="AF" start="4" end="4"/><field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
                <field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/><field name="DF" start="10" end="10"/>
                <field name="OF" start="11" end="11"/><field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
                <field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/><field name="VIF" start="19" end="19"/>
                <field name="VIP" start="20" end="20"/><field name="ID" start="21" end="21"/>
                </flags>
                """);
        for (int i = 0; i < 16; i++) {
            String type = i == 6 || i == 7 ? "data_ptr" : "int64";
            x.append(reg(GPR_NAMES[i], 64, type, i, null));
        }
        x.append(reg("rip", 64, "code_ptr", RIP, null));
        x.append(reg("eflags", 32, "i386_eflags", EFLAGS, null));
        for (int i = 0; i < 6; i++) {
            x.append(reg(SEGMENTS[i], 32, "int32", FIRST_SEGMENT + i, null));
        }
        for (int i = 0; i < 8; i++) {
            x.append(reg("st" + i, 80, "i387_ext", FIRST_ST + i, null));
        }
        for (int i = 0; i < 8; i++) {
            x.append(reg(FPU_CONTROL[i], 32, "int", FIRST_FPU_CONTROL + i, "float"));
        }
        x.append("""
                </feature>
                <feature name="org.gnu.gdb.i386.sse">
                <vector id="v4f" type="ieee_single" count="4"/>
                <vector id="v2d" type="ieee_double" count="2"/>
                <vector id="v16i8" type="int8" count="16"/>
                <vector id="v8i16" type="int16" count="8"/>
                <vector id="v4i32" type="int32" count="4"/>
                <vector id="v2i64" type="int64" count="2"/>
                <union id="vec128">
                <field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/>
                <field name="v16_int8" type="v16i8"/><field name="v8_int16" type="v8i16"/>
                <field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
                <field name="uint128" type="uint128"/>
                </union>
                """);
        for (int i = 0; i < 16; i++) {
            x.append(reg("xmm" + i, 128, "vec128", FIRST_XMM + i, null));
        }
        x.append(reg("mxcsr", 32, "int", MXCSR, "vector"));
        x.append("</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
        x.append(reg("fs_base", 64, "int", FS_BASE, null));
        x.append(reg("gs_base", 64, "int", GS_BASE, null));
        x.append("</feature>\n<feature name=\"org.jvisor.x86.control\">\n");
        for (int i = 0; i < CONTROL.length; i++) {
            x.append(reg(CONTROL[i], 64, "int", FIRST_CONTROL + i, "system"));
        }
        return x.append("</feature>\n</target>\n").toString();
    }

    private static String reg(String name, int bits, String type, int regnum, String group) {
        return "<reg name=\"" + name + "\" bitsize=\"" + bits + "\" type=\"" + type + "\" regnum=\"" + regnum + "\""
                + (group == null ? "" : " group=\"" + group + "\"") + "/>\n";
    }
}
