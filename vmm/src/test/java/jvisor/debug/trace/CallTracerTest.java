package jvisor.debug.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The frame rules on hand-made event sequences: returns match by stack pointer, per stack. */
class CallTracerTest {
    private static final String MAP = """
            ffffffff81000000 T _text
            ffffffff81001000 T start_kernel
            ffffffff81002000 t rest_init
            ffffffff81003000 T schedule
            ffffffff81004000 T kernel_init
            ffffffff81005000 T asm_sysvec_apic_timer_interrupt
            ffffffff81006000 T do_one_initcall
            ffffffff82000000 D some_data
            """;
    private static final long TASK_A = 0xffffc90000004000L; // one 16 KiB stack
    private static final long TASK_B = 0xffffc90000010000L; // another

    private final Symbols symbols = Symbols.fromSystemMap(MAP);
    private final CallTree tree = new CallTree(1);
    private final CallTracer t = new CallTracer(symbols, tree, null, 0);

    private void call(String name, long sp) {
        t.enter(symbols.at(symbols.address(name)), sp, 0);
    }

    private String printed() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tree.print(new PrintStream(out, true, StandardCharsets.UTF_8), symbols, 0, null);
        return out.toString(StandardCharsets.UTF_8).lines().skip(1)
                .map(l -> l.replaceAll("  [0-9.]+ (µs|ms)", "")).reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void systemMapKeepsTextSymbolsOnly() {
        assertEquals(7, symbols.size());
        assertEquals(-1, symbols.at(0xffffffff82000000L));
        assertEquals("rest_init", symbols.name(symbols.at(0xffffffff81002000L)));
    }

    @Test
    void returnAndIndirectBranchThunksAreThunksFunctionsAreNot() {
        Symbols thunks = Symbols.fromSystemMap("""
                ffffffff81000000 T __x86_return_thunk
                ffffffff81000100 T __x86_indirect_thunk_rax
                ffffffff81000200 T __x86_indirect_its_thunk_r11
                ffffffff81000300 T its_return_thunk
                ffffffff81000400 T its_static_thunk
                ffffffff81000500 T schedule
                """);
        for (String name : new String[] {"__x86_return_thunk", "__x86_indirect_thunk_rax",
                "__x86_indirect_its_thunk_r11", "its_return_thunk"}) {
            assertEquals(true, thunks.thunk(thunks.at(thunks.address(name))), name);
        }
        for (String name : new String[] {"its_static_thunk", "schedule"}) {
            assertEquals(false, thunks.thunk(thunks.at(thunks.address(name))), name);
        }
    }

    @Test
    void anInterruptOnTheSameStackNestsAndItsReturnPopsOnlyItself() {
        call("start_kernel", TASK_A + 0x3f00);
        call("rest_init", TASK_A + 0x3e00);
        call("asm_sysvec_apic_timer_interrupt", TASK_A + 0x3d00); // delivered as an event
        t.leave(TASK_A + 0x3d00 + 40, 1); // IRET: pops the handler, not rest_init
        call("schedule", TASK_A + 0x3e00 - 8);
        t.leave(TASK_A + 0x3e00 - 8 + 8, 2);
        t.leave(TASK_A + 0x3e00 + 8, 3); // rest_init returns
        assertEquals(0, t.openFrames() - 1, "start_kernel stays open");
        assertEquals("""
                  start_kernel
                    rest_init
                      asm_sysvec_apic_timer_interrupt
                      schedule
                """, printed());
    }

    @Test
    void aContextSwitchKeepsEachStacksFramesApart() {
        call("rest_init", TASK_A + 0x3e00);
        call("schedule", TASK_A + 0x3d00);
        // The switch: now on B's stack; a new kernel thread starts from the bottom of its stack.
        call("kernel_init", TASK_B + 0x3f00);
        call("do_one_initcall", TASK_B + 0x3e00);
        t.leave(TASK_B + 0x3e00 + 8, 1);
        assertEquals(3, t.openFrames(), "a return on B leaves A's frames alone");
        // Back on A: schedule returns, then rest_init.
        t.leave(TASK_A + 0x3d00 + 8, 2);
        t.leave(TASK_A + 0x3e00 + 8, 3);
        assertEquals(1, t.openFrames());
        assertEquals("""
                  rest_init
                    schedule
                  kernel_init
                    do_one_initcall
                """, printed());
    }

    @Test
    void aFrameLeftByAJumpIsClosedWhenItsStackIsReused() {
        call("rest_init", TASK_A + 0x3e00);
        call("schedule", TASK_A + 0x3d00); // never returns normally (longjmp-like)
        call("do_one_initcall", TASK_A + 0x3d00); // same slot reused: schedule is dead
        assertEquals(2, t.openFrames());
    }
}
