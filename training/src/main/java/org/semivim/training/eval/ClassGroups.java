package org.semivim.training.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The many / medium / few split of the classes by their labeled-training counts (ssl-spec.md §4.4).
 * Class lists are ascending class indices.
 */
public record ClassGroups(List<Integer> many, List<Integer> medium, List<Integer> few) {
    /** Secondary rule (Liu et al. 2019, ImageNet-LT): many if count > 100, few if count < 20, medium otherwise (20..100). */
    public static final int MANY_ABOVE = 100;
    public static final int FEW_BELOW = 20;

    public ClassGroups {
        many = List.copyOf(many);
        medium = List.copyOf(medium);
        few = List.copyOf(few);
    }

    /**
     * Primary rule, by frequency rank: classes sorted by labeled count, largest first (equal counts:
     * lower class index first); the first round(0.3·C) are many, the last round(0.3·C) are few, the
     * rest medium, with round half up computed in integers as (3C + 5) div 10. For C = 10 that is
     * 3 / 4 / 3, the split of ssl-spec.md §4.4; for C = 100 it is 30 / 40 / 30.
     */
    public static ClassGroups byRank(int[] labeledCounts) {
        int classes = labeledCounts.length;
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < classes; k++) order.add(k);
        order.sort(Comparator.<Integer>comparingInt(k -> -labeledCounts[k]).thenComparingInt(k -> k));
        int edge = (3 * classes + 5) / 10;
        List<Integer> many = new ArrayList<>(order.subList(0, edge));
        List<Integer> medium = new ArrayList<>(order.subList(edge, classes - edge));
        List<Integer> few = new ArrayList<>(order.subList(classes - edge, classes));
        many.sort(null);
        medium.sort(null);
        few.sort(null);
        return new ClassGroups(many, medium, few);
    }

    /** Secondary rule: the fixed thresholds {@link #MANY_ABOVE} and {@link #FEW_BELOW} on labeled counts. */
    public static ClassGroups byThreshold(int[] labeledCounts) {
        List<Integer> many = new ArrayList<>();
        List<Integer> medium = new ArrayList<>();
        List<Integer> few = new ArrayList<>();
        for (int k = 0; k < labeledCounts.length; k++) {
            if (labeledCounts[k] > MANY_ABOVE) many.add(k);
            else if (labeledCounts[k] < FEW_BELOW) few.add(k);
            else medium.add(k);
        }
        return new ClassGroups(many, medium, few);
    }
}
