package jvisor.engine;

/**
 * Why a processor's last {@link ExitReason#DEBUG} exit stopped it: a single step, a breakpoint at
 * {@code address}, or a watchpoint (then {@code address} is the watchpoint's own, as the debugger
 * set it, and {@code access} its kind).
 */
public record DebugStop(Cause cause, long address, GuestDebug.Access access) {
    public enum Cause { STEP, BREAKPOINT, WATCHPOINT }

    public static DebugStop step() {
        return new DebugStop(Cause.STEP, 0, null);
    }
}
