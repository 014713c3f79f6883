package jvisor.core;

/**
 * BitVisor's init-function stages, in the order the boot path calls them. An enum rather than
 * BitVisor's string prefixes, so a misspelt stage does not compile.
 */
public enum Stage {
    /** Once, on the BSP, before the other processors start ({@code call_initfunc("global")}). */
    GLOBAL,
    /** On the BSP after it started. */
    BSP,
    /** On every AP after it started. */
    AP,
    /** Each order group once, on whichever processor claims it first ({@code call_parallel}). */
    PARALLEL,
    /** On every processor. */
    PCPU,
    /** On every processor, creating its virtual processor (BSP first, then the APs). */
    VCPU,
    /** On the BSP: the pass-through policy of the VM. */
    PASS,
    /** On the BSP: devices hook their ports and ranges. */
    DRIVER
}
