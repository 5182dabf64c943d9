package org.semivim.engine.ops;

import java.util.Objects;

/**
 * A compute backend: one implementation of each family of heavy operations. Layers and models
 * only talk to this, so the {@code gpu} module can provide a CUDA backend without touching them
 * (STYLE.md §8). {@link #cpu()} is the fast CPU backend, {@link #reference()} the plain scalar
 * reference every fast path is tested against.
 */
public final class Ops {
    private final String name;
    private final GemmOps gemm;
    private final NormOps norm;
    private final ElementwiseOps elementwise;
    private final ConvOps conv;
    private final ScanOps scan;
    private final LossOps loss;
    private final AttentionOps attention;
    private final CrossAttentionOps crossAttention;

    /** A backend without cross-attention (the families every classifier needs). */
    public Ops(String name, GemmOps gemm, NormOps norm, ElementwiseOps elementwise, ConvOps conv,
               ScanOps scan, LossOps loss, AttentionOps attention) {
        this(name, gemm, norm, elementwise, conv, scan, loss, attention, null);
    }

    public Ops(String name, GemmOps gemm, NormOps norm, ElementwiseOps elementwise, ConvOps conv,
               ScanOps scan, LossOps loss, AttentionOps attention, CrossAttentionOps crossAttention) {
        this.name = Objects.requireNonNull(name);
        this.gemm = gemm;
        this.norm = norm;
        this.elementwise = elementwise;
        this.conv = conv;
        this.scan = scan;
        this.loss = loss;
        this.attention = attention;
        this.crossAttention = crossAttention;
        // A backend may leave a family out (null), e.g. a GPU backend under construction; using it then fails clearly.
    }

    private static final class CpuHolder {
        static final Ops INSTANCE = new Ops("cpu", new CpuGemm(), new CpuNormOps(), new CpuElementwiseOps(),
                new CpuConvOps(), new CpuScanOps(), new CpuLossOps(), new CpuAttentionOps(), new CpuCrossAttentionOps());
    }

    private static final class ReferenceHolder {
        static final Ops INSTANCE = new Ops("reference", new ReferenceGemm(), new ReferenceNormOps(),
                new ReferenceElementwiseOps(), new ReferenceConvOps(), new ReferenceScanOps(),
                new ReferenceLossOps(), new ReferenceAttentionOps(), new ReferenceCrossAttentionOps());
    }

    private static <T> T need(T family, String what) {
        if (family == null) throw new IllegalStateException("backend has no " + what + " operations");
        return family;
    }

    /** The fast CPU backend (multithreaded with fixed partitioning; BLAS for GEMM). */
    public static Ops cpu() {
        return CpuHolder.INSTANCE;
    }

    /** The plain single-threaded scalar backend, accumulating in double. */
    public static Ops reference() {
        return ReferenceHolder.INSTANCE;
    }

    public String name() { return name; }
    public GemmOps gemm() { return need(gemm, "gemm"); }
    public NormOps norm() { return need(norm, "norm"); }
    public ElementwiseOps elementwise() { return need(elementwise, "elementwise"); }
    public ConvOps conv() { return need(conv, "conv"); }
    public ScanOps scan() { return need(scan, "scan"); }
    public LossOps loss() { return need(loss, "loss"); }
    public AttentionOps attention() { return need(attention, "attention"); }
    public CrossAttentionOps crossAttention() { return need(crossAttention, "cross-attention"); }

    @Override
    public String toString() {
        return "Ops[" + name + "]";
    }
}
