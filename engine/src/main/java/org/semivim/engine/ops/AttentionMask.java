package org.semivim.engine.ops;

import java.util.Arrays;

/**
 * Which keys each query of a {@link CrossAttentionOps} call may attend to: {@code allowed[i·keys + j]}
 * is true when query i sees key j. The same mask is used for every sample and head. Every query must
 * see at least one key (a softmax over nothing is undefined); masked scores get probability 0
 * exactly (the additive −∞ of the ARM code).
 */
public record AttentionMask(int queries, int keys, boolean[] allowed) {

    public AttentionMask {
        if (queries < 1 || keys < 1) throw new IllegalArgumentException("attention mask needs >= 1 query and key, got " + queries + "×" + keys);
        if (allowed == null || allowed.length != queries * keys) {
            throw new IllegalArgumentException("attention mask: allowed must have queries·keys = " + queries * keys + " entries");
        }
        allowed = allowed.clone();
        for (int i = 0; i < queries; i++) {
            boolean any = false;
            for (int j = 0; j < keys && !any; j++) any = allowed[i * keys + j];
            if (!any) throw new IllegalArgumentException("attention mask: query " + i + " sees no key");
        }
    }

    /** Every query sees every key. */
    public static AttentionMask full(int queries, int keys) {
        boolean[] a = new boolean[queries * keys];
        Arrays.fill(a, true);
        return new AttentionMask(queries, keys, a);
    }

    /**
     * The ARM block-causal mask over {@code blocks} blocks of {@code perBlock} tokens on both sides:
     * query block k sees key blocks 0..k (torch.tril over blocks, repeated per token).
     */
    public static AttentionMask blockCausal(int blocks, int perBlock) {
        int n = blocks * perBlock;
        boolean[] a = new boolean[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) a[i * n + j] = j / perBlock <= i / perBlock;
        }
        return new AttentionMask(n, n, a);
    }

    public boolean sees(int query, int key) {
        return allowed[query * keys + key];
    }

    /** The allowed entries as a copy [Lq·Lk]. */
    @Override
    public boolean[] allowed() {
        return allowed.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionMask m && m.queries == queries && m.keys == keys && Arrays.equals(m.allowed, allowed);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * queries + keys) + Arrays.hashCode(allowed);
    }

    @Override
    public String toString() {
        return "AttentionMask[" + queries + "×" + keys + "]";
    }
}
