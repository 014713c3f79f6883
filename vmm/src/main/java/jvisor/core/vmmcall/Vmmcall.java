package jvisor.core.vmmcall;

import java.util.ArrayList;
import java.util.List;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.debug.LinearMemory;
import jvisor.engine.CpuState;

/**
 * BitVisor's {@code core/vmmcall.c}: hypercalls the guest finds by name. VMCALL or VMMCALL with
 * RAX = 0 is {@code get_vmmcall_number}: RBX holds the linear address of a NUL-terminated name (at
 * most 256 bytes) and RAX comes back with that call's number, 0 if there is none. With RAX = a
 * number, RBX and RCX are the arguments and RAX the answer. An unknown number answers KVM's
 * -KVM_ENOSYS (-1000), so that guests written for KVM (kvm-unit-tests' hypercall test) see the
 * error they expect.
 */
public final class Vmmcall {
    /** BitVisor's VMMCALL_MAX and VMMCALL_NAME_MAXLEN. */
    public static final int MAX_CALLS = 128;
    public static final int NAME_MAX = 256;
    /** What an unknown call number answers: KVM's -KVM_ENOSYS. */
    public static final long UNKNOWN_CALL = -1000;

    /** One registered call: it reads its arguments from {@code call} and returns RAX. */
    @FunctionalInterface
    public interface Function {
        long call(Call call);
    }

    /** What a function sees: the calling processor, its registers, its address space. */
    public record Call(Processor processor, CpuState state, LinearMemory memory) {
        public long arg1() {
            return state.regs().rbx();
        }

        public long arg2() {
            return state.regs().rcx();
        }

        /** Whether the caller runs in user mode (CPL 3), BitVisor's vmmcall_arch_caller_user. */
        public boolean fromUser() {
            return (state.sregs().cs().selector() & 3) == 3;
        }
    }

    /**
     * Numbers no call gets: on kvm, KVM's Xen hypercall intercept (how kvm hands VMCALL to jvisor)
     * still answers some Xen calls by RAX in the kernel at CPL 0 (set_timer_op 15, xen_version 17,
     * vcpu_op 24, sched_op 29, event_channel_op 32), so a vmmcall with such a number could be
     * answered by KVM instead. On emu, 10 is KVM_HC_SEND_IPI, which the processor answers itself.
     * Guests find numbers by name, so skipping them changes nothing else.
     */
    static final java.util.Set<Integer> RESERVED = java.util.Set.of(10, 15, 17, 24, 29, 32);

    /** A registered call, or a reserved number (name and function null). */
    private record Entry(String name, Function function) { }

    private final List<Entry> calls = new ArrayList<>();

    public Vmmcall() {
        register("get_vmmcall_number", this::number);
    }

    /** {@code vmmcall_register}; a name registered twice keeps its first number. */
    public synchronized void register(String name, Function f) {
        while (RESERVED.contains(calls.size())) {
            calls.add(new Entry(null, null));
        }
        if (calls.size() >= MAX_CALLS) {
            throw new IllegalStateException("too many vmmcalls (" + MAX_CALLS + ")");
        }
        calls.add(new Entry(name, f));
    }

    /** The number of {@code name}, 0 if it has none. */
    public synchronized int numberOf(String name) {
        for (int i = 0; i < calls.size(); i++) {
            if (name.equals(calls.get(i).name())) {
                return i;
            }
        }
        return 0;
    }

    private Function function(long number) {
        synchronized (this) {
            return number >= 0 && number < calls.size() ? calls.get((int) number).function() : null;
        }
    }

    /** {@code vmmcall}: answers the hypercall processor {@code p} just made. */
    public void call(Processor p) {
        CpuState state = p.vcpu().state();
        Function f = function(state.regs().rax());
        long result = UNKNOWN_CALL;
        if (f != null) {
            result = f.call(new Call(p, state, new LinearMemory(p.vmm().ram(), state)));
        }
        p.vcpu().answerHypercall(result);
    }

    private long number(Call call) {
        String name = call.memory().readCString(call.arg1(), NAME_MAX);
        return name == null ? 0 : numberOf(name);
    }

    /** BitVisor's {@code vmmcall_init} (its paral10; orders here are 0-9): the built-in calls. */
    @InitFunction(stage = Stage.PARALLEL, order = 1)
    public static void init(Processor p) {
        BuiltinCalls.register(p.vmm());
    }
}
