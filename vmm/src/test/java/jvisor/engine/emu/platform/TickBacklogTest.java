package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The reinjection bookkeeping on its own: one tick in flight, the rest owed, a cap and a time-out. */
class TickBacklogTest {
    private static final long MS = 1_000_000;
    private static final long PERIOD = 4 * MS; // Linux's tick at HZ = 250

    private final TickBacklog backlog = new TickBacklog();

    @Test
    void aTickIsRaisedAtOnceWhenNoneIsInFlight() {
        backlog.restart(PERIOD);
        assertTrue(backlog.elapsed(1, 0));
        assertTrue(backlog.inFlight());
        assertEquals(0, backlog.owed());
    }

    @Test
    void periodsThatEndWhileATickIsInFlightAreOwedAndRaisedOneAckAtATime() {
        backlog.restart(PERIOD);
        assertTrue(backlog.elapsed(1, 0));
        assertFalse(backlog.elapsed(3, 12 * MS), "the first is not taken yet");
        assertEquals(3, backlog.owed());
        for (int owed = 2; owed >= 0; owed--) {
            assertTrue(backlog.acknowledged(13 * MS));
            assertEquals(owed, backlog.owed());
        }
        assertFalse(backlog.acknowledged(13 * MS), "nothing more is owed");
        assertFalse(backlog.inFlight());
    }

    @Test
    void theBacklogIsCappedAtOneSecondOfPeriods() {
        backlog.restart(PERIOD);
        assertTrue(backlog.elapsed(1, 0));
        assertFalse(backlog.elapsed(60_000 / 4, 10 * MS), "a minute of periods");
        assertEquals(250, backlog.owed());
    }

    @Test
    void theCapNeverExceedsAThousandTicksNorFallsBelowOne() {
        backlog.restart(50_000);
        backlog.elapsed(1_000_000, 0);
        assertEquals(TickBacklog.MAX_TICKS - 1, backlog.owed(), "one raised, the rest owed");
        backlog.restart(5_000_000_000L); // a period longer than the cap's second
        assertTrue(backlog.elapsed(1, 0));
        assertFalse(backlog.elapsed(5, 1));
        assertEquals(1, backlog.owed());
    }

    @Test
    void aTickNeverAcknowledgedIsTakenAsLostAfterTheTimeout() {
        backlog.restart(PERIOD);
        assertTrue(backlog.elapsed(1, 0));
        assertFalse(backlog.elapsed(1, TickBacklog.ACK_TIMEOUT_NANOS - 1));
        assertTrue(backlog.elapsed(1, TickBacklog.ACK_TIMEOUT_NANOS), "raised again after the time-out");
        assertEquals(1, backlog.owed());
    }

    @Test
    void clearAndRestartForgetWhatIsOwedAndInFlight() {
        backlog.restart(PERIOD);
        backlog.elapsed(5, 0);
        backlog.clear();
        assertEquals(0, backlog.owed());
        assertFalse(backlog.inFlight());
        assertTrue(backlog.elapsed(1, 1), "the next period raises at once");
        backlog.elapsed(5, 2);
        backlog.restart(PERIOD);
        assertEquals(0, backlog.owed());
        assertFalse(backlog.acknowledged(3));
    }
}
