package org.semivim.engine.models;

import org.semivim.engine.layers.Linear;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * The Mamba mixer with bimamba v2 (vim-spec.md §4, §10.3, §11), or a single causal direction when
 * the config says {@code bimamba: none}:
 * <pre>
 * x = hs·W_in[0:E]ᵀ, z = hs·W_in[E:2E]ᵀ                       [B,L,E]   (in_proj, no bias)
 * out^f = Branch_f(x, z)     out^b = Branch_b(x, z) anti-causal, in token order (no flips)
 * m = (out^f + out^b)/2  [+ ν·(ψ_b·r^f + (1 − ψ_b)·r^b)  with SSMixup, r = y − D⊙u]
 * mixer output = m·W_outᵀ                                     [B,L,D]   (out_proj, no bias)
 * </pre>
 * in_proj and out_proj, and the gate z, are shared by both directions. Parameters are declared in
 * the official state-dict order: A_log, D, A_b_log, D_b, in_proj, forward branch, backward branch, out_proj.
 */
public final class MambaMixer {
    /** What the backward needs. psi is null for a plain forward. */
    public record Saved(Tensor input, Tensor x, Tensor z, MambaBranch.Saved fwd, MambaBranch.Saved bwd,
                        Tensor merged, float[] psi, float nu) {}

    /** The mixer output [B,L,D] and the saved tensors. */
    public record Output(Tensor y, Saved saved) {}

    /** Elements per task of the element-wise loops (a split by size only: results do not depend on threads). */
    private static final int CHUNK = 1 << 16;

    private final Ops ops;
    private final int dModel, dInner;
    private final boolean divideOut;
    private final Parameter inProj;
    private final MambaBranch forwardBranch;
    private final MambaBranch backwardBranch;   // null without bimamba v2
    private final Linear outProj;

    /** {@code prefix} is e.g. "layers.3.mixer." (with the trailing dot). */
    public MambaMixer(Ops ops, ParameterSet.Builder params, String prefix, VimConfig cfg) {
        this.ops = ops;
        this.dModel = cfg.embedDim();
        this.dInner = cfg.dInner();
        this.divideOut = cfg.divideOut();
        int ns = cfg.dState();
        Parameter aLog = params.declare(prefix + "A_log", dInner, ns);
        Parameter dSkip = params.declare(prefix + "D", dInner);
        Parameter aLogB = null, dSkipB = null;
        if (cfg.bidirectional()) {
            aLogB = params.declare(prefix + "A_b_log", dInner, ns);
            dSkipB = params.declare(prefix + "D_b", dInner);
        }
        this.inProj = params.declare(prefix + "in_proj.weight", 2 * dInner, dModel);
        this.forwardBranch = new MambaBranch(ops, params, prefix, "", false, cfg, aLog, dSkip);
        this.backwardBranch = cfg.bidirectional()
                ? new MambaBranch(ops, params, prefix, "_b", true, cfg, aLogB, dSkipB) : null;
        this.outProj = new Linear(ops, params, prefix + "out_proj", dInner, dModel, false);
    }

    /**
     * hs [B,L,D] → mixer output [B,L,D]. {@code psi} [B] (null for none) switches the SSMixup term on
     * with coefficient {@code nu}; it needs both directions.
     */
    public Output forward(Tensor hs, float[] psi, float nu) {
        return forward(hs, psi, nu, Activations.fresh());
    }

    /** As {@link #forward(Tensor, float[], float)}, with the saved tensors taken from {@code acts}. */
    Output forward(Tensor hs, float[] psi, float nu, Activations acts) {
        if (hs.rank() != 3 || hs.dim(2) != dModel) {
            throw new IllegalArgumentException("MambaMixer input must be [B,L," + dModel + "] but got " + hs);
        }
        int batch = hs.dim(0), len = hs.dim(1);
        if (psi != null && backwardBranch == null) {
            throw new IllegalArgumentException("SSMixup needs a bidirectional (bimamba v2) mixer");
        }
        if (psi != null && psi.length != batch) {
            throw new IllegalArgumentException("SSMixup psi has " + psi.length + " values for a batch of " + batch);
        }
        Tensor[] saved = acts.outputs(3, batch, len, dInner);             // each written in full below
        Tensor x = saved[0], z = saved[1];                                // [B,L,E]
        ops.gemm().gemm(false, true, 1f, hs, inProjRows(inProj.value(), 0), 0f, x);
        ops.gemm().gemm(false, true, 1f, hs, inProjRows(inProj.value(), dInner), 0f, z);
        Tensor merged = saved[2];                                         // [B,L,E] (saved): out^f, then the merge
        Workspace ws = Workspace.current();
        int mark = ws.mark();
        MambaBranch.Output f, b = null;
        try {
            f = forwardBranch.forward(x, z, merged, acts, psi != null, false, 1f);
            if (backwardBranch != null) {
                float scale = divideOut ? 0.5f : 1f;
                if (ops.scan().projectsDelta()) {                         // merged = (out^f + out^b)·scale as the scan writes out^b
                    b = backwardBranch.forward(x, z, merged, acts, psi != null, true, scale);
                } else {
                    Tensor outBTensor = ws.scratch(batch, len, dInner);   // [B,L,E] out^b
                    b = backwardBranch.forward(x, z, outBTensor, acts, psi != null, false, 1f);
                    float[] m = merged.data, outB = outBTensor.data;
                    Parallel.forEach(Parallel.chunks(merged.size, CHUNK), c -> {
                        for (int i = c * CHUNK, end = Math.min(m.length, i + CHUNK); i < end; i++) m[i] = (m[i] + outB[i]) * scale;
                    });
                }
                if (psi != null) addSsMixupTerm(merged, forwardBranch.readout(f), backwardBranch.readout(b), psi, nu);
            }
        } finally {
            ws.release(mark);                                             // the branches' y and out^b
        }
        Tensor y = outProj.forward(merged, acts.output(batch, len, dModel)); // [B,L,D]
        return new Output(y, new Saved(hs, x, z, f.saved(), b == null ? null : b.saved(), merged,
                psi == null ? null : psi.clone(), nu));
    }

