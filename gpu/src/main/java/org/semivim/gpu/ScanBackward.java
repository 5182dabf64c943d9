package org.semivim.gpu;

import java.util.Locale;

/**
 * Which selective-scan backward kernel {@link CudaScanOps} runs (docs/gpu.md, "Selective scan backward,
 * v2"): {@code v1} = {@code scan_bwd} (chunks of the sequence, the default) or {@code v2} =
 * {@code scan_bwd_v2} (one walk over the sequence per channel, segments of {@code segmentLen}
 * positions). Chosen at run time with {@code -Dsemivim.cuda.scanBackward=v1|v2} and
 * {@code -Dsemivim.cuda.scanBackwardSegment=<even length, 2…16>} (v2 only; default
 * {@value ScanPlan#V2_DEFAULT_SEGMENT}). Both compute the same gradients (the parity tests run both);
 * v2 is not the default until a GPU measurement says it is faster.
 */
public record ScanBackward(Variant variant, int segmentLen) {
    public static final String PROPERTY = "semivim.cuda.scanBackward";
    public static final String SEGMENT_PROPERTY = "semivim.cuda.scanBackwardSegment";

    public enum Variant { V1, V2 }

    public static final ScanBackward V1 = new ScanBackward(Variant.V1, ScanPlan.V2_DEFAULT_SEGMENT);
    public static final ScanBackward V2 = new ScanBackward(Variant.V2, ScanPlan.V2_DEFAULT_SEGMENT);

    public ScanBackward {
        if (variant == null) throw new IllegalArgumentException("scan backward variant is null");
        if (segmentLen < 2 || segmentLen > ScanPlan.V2_MAX_SEGMENT || segmentLen % 2 != 0) {
            throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + ScanPlan.V2_MAX_SEGMENT + "] but is " + segmentLen);
        }
    }

    /** v2 with segments of {@code segmentLen} positions. */
    public static ScanBackward v2(int segmentLen) {
        return new ScanBackward(Variant.V2, segmentLen);
    }

    /** The choice the system properties make (v1 when unset). */
    public static ScanBackward fromSystemProperties() {
        return parse(System.getProperty(PROPERTY), System.getProperty(SEGMENT_PROPERTY));
    }

    /** {@code variant}: v1 | v2 (null: v1); {@code segment}: an even length 2…16 (null: the default). */
    static ScanBackward parse(String variant, String segment) {
        Variant v;
        String name = variant == null ? "v1" : variant.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "v1" -> v = Variant.V1;
            case "v2" -> v = Variant.V2;
            default -> throw new IllegalArgumentException(PROPERTY + " must be v1 or v2 but is '" + variant + "'");
        }
        int len = ScanPlan.V2_DEFAULT_SEGMENT;
        if (segment != null) {
            try {
                len = Integer.parseInt(segment.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + ScanPlan.V2_MAX_SEGMENT + "] but is '" + segment + "'");
            }
        }
        return new ScanBackward(v, len);
    }

    @Override
    public String toString() {
        return variant == Variant.V1 ? "v1" : "v2(segment=" + segmentLen + ")";
    }
}
