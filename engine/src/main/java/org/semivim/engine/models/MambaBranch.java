package org.semivim.engine.models;

import org.semivim.engine.ops.ConvSiluOps;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * One direction of a bimamba-v2 mixer, {@code mamba_inner_fn_no_out_proj} without the flips
 * (vim-spec.md §4, §10.1–10.2): causal (forward) or anti-causal (backward direction, {@code reverse})
 * depthwise conv, SiLU, x_proj split into dt-rank / B / C, dt_proj, and the gated selective scan.
 * All tensors stay in token order; {@code reverse} makes the conv and the scan run from the last
 * token to the first, which equals the official flip → causal → flip.
 * <pre>
 * pre = conv1d(x)          u = SiLU(pre)                 [B,L,E]
 * dtr = u·W_x[0:R]ᵀ  [B,L,R]   Bm = u·W_x[R:R+N]ᵀ  Cm = u·W_x[R+N:]ᵀ  [B,L,N]
 * Δraw = dtr·W_dtᵀ  [B,L,E]   (dt_proj.bias enters the scan as delta bias)
 * y, out = scan(u, Δraw, b_dt, A_log, Bm, Cm, D, z)     out = y ⊙ SiLU(z)
 * </pre>
 * x_proj is one GEMM into [B,L,R+2N] whose column blocks are then copied out to contiguous dtr, Bm
 * and Cm (three thin GEMMs of 8–16 columns run at a third of the speed of one of 40); its backward
 * likewise joins d dtr, dBm, dCm into one [B,L,R+2N] gradient for two GEMMs. On a backend whose scan
 * {@link org.semivim.engine.ops.ScanOps#projectsDelta projects Δraw} (the fast CPU one) dt_proj runs
 * inside the scan and Δraw is never stored; with the fused conv1d + SiLU
 * ({@link ConvSiluOps}) pre is never stored either (the backward recomputes it from x).
 */
final class MambaBranch {
    /**
     * What the backward needs (y and out are not kept: the scan backward recomputes its states);
     * deltaRaw is null when the scan projected it inside (it recomputes it from dtr), pre when the fused
     * conv1d + SiLU recomputes it from x.
     */
    record Saved(Tensor pre, Tensor u, Tensor dtr, Tensor bm, Tensor cm, Tensor deltaRaw) {}

    /** Forward result (the gated output went into the caller's out): the pre-gate output y (SSMixup reads r = y − D⊙u; null unless asked for), and the saved tensors. */
    record Output(Tensor y, Saved saved) {}

    /** Rows (tokens) per task of the column copies (a split by size only). */
    private static final int ROW_CHUNK = 1024;

    private final Ops ops;
    private final boolean reverse;
    private final int dInner, dState, dtRank, dConv;
    private final Parameter aLog, dSkip;            // owned by the mixer (declared before in_proj)
    private final Parameter convWeight, convBias, xProj, dtWeight, dtBias;

    /** Declares {@code <prefix>conv1d<sfx>.weight/bias, x_proj<sfx>.weight, dt_proj<sfx>.weight/bias} in state-dict order. */
    MambaBranch(Ops ops, ParameterSet.Builder params, String prefix, String sfx, boolean reverse, VimConfig cfg,
                Parameter aLog, Parameter dSkip) {
        this.ops = ops;
        this.reverse = reverse;
        this.dInner = cfg.dInner();
        this.dState = cfg.dState();
        this.dtRank = cfg.resolvedDtRank();
        this.dConv = cfg.dConv();
        this.aLog = aLog;
        this.dSkip = dSkip;
        this.convWeight = params.declare(prefix + "conv1d" + sfx + ".weight", dInner, 1, dConv);
        this.convBias = params.declare(prefix + "conv1d" + sfx + ".bias", dInner);
        this.xProj = params.declare(prefix + "x_proj" + sfx + ".weight", dtRank + 2 * dState, dInner);
        this.dtWeight = params.declare(prefix + "dt_proj" + sfx + ".weight", dInner, dtRank);
        this.dtBias = params.declare(prefix + "dt_proj" + sfx + ".bias", dInner);
    }

    /**
     * x, z [B,L,E] → gated output written into {@code out} [B,L,E] (overwritten). The pre-gate output
     * y of the result (null unless {@code withY}: only SSMixup reads it) is a temporary of the
     * caller's {@link Workspace} scope; the saved tensors come from {@code acts}. When the scan
     * {@link org.semivim.engine.ops.ScanOps#projectsDelta projects Δraw inside}, dt_proj runs in the
     * scan and no Δraw is saved ({@link Saved#deltaRaw} null); only then may {@code addToOut} ask for
     * out = (out + gated output)·outScale (the bimamba merge) instead of out = gated output.
     */
    Output forward(Tensor x, Tensor z, Tensor out, Activations acts, boolean withY, boolean addToOut, float outScale) {
        int batch = x.dim(0), len = x.dim(1);
        Workspace ws = Workspace.current();
        boolean projected = ops.scan().projectsDelta();
        if (addToOut && !projected) throw new IllegalStateException("the merge into out needs a scan that projects Δraw inside");
        ConvSiluOps fused = ops.conv() instanceof ConvSiluOps f ? f : null;
        // saved, each written in full below: u; pre unless the fused conv recomputes it; Δraw unless the scan projects it
        Tensor[] saved = acts.outputs(1 + (fused == null ? 1 : 0) + (projected ? 0 : 1), batch, len, dInner); // [B,L,E]
        Tensor u = saved[0], pre = fused == null ? saved[1] : null, deltaRaw = projected ? null : saved[saved.length - 1];
        if (fused != null) {                                              // one pass over the rows; pre is never stored
            fused.depthwiseConv1dSiluOutput(x, taps(convWeight.value()), convBias.value(), reverse, u);
        } else {
            ops.conv().depthwiseConv1dForward(x, taps(convWeight.value()), convBias.value(), reverse, pre);
            ops.elementwise().siluForward(pre, u);
        }
        Tensor xDbl = ws.scratch(batch, len, dtRank + 2 * dState);        // [B,L,R+2N] temporary
        ops.gemm().gemm(false, true, 1f, u, xProj.value(), 0f, xDbl);
        Tensor dtr = columns(xDbl, 0, dtRank, acts);                      // [B,L,R]
        Tensor bm = columns(xDbl, dtRank, dState, acts);                  // [B,L,N]
        Tensor cm = columns(xDbl, dtRank + dState, dState, acts);         // [B,L,N]
        Tensor y = withY || !projected ? ws.scratch(batch, len, dInner) : null; // [B,L,E] pre-gate, temporary
        if (projected) {                                                  // Δraw = dtr·W_dtᵀ formed inside the scan
            ops.scan().selectiveScanForwardProjected(ops.gemm(), u, dtr, dtWeight.value(), dtBias.value(), aLog.value(), bm, cm,
                    dSkip.value(), z, reverse, y, out, addToOut, outScale);
        } else {
            ops.gemm().gemm(false, true, 1f, dtr, dtWeight.value(), 0f, deltaRaw);
            ops.scan().selectiveScanForward(u, deltaRaw, dtBias.value(), aLog.value(), bm, cm, dSkip.value(), z, reverse, y, out);
        }
        return new Output(withY ? y : null, new Saved(pre, u, dtr, bm, cm, deltaRaw));
    }

    /** The raw readout r_t = C_t·h_t = y_t − D ⊙ u_t [B,L,E], a workspace temporary (vim-spec.md §11: no state storage needed). */
    Tensor readout(Output o) {
        Tensor r = Workspace.current().scratch(o.y().shape());
        float[] dv = dSkip.value().data;
        int dOff = dSkip.value().offset;
        Tensor u = o.saved().u();
        for (int i = 0; i < r.size; i++) {
            r.data[i] = o.y().data[o.y().offset + i] - dv[dOff + i % dInner] * u.data[u.offset + i];
        }
        return r;
    }

    /**
     * Accumulates this direction's parameter gradients, dx and dz [B,L,E] from dOut = ∂L/∂out and
     * dReadout = extra ∂L/∂r (SSMixup; null for none). x and z are the forward inputs. Every
     * intermediate gradient is a {@link Workspace} temporary, given back on return.
     */
    void backward(Tensor x, Tensor z, Saved s, Tensor dOut, Tensor dReadout, Tensor dx, Tensor dz) {
        int batch = x.dim(0), len = x.dim(1);
        Workspace ws = Workspace.current();
        int mark = ws.mark();
        try {
            Tensor du = ws.zeros(batch, len, dInner);                     // [B,L,E]
            Tensor dBm = ws.zeros(batch, len, dState);                    // [B,L,N]
            Tensor dCm = ws.zeros(batch, len, dState);                    // [B,L,N]
            Tensor dDtr;                                                  // [B,L,R]
            if (s.deltaRaw() == null) {                                   // projected: dt_proj's backward inside the scan
                dDtr = ws.zeros(batch, len, dtRank);
                ops.scan().selectiveScanBackwardProjected(ops.gemm(), s.u(), s.dtr(), dtWeight.value(), dtBias.value(), aLog.value(),
                        s.bm(), s.cm(), dSkip.value(), z, reverse, dOut, dReadout, du, dDtr, dtWeight.grad(), dtBias.grad(),
                        aLog.grad(), dBm, dCm, dSkip.grad(), dz);
            } else {
                Tensor dDeltaRaw = ws.zeros(batch, len, dInner);          // [B,L,E]
                ops.scan().selectiveScanBackward(s.u(), s.deltaRaw(), dtBias.value(), aLog.value(), s.bm(), s.cm(), dSkip.value(),
                        z, reverse, dOut, dReadout, du, dDeltaRaw, dtBias.grad(), aLog.grad(), dBm, dCm, dSkip.grad(), dz);
                // dt_proj: dW_dt += dΔrawᵀ·dtr, d dtr = dΔraw·W_dt
                ops.gemm().gemm(true, false, 1f, dDeltaRaw, s.dtr(), 1f, dtWeight.grad());
                dDtr = ws.scratch(batch, len, dtRank);                    // (β = 0: written in full)
                ops.gemm().gemm(false, false, 1f, dDeltaRaw, dtWeight.value(), 0f, dDtr);
            }
            // x_proj: dW_x += d xDblᵀ·u, du += d xDbl·W_x, with d xDbl = [d dtr | dBm | dCm]
            Tensor dXDbl = ws.scratch(batch, len, dtRank + 2 * dState);   // [B,L,R+2N] (written in full below)
            putColumns(dDtr, dXDbl, 0);
            putColumns(dBm, dXDbl, dtRank);
            putColumns(dCm, dXDbl, dtRank + dState);
            ops.gemm().gemm(true, false, 1f, dXDbl, s.u(), 1f, xProj.grad());
            ops.gemm().gemm(false, false, 1f, dXDbl, xProj.value(), 1f, du);
            if (s.pre() == null) {                                        // fused: pre and ∂L/∂pre formed row by row, never stored
                ((ConvSiluOps) ops.conv()).depthwiseConv1dSiluBackwardFromInput(x, taps(convWeight.value()), convBias.value(), reverse,
                        du, dx, taps(convWeight.grad()), convBias.grad());
            } else {
                Tensor dPre = ws.zeros(batch, len, dInner);               // [B,L,E]
                ops.elementwise().siluBackward(s.pre(), du, dPre);
                ops.conv().depthwiseConv1dBackward(x, taps(convWeight.value()), reverse, dPre, dx, taps(convWeight.grad()),
                        convBias.grad());
            }
        } finally {
            ws.release(mark);
        }
    }

    /** Columns [first, first + count) of m [B,L,C] as a contiguous [B,L,count] tensor from acts (every element copied). */
    private static Tensor columns(Tensor m, int first, int count, Activations acts) {
        int rows = m.dim(0) * m.dim(1), cols = m.dim(2);
        Tensor out = acts.output(m.dim(0), m.dim(1), count);
        Parallel.forEach(Parallel.chunks(rows, ROW_CHUNK), c -> {
            for (int r = c * ROW_CHUNK, end = Math.min(rows, r + ROW_CHUNK); r < end; r++) {
                System.arraycopy(m.data, m.offset + r * cols + first, out.data, r * count, count);
            }
        });
        return out;
    }

    /** Writes part [B,L,count] into columns [first, first + count) of m [B,L,C]. */
    private static void putColumns(Tensor part, Tensor m, int first) {
        int rows = m.dim(0) * m.dim(1), cols = m.dim(2), count = part.dim(2);
        Parallel.forEach(Parallel.chunks(rows, ROW_CHUNK), c -> {
            for (int r = c * ROW_CHUNK, end = Math.min(rows, r + ROW_CHUNK); r < end; r++) {
                System.arraycopy(part.data, part.offset + r * count, m.data, m.offset + r * cols + first, count);
            }
        });
    }

    /** The official [E,1,K] conv weight seen as the [E,K] matrix of ConvOps. */
    private Tensor taps(Tensor w) {
        return w.reshape(dInner, dConv);
    }
}
