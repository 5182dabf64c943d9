package org.semivim.data.store;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The second JVM of {@link TwoProcessStoreTest}: opens the store another process is writing,
 * reads until every expected record is there, and checks each record it sees.
 * Args: store file, expected count, timeout ms. Prints "OPENED", "FIRST n" after its first full
 * pass (the writer waits for that line before writing more, so the test does not depend on
 * timing), then "SEEN first=… final=…".
 * Exit 0 = all seen and valid, 2 = timeout, 3 = a wrong record.
 */
public final class StoreReaderProcess {
    private StoreReaderProcess() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int expected = Integer.parseInt(args[1]);
        long deadline = System.currentTimeMillis() + Long.parseLong(args[2]);
        try (PseudoLabelStore store = PseudoLabelStore.open(file, expected, 10)) {
            System.out.println("OPENED");
            System.out.flush();
            int firstPass = -1;
            while (true) {
                int seen = 0;
                for (int i = 0; i < expected; i++) {
                    Optional<PseudoLabelStore.PseudoLabel> p = store.get(i);
                    if (p.isEmpty()) continue;
                    PseudoLabelStore.PseudoLabel want = TwoProcessStoreTest.recordOf(i);
                    if (!p.get().equals(want)) {
                        System.out.println("WRONG sample " + i + ": " + p.get() + " instead of " + want);
                        System.exit(3);
                    }
                    seen++;
                }
                if (firstPass < 0) {
                    firstPass = seen;
                    System.out.println("FIRST " + firstPass);
                    System.out.flush();
                }
                if (seen == expected) {
                    System.out.println("SEEN first=" + firstPass + " final=" + seen);
                    System.out.flush();
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    System.out.println("TIMEOUT first=" + firstPass + " final=" + seen);
                    System.exit(2);
                }
                Thread.sleep(5);
            }
        }
        System.exit(0);
    }
}
