package org.semivim.cluster;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node whose seed nodes do not answer fails with a clear error within its join timeout, never hangs. */
class ClusterNodeTest {

    @Test
    void aNodeThatCannotReachItsSeedNodesFailsWithAClearErrorWithinTheJoinTimeout() throws IOException {
        int unused;
        try (ServerSocket s = new ServerSocket(0)) {
            unused = s.getLocalPort();   // nothing listens there once the socket is closed
        }
        NodeSettings settings = NodeSettings.loopback(Set.of("trainer"), List.of("127.0.0.1:" + unused), 0, Transport.TCP)
                .withJoinTimeout(Duration.ofSeconds(3));
        long t0 = System.nanoTime();
        NodeJoinException e = assertThrows(NodeJoinException.class, () -> ClusterNode.start(settings));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("could not join the cluster") && e.getMessage().contains("127.0.0.1:" + unused), e.getMessage());
        // 3 s join timeout + the system's shutdown; a hang would run into surefire's limit instead
        assertTrue(seconds < 30, "gave up after " + seconds + " s");
    }
}
