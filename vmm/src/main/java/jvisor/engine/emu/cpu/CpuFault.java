package jvisor.engine.emu.cpu;

/**
 * A processor exception raised by an instruction: unwinds to the interpreter's block loop, which
 * delivers it to the guest. One preallocated, stackless instance per processor, so raising a
 * fault allocates nothing; the vector and error code travel in its fields.
 */
public final class CpuFault extends RuntimeException {
    public static final int NO_ERROR_CODE = -1;

    private int vector;
    private int errorCode;
    private boolean nonCanonical;

    CpuFault() {
        super(null, null, false, false);
    }

    CpuFault with(int vector, int errorCode) {
        this.vector = vector;
        this.errorCode = errorCode;
        this.nonCanonical = false;
        return this;
    }

    /** #GP(0) for a non-canonical address: #SS(0) instead where the access went through SS. */
    CpuFault nonCanonical() {
        with(Vectors.GP, 0);
        nonCanonical = true;
        return this;
    }

    public boolean isNonCanonical() {
        return nonCanonical;
    }

    public int vector() {
        return vector;
    }

    /** The error code pushed with the exception, or {@link #NO_ERROR_CODE}. */
    public int errorCode() {
        return errorCode;
    }

    @Override
    public String getMessage() {
        return Vectors.name(vector) + (errorCode == NO_ERROR_CODE ? "" : "(" + Integer.toHexString(errorCode) + ")");
    }
}
