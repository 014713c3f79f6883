package jvisor.core.vmmcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Call numbers by registration order, skipping those KVM's Xen intercept may answer in the kernel and KVM_HC_SEND_IPI. */
class VmmcallNumbersTest {
    @Test
    void numbersSkipTheReservedOnesAndNamesStillFindTheirCalls() {
        Vmmcall v = new Vmmcall();
        Set<Integer> numbers = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            long answer = 1000 + i;
            v.register("call" + i, c -> answer);
            int n = v.numberOf("call" + i);
            assertTrue(n > 0, "call" + i);
            assertFalse(Vmmcall.RESERVED.contains(n), "call" + i + " got reserved number " + n);
            assertTrue(numbers.add(n));
        }
        assertEquals(1, v.numberOf("call0"));
        assertEquals(11, v.numberOf("call9"), "10 (KVM_HC_SEND_IPI, answered by emu's processor) is skipped");
        assertEquals(18, v.numberOf("call14"), "15 and 17 are skipped");
        assertEquals(0, v.numberOf("no such call"));
    }
}
