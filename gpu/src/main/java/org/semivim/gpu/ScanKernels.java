package org.semivim.gpu;

import java.util.Locale;

/**
 * Which selective-scan kernels {@link CudaScanOps} runs (docs/gpu.md, "Selective scan, v2 kernels"):
 * <ul>
 * <li>forward: {@code v1} = {@code scan_fwd}; {@code v2} = {@code scan_fwd_v2}, the same walk reading the
 * staged B|C rows with 128-bit shared loads (bit-identical results);</li>
 * <li>backward: {@code v1} = {@code scan_bwd} (chunks of the sequence); {@code v2} = {@code scan_bwd_v2}
 * (one walk over the sequence per channel, segments of {@code segmentLen} positions).</li>
 * </ul>
 * Chosen at run time with {@code -Dsemivim.cuda.scanForward=v1|v2}, {@code -Dsemivim.cuda.scanBackward=v1|v2}
 * and {@code -Dsemivim.cuda.scanBackwardSegment=<even length 2…16>} (default {@value ScanPlan#V2_DEFAULT_SEGMENT}).
 * The variants compute the same results within the parity tolerances (the tests run all of them); v1 stays the
 * default until a GPU measurement (`bench gpu-step` prints both) says v2 is faster.
 */
public record ScanKernels(Variant forward, Variant backward, int segmentLen) {
    public static final String FORWARD_PROPERTY = "semivim.cuda.scanForward";
    public static final String BACKWARD_PROPERTY = "semivim.cuda.scanBackward";
    public static final String SEGMENT_PROPERTY = "semivim.cuda.scanBackwardSegment";

    public enum Variant {
        V1, V2;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** v1 forward and backward: the kernels measured on the H100. */
    public static final ScanKernels DEFAULT = new ScanKernels(Variant.V1, Variant.V1, ScanPlan.V2_DEFAULT_SEGMENT);

    public ScanKernels {
        if (forward == null || backward == null) throw new IllegalArgumentException("scan kernel variant is null");
        if (segmentLen < 2 || segmentLen > ScanPlan.V2_MAX_SEGMENT || segmentLen % 2 != 0) {
            throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + ScanPlan.V2_MAX_SEGMENT + "] but is " + segmentLen);
        }
    }

    public ScanKernels withForward(Variant v) {
        return new ScanKernels(v, backward, segmentLen);
    }

    public ScanKernels withBackward(Variant v) {
        return new ScanKernels(forward, v, segmentLen);
    }

    /** The v2 backward with segments of {@code len} positions. */
    public ScanKernels withBackwardV2Segment(int len) {
        return new ScanKernels(forward, Variant.V2, len);
    }

    /** The choice the system properties make (v1 for what is unset). */
    public static ScanKernels fromSystemProperties() {
        return parse(System.getProperty(FORWARD_PROPERTY), System.getProperty(BACKWARD_PROPERTY), System.getProperty(SEGMENT_PROPERTY));
    }

    /** Each of {@code forward}, {@code backward}: v1 | v2 (null: v1); {@code segment}: an even length 2…16 (null: the default). */
    static ScanKernels parse(String forward, String backward, String segment) {
        int len = ScanPlan.V2_DEFAULT_SEGMENT;
        if (segment != null) {
            try {
                len = Integer.parseInt(segment.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SEGMENT_PROPERTY + " must be an even number in [2, " + ScanPlan.V2_MAX_SEGMENT + "] but is '" + segment + "'");
            }
        }
        return new ScanKernels(variant(FORWARD_PROPERTY, forward), variant(BACKWARD_PROPERTY, backward), len);
    }

    private static Variant variant(String property, String value) {
        String name = value == null ? "v1" : value.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "v1" -> Variant.V1;
            case "v2" -> Variant.V2;
            default -> throw new IllegalArgumentException(property + " must be v1 or v2 but is '" + value + "'");
        };
    }

    @Override
    public String toString() {
        return "forward " + forward + ", backward " + (backward == Variant.V1 ? "v1" : "v2 (segment " + segmentLen + ")");
    }
}
