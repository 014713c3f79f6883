package jvisor.engine.emu.exec.sse;

/**
 * A packed-integer operation on one 64-bit half of its operands: the MMX form applies it once,
 * the SSE2 form to the low and the high quadword.
 */
@FunctionalInterface
interface LaneOp {
    long apply(long dst, long src);
}
