package jvisor.engine.kvm;

/** One CPUID leaf ({@code function}) and subleaf ({@code index}) with its four result registers. */
record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    CpuidEntry withEax(int v) {
        return new CpuidEntry(function, index, flags, v, ebx, ecx, edx);
    }

    CpuidEntry withEbx(int v) {
        return new CpuidEntry(function, index, flags, eax, v, ecx, edx);
    }

    CpuidEntry withEcx(int v) {
        return new CpuidEntry(function, index, flags, eax, ebx, v, edx);
    }

    CpuidEntry withEdx(int v) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, v);
    }

    @Override
    public String toString() {
        return String.format("%08x.%x: %08x %08x %08x %08x", function, index, eax, ebx, ecx, edx);
    }
}