    /** merged += ν·(ψ_b·r^f + (1 − ψ_b)·r^b) (vim-spec.md §11; r^b is already in token order). */
    private void addSsMixupTerm(Tensor merged, Tensor rF, Tensor rB, float[] psi, float nu) {
        int perSample = merged.size / psi.length;
        for (int i = 0; i < merged.size; i++) {
            float ps = psi[i / perSample];
            merged.data[i] += nu * (ps * rF.data[i] + (1f - ps) * rB.data[i]);
        }
    }

    /** Accumulates the mixer's parameter gradients and dInput [B,L,D] from dY = ∂L/∂(mixer output) [B,L,D]. */
    public void backward(Saved s, Tensor dY, Tensor dInput) {
        int batch = s.input().dim(0), len = s.input().dim(1);
        dY.requireShape("MambaMixer output gradient", batch, len, dModel);
        dInput.requireShape("MambaMixer input gradient", batch, len, dModel);
        Workspace ws = Workspace.current();
        int mark = ws.mark();
        try {
            Tensor dx = ws.zeros(batch, len, dInner);                     // [B,L,E]
            Tensor dz = ws.zeros(batch, len, dInner);                     // [B,L,E]
            // out_proj: dW_out += dYᵀ·m; the branches' ∂L/∂out is scale·∂L/∂m = scale·dY·W_out, formed by
            // the GEMM's alpha (scale is 1 or ½, so this is exactly the rounded ∂L/∂m times scale)
            float scale = backwardBranch != null && divideOut ? 0.5f : 1f;
            outProj.backward(s.merged(), dY, null);
            Tensor dOut = ws.scratch(batch, len, dInner);                 // [B,L,E] scale·∂L/∂m (β = 0: written in full)
            ops.gemm().gemm(false, false, scale, dY, outProj.weight().value(), 0f, dOut);
            if (backwardBranch == null) {
                forwardBranch.backward(s.x(), s.z(), s.fwd(), dOut, null, dx, dz);
            } else {
                Tensor dReadoutF = null, dReadoutB = null;                // [B,L,E] SSMixup: ν ψ gm, ν (1 − ψ) gm
                if (s.psi() != null) {
                    dReadoutF = ws.scratch(batch, len, dInner);
                    dReadoutB = ws.scratch(batch, len, dInner);
                    int perSample = len * dInner;
                    float unscale = 1f / scale;                           // exact: gm = dOut / scale
                    for (int i = 0; i < dOut.size; i++) {
                        float ps = s.psi()[i / perSample], g = dOut.data[i] * unscale;
                        dReadoutF.data[i] = s.nu() * ps * g;
                        dReadoutB.data[i] = s.nu() * (1f - ps) * g;
                    }
                }
                forwardBranch.backward(s.x(), s.z(), s.fwd(), dOut, dReadoutF, dx, dz);
                backwardBranch.backward(s.x(), s.z(), s.bwd(), dOut, dReadoutB, dx, dz);
            }
            // in_proj: dW_in[0:E] += dxᵀ·hs, dW_in[E:2E] += dzᵀ·hs, dhs += dx·W_in[0:E] + dz·W_in[E:2E]
            ops.gemm().gemm(true, false, 1f, dx, s.input(), 1f, inProjRows(inProj.grad(), 0));
            ops.gemm().gemm(true, false, 1f, dz, s.input(), 1f, inProjRows(inProj.grad(), dInner));
            ops.gemm().gemm(false, false, 1f, dx, inProjRows(inProj.value(), 0), 1f, dInput);
            ops.gemm().gemm(false, false, 1f, dz, inProjRows(inProj.value(), dInner), 1f, dInput);
        } finally {
            ws.release(mark);
        }
    }

    /** Rows [firstRow, firstRow + E) of the [2E, D] in_proj weight (or gradient): x for 0, z for E. */
    private Tensor inProjRows(Tensor w, int firstRow) {
        return Tensor.view(w.data, w.offset + firstRow * dModel, dInner, dModel);
    }
}
