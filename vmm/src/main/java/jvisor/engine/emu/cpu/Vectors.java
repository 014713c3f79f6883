package jvisor.engine.emu.cpu;

/** The architectural exception vectors and how they combine into a double fault. */
public final class Vectors {
    private Vectors() { }

    public static final int DE = 0;
    public static final int DB = 1;
    public static final int NMI = 2;
    public static final int BP = 3;
    public static final int OF = 4;
    public static final int BR = 5;
    public static final int UD = 6;
    public static final int NM = 7;
    public static final int DF = 8;
    public static final int TS = 10;
    public static final int NP = 11;
    public static final int SS = 12;
    public static final int GP = 13;
    public static final int PF = 14;
    public static final int MF = 16;
    public static final int AC = 17;
    public static final int MC = 18;
    public static final int XM = 19;

    private static final String[] NAMES = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS", "#NP", "#SS",
        "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM",
    };

    public static String name(int vector) {
        return vector >= 0 && vector < NAMES.length ? NAMES[vector] : "vector " + vector;
    }

    /** Exceptions that push an error code (in protected and long mode). */
    public static boolean hasErrorCode(int vector) {
        return vector == DF || (vector >= TS && vector <= PF) || vector == AC;
    }

    /**
     * Fault-class exceptions: the RFLAGS image they push has RF set, so that the faulting
     * instruction, restarted by IRET, does not hit its own instruction breakpoint again (SDM
     * 17.3.1.1). #DB is left out: its instruction-breakpoint form is the one exception.
     */
    static boolean setsRf(int vector) {
        return switch (vector) {
            case DE, BR, UD, NM, TS, NP, SS, GP, PF, MF, AC, XM -> true;
            default -> false;
        };
    }

    /** Exception classes for the double-fault rules (SDM table 6-4/6-5). */
    static final int BENIGN = 0;
    static final int CONTRIBUTORY = 1;
    static final int PAGE_FAULT = 2;

    static int faultClass(int vector) {
        return switch (vector) {
            case DE, TS, NP, SS, GP -> CONTRIBUTORY;
            case PF -> PAGE_FAULT;
            default -> BENIGN;
        };
    }

    /** Whether an exception raised while delivering {@code first} becomes a double fault. */
    static boolean isDoubleFault(int first, int second) {
        int a = faultClass(first);
        int b = faultClass(second);
        return (a == CONTRIBUTORY && b == CONTRIBUTORY) || (a == PAGE_FAULT && b != BENIGN);
    }
}
