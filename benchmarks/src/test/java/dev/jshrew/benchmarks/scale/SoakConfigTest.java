package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two overrides of a profile that {@code run.sh} passes on: a shorter chain, and more view clients. */
class SoakConfigTest {
    private static Soak.Config profile(String name) {
        return Soak.profile(name, List.of("jshrew"), Path.of("blocks"), Path.of("indexer.wasm"), Path.of("work"));
    }

    @Test
    void moreClientsShareTheSameViews() {
        Soak.Config views = profile("views");
        Soak.Config sixteen = views.withViewClients(16);
        assertEquals(16, sixteen.viewClients());
        assertEquals(
                views.viewClients() * views.viewRequestsPerClient(),
                sixteen.viewClients() * sixteen.viewRequestsPerClient());
        assertEquals(views.count(), sixteen.count());
        assertEquals(views.viewPauseMillis(), sixteen.viewPauseMillis());
        // a count that does not divide rounds down, never up
        Soak.Config three = views.withViewClients(3);
        assertEquals(3333, three.viewRequestsPerClient());
    }

    @Test
    void noClientsOrMoreClientsThanViewsAreRefused() {
        Soak.Config views = profile("views");
        int all = views.viewClients() * views.viewRequestsPerClient();
        assertEquals(1, views.withViewClients(all).viewRequestsPerClient());
        for (int clients : new int[] {0, -1, all + 1}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> views.withViewClients(clients));
            assertTrue(e.getMessage().contains("VIEW_CLIENTS must be between 1 and " + all), e.getMessage());
        }
    }

    @Test
    void aShorterChainDropsTheReorgsBeyondIt() {
        Soak.Config quick = profile("quick");
        Soak.Config short300 = quick.withCount(300);
        assertEquals(300, short300.count());
        // the quick profile reorgs at 140, 280, …, 840: only those below the last block stay
        assertEquals(
                List.of(140L, 280L), short300.reorgs().stream().map(r -> r[0]).toList());
        assertEquals(quick.viewClients(), short300.viewClients());
        assertEquals(quick.viewRequestsPerClient(), short300.viewRequestsPerClient());
    }
}
