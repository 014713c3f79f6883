package jvisor.engine;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The x87, MMX and SSE state in the 512-byte FXSAVE layout (64-bit form: FIP and FDP as 64-bit
 * addresses), the engine-neutral form both engines can produce: the emu engine's FXSAVE image,
 * KVM's kvm_fpu fields rearranged.
 */
public record FpuRegisters(byte[] fxsave) {
    public static final int SIZE = 512;

    public FpuRegisters {
        if (fxsave.length != SIZE) {
            throw new IllegalArgumentException("an FXSAVE image has 512 bytes, not " + fxsave.length);
        }
        fxsave = fxsave.clone();
    }

    /** A copy of the image. */
    @Override
    public byte[] fxsave() {
        return fxsave.clone();
    }

    private int u16(int at) {
        return (fxsave[at] & 0xFF) | (fxsave[at + 1] & 0xFF) << 8;
    }

    public int fcw() {
        return u16(0);
    }

    public int fsw() {
        return u16(2);
    }

    public int mxcsr() {
        return u16(24) | u16(26) << 16;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FpuRegisters other && Arrays.equals(fxsave, other.fxsave);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(fxsave);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x", fcw(), fsw(),
                fxsave[4] & 0xFF, mxcsr()));
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < 16; i++) {
            if (i % 4 == 0) {
                sb.append(System.lineSeparator());
            } else {
                sb.append(' ');
            }
            sb.append(String.format("xmm%-2d=", i)).append(hex.formatHex(reversed(160 + 16 * i, 16)));
        }
        return sb.toString();
    }

    private byte[] reversed(int at, int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = fxsave[at + n - 1 - k];
        }
        return b;
    }
}
