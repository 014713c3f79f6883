package jvisor.storage.luks;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2i or Argon2id (version 0x13) as a LUKS2 key slot's KDF, computed by Bouncy Castle.
 * cryptsetup's names: time = passes, memory in KiB, cpus = lanes. Bouncy Castle fills the lanes
 * one after the other and keeps the memory on the Java heap, so both are checked first.
 */
record Argon2Kdf(Variant variant, int time, int memoryKiB, int lanes, byte[] salt) implements Kdf {
    enum Variant {
        ARGON2I("argon2i", Argon2Parameters.ARGON2_i),
        ARGON2ID("argon2id", Argon2Parameters.ARGON2_id);

        final String luksName;
        final int bcType;

        Variant(String luksName, int bcType) {
            this.luksName = luksName;
            this.bcType = bcType;
        }
    }

    /** cryptsetup's own ceiling: 4 GiB. */
    static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    static final int MAX_LANES = 16;
    /** Passes times memory a header may ask for: 32 GiB of block fills, some 40 s here. */
    static final long MAX_WORK_KIB = 32L * 1024 * 1024;

    Argon2Kdf {
        if (lanes < 1 || lanes > MAX_LANES) {
            throw new LuksException("the key slot asks for " + lanes + " Argon2 lanes; jvisor runs 1 to " + MAX_LANES);
        }
        if (memoryKiB < 8 * lanes || memoryKiB > MAX_MEMORY_KIB) {
            throw new LuksException("the key slot asks for " + memoryKiB + " KiB of Argon2 memory; jvisor runs " + 8 * lanes + " to " + MAX_MEMORY_KIB);
        }
        if (time < 1 || (long) time * memoryKiB > MAX_WORK_KIB) {
            throw new LuksException("the key slot asks for " + time + " Argon2 passes over " + memoryKiB + " KiB; jvisor runs at most "
                    + MAX_WORK_KIB / 1024 + " MiB of passes");
        }
    }

    @Override
    public byte[] derive(byte[] passphrase, int length) {
        checkHeap();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(variant.bcType)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withIterations(time)
                .withMemoryAsKB(memoryKiB)
                .withParallelism(lanes)
                .withSalt(salt)
                .build());
        byte[] out = new byte[length];
        generator.generateBytes(passphrase, out);
        return out;
    }

    @Override
    public String name() {
        return variant.luksName;
    }

    /** A 1 KiB Argon2 block is a long[128] on the heap: a little over 1 KiB each. */
    private void checkHeap() {
        Runtime rt = Runtime.getRuntime();
        long need = memoryKiB * 1080L;
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > free) {
            throw new LuksException("the key slot's Argon2 needs " + (need >> 20) + " MiB of Java heap but only " + (free >> 20)
                    + " MiB is free: give the JVM more (-Xmx)");
        }
    }
}
