package org.semivim.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeCommandTest {

    @Test
    void nodeWithUnreachableSeedExitsTwoWithOneLine() throws Exception {
        int unused;
        try (ServerSocket s = new ServerSocket(0)) {
            unused = s.getLocalPort();
        }
        var cl = Main.commandLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("node", "--role", "trainer", "--seed-nodes", "127.0.0.1:" + unused, "--port", "0", "--join-timeout", "3");
        assertEquals(2, code);
        String line = err.toString().strip();
        assertTrue(line.startsWith("semivim node: could not join the cluster") && line.contains("127.0.0.1:" + unused), line);
    }

    @Test
    void unknownRoleIsRefused() {
        var cl = Main.commandLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("node", "--role", "trainer,boss", "--port", "0"));
        assertTrue(err.toString().contains("unknown role 'boss'"), err.toString());
    }
}
