package org.semivim.training.step;

import java.util.ArrayList;
import java.util.List;

/**
 * What one gradient shard computes: the rows of every loss term that belong to shard {@code shard}
 * of step {@code step}, plus the coordinates of its drop masks. Shard s of S takes rows
 * [⌊s·n/S⌋, ⌊(s+1)·n/S⌋) of each term of n rows (the slicing of StepBatch), so the shards
 * concatenate to the terms and S is a configuration constant, never a worker count.
 *
 * @param terms the terms' slices, in the order of the step's term list (empty slices included)
 */
public record ShardInput(long seed, long step, int shard, int shardCount, List<LossTerm> terms) {

    public ShardInput {
        if (shardCount < 1 || shard < 0 || shard >= shardCount) throw new IllegalArgumentException("shard " + shard + " of " + shardCount);
        terms = List.copyOf(terms);
    }

    /** Splits a step's terms into {@code shardCount} shards, in shard order. */
    public static List<ShardInput> split(long seed, long step, List<LossTerm> terms, int shardCount) {
        if (shardCount < 1) throw new IllegalArgumentException("shard count must be >= 1, got " + shardCount);
        List<ShardInput> shards = new ArrayList<>(shardCount);
        for (int s = 0; s < shardCount; s++) {
            List<LossTerm> slices = new ArrayList<>(terms.size());
            for (LossTerm term : terms) slices.add(term.slice(bound(s, term.rows(), shardCount), bound(s + 1, term.rows(), shardCount)));
            shards.add(new ShardInput(seed, step, s, shardCount, slices));
        }
        return shards;
    }

    /** The first row of shard s of {@code rows} rows: ⌊s·rows/S⌋ (shard s is [bound(s), bound(s+1))). */
    public static int bound(int s, int rows, int shardCount) {
        return (int) ((long) s * rows / shardCount);
    }
}
