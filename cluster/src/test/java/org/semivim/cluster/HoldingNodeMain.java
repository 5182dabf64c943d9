package org.semivim.cluster;

import org.semivim.actors.RunHooks;

/**
 * Test helper: {@link NodeMain} whose run, if it hosts one, is held before the commit of step
 * {@code hold} (the first argument; the rest are NodeMain's) until the process is killed. A test that
 * SIGKILLs this node once it printed {@code step <hold − 1>} knows the node had not run further, so
 * whoever finishes the run must have committed step {@code hold} and after itself.
 */
final class HoldingNodeMain {
    private HoldingNodeMain() {}

    public static void main(String[] args) throws Exception {
        long hold = Long.parseLong(args[0]);
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        RunHooks holdIt = new RunHooks() {
            @Override
            public void beforeCommit(long step) {
                if (step != hold) return;
                System.out.println("holding before the commit of step " + step);
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);   // until SIGKILL
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        System.exit(NodeMain.run(NodeMain.parse(rest), holdIt));
    }
}
