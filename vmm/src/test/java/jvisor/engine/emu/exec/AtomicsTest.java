package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.bus.IrqLine;
import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuPlatform;
import jvisor.engine.emu.EmuTestAccess;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.TestInterrupts;
import jvisor.engine.emu.TestIo;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * Locked instructions are atomic across processors: two processors on their own threads hammer
 * shared counters with LOCK INC, LOCK XADD, a CMPXCHG spin lock and an XCHG spin lock; no update
 * may be lost. (With more than one processor, HLT with interrupts off waits, since another
 * processor could still send an NMI or INIT; the test stops them with a kick.)
 */
class AtomicsTest {
    private static final int ITERATIONS = 200_000;

    private static final String HAMMER = """
            mov ecx, %d
            1:
            lock inc qword ptr [0x6000]
            mov eax, 1
            lock xadd dword ptr [0x6008], eax
            2: xor eax, eax
            mov edx, 1
            lock cmpxchg dword ptr [0x6010], edx
            jnz 2b
            inc qword ptr [0x6018]
            mov dword ptr [0x6010], 0
            3: mov eax, 1
            xchg eax, dword ptr [0x6020]
            test eax, eax
            jnz 3b
            inc qword ptr [0x6028]
            mov dword ptr [0x6020], 0
            lock add byte ptr [0x6031], 1
            dec ecx
            jnz 1b
            lock inc dword ptr [0x6040]
            cli
            hlt
            """.formatted(ITERATIONS);

    @Test
    void twoProcessorsLoseNoLockedUpdate() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.load(TestMachine.CODE, Asm.code64(HAMMER));
            m.longMode(TestMachine.CODE);
            CpuState state = m.cpu.state();
            TestInterrupts[] apics = {new TestInterrupts(), new TestInterrupts()};
            EmuPlatform platform = new EmuPlatform() {
                @Override
                public LocalInterrupts localInterrupts(int cpu) {
                    return apics[cpu];
                }

                @Override
                public IrqLine irqLine(int gsi) {
                    return IrqLine.NONE;
                }

                @Override
                public void close() { }
            };
            GuestMemory ram = m.ram;
            var vm = EmuTestAccess.vm(new VmSpec(ram, 2, new PortBus(), new MmioBus(null)), platform);
            VirtualCpu[] cpus = {vm.createCpu(0, new TestIo()), vm.createCpu(1, new TestIo())};
            ExitReason[] exits = new ExitReason[2];
            Thread[] threads = new Thread[2];
            for (int n = 0; n < 2; n++) {
                int k = n;
                long[] regs = new long[16];
                regs[4] = TestMachine.STACK - k * 0x1000L;
                cpus[k].setState(state.withRegs(GeneralRegisters.fromArray(regs, TestMachine.CODE, 2)));
                threads[k] = Thread.ofPlatform().start(() -> exits[k] = cpus[k].run());
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (ram.read32(0x6040) != 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            for (VirtualCpu cpu : cpus) {
                cpu.kick();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(2, ram.read32(0x6040), "both processors finished");
            assertEquals(ExitReason.STOPPED, exits[0], cpus[0].describeExit());
            assertEquals(ExitReason.STOPPED, exits[1], cpus[1].describeExit());
            assertEquals(2L * ITERATIONS, ram.read64(0x6000), "LOCK INC");
            assertEquals(2L * ITERATIONS, ram.read32(0x6008) & 0xFFFF_FFFFL, "LOCK XADD");
            assertEquals(2L * ITERATIONS, ram.read64(0x6018), "increments under a CMPXCHG spin lock");
            assertEquals(2L * ITERATIONS, ram.read64(0x6028), "increments under an XCHG spin lock");
            assertEquals((2 * ITERATIONS) & 0xFF, ram.read8(0x6031), "LOCK ADD on a byte inside a word");
            assertEquals(0, ram.read8(0x6030), "its neighbour untouched");
        }
    }
}
