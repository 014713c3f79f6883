package jvisor.net.user;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stack's own data structures: the long-keyed map, the byte ring, the buffer pool. */
class StructuresTest {
    @Test
    void longMapBehavesAsAHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom r = new SplittableRandom(1);
        LongMap<Long> map = new LongMap<>(4);
        Map<Long, Long> reference = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            long key = r.nextInt(500) * 0x1_0000_0001L;     // clustered keys, many collisions
            if (r.nextInt(3) == 0) {
                map.remove(key);
                reference.remove(key);
            } else {
                map.put(key, (long) i);
                reference.put(key, (long) i);
            }
            long probe = r.nextInt(500) * 0x1_0000_0001L;
            assertEquals(reference.get(probe), map.get(probe));
        }
        assertEquals(reference.size(), map.size());
        int seen = 0;
        for (int i = 0; i < map.slots(); i++) {
            seen += map.valueAt(i) != null ? 1 : 0;
        }
        assertEquals(reference.size(), seen);
    }

    @Test
    void theRingKeepsOrderAcrossTheWrap() throws IOException {
        ByteRing ring = new ByteRing(ByteBuffer.allocateDirect(1000));
        SplittableRandom r = new SplittableRandom(2);
        byte[] written = new byte[100_000];
        r.nextBytes(written);
        int in = 0;
        int out = 0;
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        ByteBuffer read = ByteBuffer.allocate(100_000);
        while (out < written.length) {
            int n = Math.min(r.nextInt(700), Math.min(ring.free(), written.length - in));
            ring.append(ByteBuffer.wrap(written), in, n);
            in += n;
            ByteBuffer peek = ByteBuffer.allocate(ring.size());
            ring.copyOut(0, peek, 0, ring.size());
            for (int i = 0; i < ring.size(); i++) {
                assertEquals(written[out + i], peek.get(i));
            }
            int taken = ring.writeTo(pipe.sink());
            out += taken;
            pipe.source().read(read);
        }
        assertEquals(written.length, read.position());
        assertEquals(ByteBuffer.wrap(written), read.flip());
    }

    @Test
    void thePoolNeverExceedsItsBudgetAndAlwaysHasTheSmallestBuffer() {
        int maxBuffers = 64;
        long budget = 64L * BufferPool.MIN + (4L << 20);
        BufferPool pool = new BufferPool(budget, maxBuffers);
        ByteBuffer[] taken = new ByteBuffer[maxBuffers];
        for (int i = 0; i < maxBuffers; i++) {
            taken[i] = pool.take(1 << 20);
            assertNotNull(taken[i], "buffer " + i);
            assertTrue(pool.allocated() <= budget);
        }
        assertTrue(taken[0].capacity() > taken[maxBuffers - 1].capacity(), "later buffers are smaller");
        assertEquals(BufferPool.MIN, taken[maxBuffers - 1].capacity());
        assertNull(pool.take(BufferPool.MIN), "no more than maxBuffers at once");
        pool.give(taken[0]);
        assertNotNull(pool.take(1 << 20));
        assertTrue(pool.allocated() <= budget);
    }
}
