package jvisor.debug.trace;

import java.util.ArrayList;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.exec.ControlObserver;

/**
 * The call tracer of one processor: every call, tail jump, interrupt or exception that lands on a
 * known symbol opens a frame, and a return closes the frames it returns past. Frames are matched by
 * stack pointer on the stack they were opened on (16 KiB regions, Linux's kernel stacks), so a
 * context switch, an interrupt on another stack or a frame left by a jump never misattributes a
 * return: a return pops exactly the frames of its stack below the new stack pointer.
 */
public final class CallTracer implements ControlObserver {
    /** Stacks are told apart by RSP / 16 KiB. */
    static final int STACK_SHIFT = 14;

    private final Symbols symbols;
    private final CallTree tree;
    private final ChromeTrace chrome;
    private final int processor;
    private final ArrayList<Frame> frames = new ArrayList<>();

    private static final class Frame {
        final CallTree.Node node;
        final long sp;
        final long stack;
        final long enter;

        Frame(CallTree.Node node, long sp, long enter) {
            this.node = node;
            this.sp = sp;
            this.stack = sp >>> STACK_SHIFT;
            this.enter = enter;
        }
    }

    public CallTracer(Symbols symbols, CallTree tree, ChromeTrace chrome, int processor) {
        this.symbols = symbols;
        this.tree = tree;
        this.chrome = chrome;
        this.processor = processor;
    }

    @Override
    public void transfer(Cpu c, int kind, long from) {
        long rsp = c.reg(4);
        switch (kind) {
            case CALL, EVENT, JUMP -> {
                // A jump onto a function is a tail call: at the caller's RSP, it replaces the caller's frame.
                int symbol = symbols.at(c.rip());
                if (symbol >= 0) {
                    enter(symbol, rsp, c.tsc().now());
                }
            }
            case RET, IRET -> {
                long now = c.tsc().now();
                leave(rsp, now);
                // A return never lands on a function's first byte unless used as a jump (lretq into
                // x86_64_start_kernel): a frame as if called from here.
                int symbol = symbols.at(c.rip());
                if (symbol >= 0) {
                    enter(symbol, rsp - 8, now);
                }
            }
            default -> { }
        }
    }

    /** Opens a frame; frames of the same stack at or below {@code sp} are dead (their stack was reused). */
    void enter(int symbol, long sp, long now) {
        long stack = sp >>> STACK_SHIFT;
        Frame parent = null;
        for (int i = frames.size() - 1; i >= 0; i--) {
            Frame f = frames.get(i);
            if (f.stack != stack) {
                continue;
            }
            if (f.sp <= sp) {
                close(i, now);
                continue;
            }
            parent = f;
            break;
        }
        if (symbols.thunk(symbol)) {
            return; // the caller's frame ends here (a return thunk) or the thunk jumps on to the callee
        }
        CallTree.Node node = tree.child(parent == null ? tree.root(processor) : parent.node, symbol);
        frames.add(new Frame(node, sp, now));
    }

    /** A return left RSP at {@code sp}: every frame of that stack whose return address lay below it is done. */
    void leave(long sp, long now) {
        long stack = sp >>> STACK_SHIFT;
        for (int i = frames.size() - 1; i >= 0; i--) {
            Frame f = frames.get(i);
            if (f.stack == stack && f.sp < sp) {
                close(i, now);
            }
        }
    }

    private void close(int index, long now) {
        Frame f = frames.remove(index);
        f.node.add(now - f.enter);
        if (chrome != null) {
            chrome.complete(processor, symbols.name(f.node.symbol()), f.enter, now - f.enter, f.node.depth());
        }
    }

    /** Closes what is still open (the VM stopped inside those functions). */
    public void finish(long now) {
        for (int i = frames.size() - 1; i >= 0; i--) {
            close(i, now);
        }
    }

    int openFrames() {
        return frames.size();
    }
}
