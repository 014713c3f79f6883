package jvisor.engine;

/** The general-purpose registers, RIP and RFLAGS (KVM's kvm_regs). */
public record GeneralRegisters(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
        long rip, long rflags) {

    /** RFLAGS bit 1 always reads as one. */
    public static final long RFLAGS_FIXED = 0x2;

    public static GeneralRegisters reset() {
        return new GeneralRegisters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFFF0, RFLAGS_FIXED);
    }

    /** Registers in the architectural encoding order (RAX = 0 ... R15 = 15). */
    public long[] toArray() {
        return new long[] {rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15};
    }

    /** Builds registers from an array in encoding order (RAX = 0 ... R15 = 15). */
    public static GeneralRegisters fromArray(long[] r, long rip, long rflags) {
        return new GeneralRegisters(r[0], r[3], r[1], r[2], r[6], r[7], r[4], r[5],
                r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15], rip, rflags);
    }

    public GeneralRegisters withRip(long newRip) {
        return fromArray(toArray(), newRip, rflags);
    }

    @Override
    public String toString() {
        return String.format(
                "rax=%016x rbx=%016x rcx=%016x rdx=%016x%n"
                + "rsi=%016x rdi=%016x rsp=%016x rbp=%016x%n"
                + "r8 =%016x r9 =%016x r10=%016x r11=%016x%n"
                + "r12=%016x r13=%016x r14=%016x r15=%016x%n"
                + "rip=%016x rflags=%08x",
                rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }
}
