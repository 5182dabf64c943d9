package org.semivim.training.lyapema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;

/**
 * The elements of the flat parameter array that LyapEMA measures and pulls (R-L10): the learnable
 * parameters that are trainable in this stage, as sorted, disjoint, merged ranges [start, end).
 * The other elements (frozen parameters) take no part in d, V or the lam pull; the teacher EMA still
 * averages them with α_t, as the spec does for buffers, so a frozen element stays equal in student
 * and teacher when it started equal.
 */
public final class TrainableRanges {
    private final int count;
    private final int[] starts;   // [ranges] sorted
    private final int[] ends;     // [ranges] ends[r] > starts[r], ends[r] < starts[r+1] (merged)

    private TrainableRanges(int count, int[] starts, int[] ends) {
        this.count = count;
        this.starts = starts;
        this.ends = ends;
    }

    /** Every element of an array of {@code count} elements is trainable. */
    public static TrainableRanges all(int count) {
        if (count < 0) throw new IllegalArgumentException("parameter count must be >= 0, got " + count);
        return count == 0 ? new TrainableRanges(0, new int[0], new int[0]) : new TrainableRanges(count, new int[] {0}, new int[] {count});
    }

    /** The parameters of {@code params} except those named in {@code frozenNames} (each must exist). */
    public static TrainableRanges of(ParameterSet params, Set<String> frozenNames) {
        Set<String> unknown = new HashSet<>(frozenNames);
        unknown.removeAll(params.names());
        if (!unknown.isEmpty()) throw new IllegalArgumentException("frozen parameter names not in the parameter set: " + unknown);
        List<int[]> ranges = new ArrayList<>();
        for (Parameter p : params.parameters()) {
            if (frozenNames.contains(p.name()) || p.size() == 0) continue;
            ranges.add(new int[] {p.offset(), p.offset() + p.size()});
        }
        return fromRanges(params.count(), ranges);
    }

    /** Explicit ranges [starts[r], ends[r]) of an array of {@code count} elements; sorted, non-overlapping. */
    public static TrainableRanges of(int count, int[] starts, int[] ends) {
        if (starts.length != ends.length) {
            throw new IllegalArgumentException("trainable ranges: " + starts.length + " starts but " + ends.length + " ends");
        }
        List<int[]> ranges = new ArrayList<>();
        for (int r = 0; r < starts.length; r++) ranges.add(new int[] {starts[r], ends[r]});
        return fromRanges(count, ranges);
    }

    private static TrainableRanges fromRanges(int count, List<int[]> ranges) {
        if (count < 0) throw new IllegalArgumentException("parameter count must be >= 0, got " + count);
        List<int[]> merged = new ArrayList<>();
        int previousEnd = 0;
        for (int[] r : ranges) {
            if (r[0] < previousEnd || r[1] < r[0] || r[1] > count) {
                throw new IllegalArgumentException("trainable range [" + r[0] + ", " + r[1] + ") is out of order, overlapping or outside [0, "
                        + count + ")");
            }
            previousEnd = r[1];
            if (r[0] == r[1]) continue;
            int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last[1] == r[0]) last[1] = r[1];
            else merged.add(new int[] {r[0], r[1]});
        }
        return new TrainableRanges(count,
                merged.stream().mapToInt(r -> r[0]).toArray(), merged.stream().mapToInt(r -> r[1]).toArray());
    }

    /** Length of the flat array these ranges index. */
    public int count() {
        return count;
    }

    /** Number of trainable elements. */
    public long trainableCount() {
        long n = 0;
        for (int r = 0; r < starts.length; r++) n += ends[r] - starts[r];
        return n;
    }

    public boolean contains(int index) {
        int r = Arrays.binarySearch(starts, index);
        if (r >= 0) return true;
        r = -r - 2;                                   // the range starting before index
        return r >= 0 && index < ends[r];
    }

    /** Receives one piece [start, end) of a range. */
    public interface PieceBody {
        void accept(int start, int end);
    }

    /** Calls {@code body} on every part of the ranges that lies in [from, to), in increasing order. */
    public void forEachPieceIn(int from, int to, PieceBody body) {
        int r = Arrays.binarySearch(starts, from);
        if (r < 0) r = Math.max(0, -r - 2);          // the range that may contain `from`
        for (; r < starts.length && starts[r] < to; r++) {
            int start = Math.max(starts[r], from), end = Math.min(ends[r], to);
            if (start < end) body.accept(start, end);
        }
    }
}
