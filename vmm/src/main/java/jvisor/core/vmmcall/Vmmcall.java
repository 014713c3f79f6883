package jvisor.core.vmmcall;

import java.util.ArrayList;
import java.util.List;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.debug.LinearMemory;
import jvisor.engine.CpuState;
import jvisor.engine.GeneralRegisters;

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

    private record Entry(String name, Function function) { }

    private final List<Entry> calls = new ArrayList<>();

    public Vmmcall() {
        register("get_vmmcall_number", this::number);
    }

    /** {@code vmmcall_register}; a name registered twice keeps its first number. */
    public synchronized void register(String name, Function f) {
        if (calls.size() >= MAX_CALLS) {
            throw new IllegalStateException("too many vmmcalls (" + MAX_CALLS + ")");
        }
        calls.add(new Entry(name, f));
    }

    /** The number of {@code name}, 0 if it has none. */
    public synchronized int numberOf(String name) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).name().equals(name)) {
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

    /** {@code vmmcall}: answers the hypercall processor {@code p} just made (its RIP is past the instruction). */
    public void call(Processor p) {
        CpuState state = p.vcpu().state();
        Function f = function(state.regs().rax());
        long result = UNKNOWN_CALL;
        if (f != null) {
            result = f.call(new Call(p, state, new LinearMemory(p.vmm().ram(), state)));
        }
        GeneralRegisters r = state.regs();
        long[] gprs = r.toArray();
        gprs[0] = result;
        // Read again: a function may have changed the processor (power-off kicks it), never its registers.
        p.vcpu().setState(state.withRegs(GeneralRegisters.fromArray(gprs, r.rip(), r.rflags())));
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
