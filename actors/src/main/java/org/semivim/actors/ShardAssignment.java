package org.semivim.actors;

import org.semivim.data.sampling.StepBatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which gradient shards each trainer present computes: the trainers sorted by their id (an actor
 * path, so every node would compute the same table), trainer i of n owning shards i, i + n, …
 * ({@link StepBatch#shardsOfWorker}, as in a one-JVM run). Pure. Which trainer computes a shard never
 * changes the result (docs/actors.md, determinism argument 5); the table only has to cover every
 * shard exactly once while at least one trainer is present.
 */
public final class ShardAssignment {
    private ShardAssignment() {}

    /** trainer id → its shards (ascending), for the trainers in {@code trainerIds}; empty when there are none. */
    public static Map<String, int[]> assign(Set<String> trainerIds, int shards) {
        if (shards < 1) throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        List<String> sorted = new ArrayList<>(new TreeSet<>(trainerIds));
        Map<String, int[]> out = new LinkedHashMap<>();
        int workers = Math.min(sorted.size(), shards);   // trainers beyond the shard count get none
        for (int i = 0; i < sorted.size(); i++) {
            out.put(sorted.get(i), i < workers ? StepBatch.shardsOfWorker(i, workers, shards) : new int[0]);
        }
        return out;
    }

    /** The trainers of {@code after} whose shards differ from {@code before} (new trainers included). */
    public static Set<String> changed(Map<String, int[]> before, Map<String, int[]> after) {
        Set<String> out = new TreeSet<>();
        for (var e : after.entrySet()) {
            int[] old = before.get(e.getKey());
            if (old == null || !java.util.Arrays.equals(old, e.getValue())) out.add(e.getKey());
        }
        return out;
    }
}
