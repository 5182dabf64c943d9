package org.semivim.engine.layers;

import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

/**
 * The patch embedding of ViM / ViT (vim-spec.md §2.1): a Conv2d(C → D, kernel p×p, stride s, bias)
 * whose output is flattened to tokens in row-major grid order. Computed as im2col + GEMM:
 * {@code tokens[b, m, :] = W.reshape(D, C·p·p) · patch(b, m) + bias}, patch values in (c, kh, kw) order.
 * Parameters {@code <prefix>.proj.weight} [D,C,p,p] and {@code <prefix>.proj.bias} [D] (official
 * names and layout; the ViM model passes the prefix "patch_embed").
 */
public final class PatchEmbed {
    private final Ops ops;
    private final Parameter weight;
    private final Parameter bias;
    private final int channels;
    private final int embedDim;
    private final int patch;
    private final int stride;

    public PatchEmbed(Ops ops, ParameterSet.Builder params, String prefix, int channels, int embedDim, int patch, int stride) {
        if (channels < 1 || embedDim < 1 || patch < 1 || stride < 1) {
            throw new IllegalArgumentException("PatchEmbed needs positive channels, embedDim, patch and stride, got "
                    + channels + ", " + embedDim + ", " + patch + ", " + stride);
        }
        this.ops = ops;
        this.channels = channels;
        this.embedDim = embedDim;
        this.patch = patch;
        this.stride = stride;
        this.weight = params.declare(prefix + ".proj.weight", embedDim, channels, patch, patch);
        this.bias = params.declare(prefix + ".proj.bias", embedDim);
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }
    public int patchSize() { return patch; }
    public int stride() { return stride; }
    public int embedDim() { return embedDim; }

    /** Grid positions along a side of {@code size} pixels: (size − p)/s + 1. */
    public int gridSize(int size) {
        if (size < patch) throw new IllegalArgumentException("image side " + size + " is smaller than the patch " + patch);
        return (size - patch) / stride + 1;
    }

    /** Number of patch tokens M for an image of height × width. */
    public int numPatches(int height, int width) {
        return gridSize(height) * gridSize(width);
    }

    /** img [B,C,H,W] → tokens [B,M,D]. */
    public Tensor forward(Tensor img) {
        checkImage(img, "input image");
        int batch = img.dim(0), m = numPatches(img.dim(2), img.dim(3));
        Tensor patches = Tensor.zeros(batch, m, patchLength()); // [B, M, C·p·p]
        ops.conv().patchify(img, patch, stride, patches);
        Tensor tokens = Tensor.zeros(batch, m, embedDim);       // [B, M, D]
        ops.gemm().gemm(false, true, 1f, patches, weightMatrix(weight.value()), 0f, tokens);
        float[] b = bias.value().data;
        int bo = bias.value().offset;
        for (int r = 0; r < batch * m; r++) {
            int base = tokens.offset + r * embedDim;
            for (int j = 0; j < embedDim; j++) tokens.data[base + j] += b[bo + j];
        }
        return tokens;
    }

    /**
     * Accumulates dW += Σ dtokensᵀ·patch, db += Σ dtokens, and dimg += unpatchify(dtokens·W) when dimg is
     * not null. The patches are re-extracted from img (a copy, cheaper to redo than to keep).
     */
    public void backward(Tensor img, Tensor dTokens, Tensor dImg) {
        checkImage(img, "input image");
        int batch = img.dim(0), m = numPatches(img.dim(2), img.dim(3));
        dTokens.requireShape("PatchEmbed token gradient", batch, m, embedDim);
        if (dImg != null) dImg.requireShape("PatchEmbed image gradient", img.shape());
        Tensor patches = Tensor.zeros(batch, m, patchLength()); // [B, M, C·p·p]
        ops.conv().patchify(img, patch, stride, patches);
        ops.gemm().gemm(true, false, 1f, dTokens, patches, 1f, weightMatrix(weight.grad()));
        float[] db = bias.grad().data;
        int bo = bias.grad().offset;
        for (int r = 0; r < batch * m; r++) {
            int base = dTokens.offset + r * embedDim;
            for (int j = 0; j < embedDim; j++) db[bo + j] += dTokens.data[base + j];
        }
        if (dImg != null) {
            Tensor dPatches = Tensor.zeros(batch, m, patchLength()); // [B, M, C·p·p]
            ops.gemm().gemm(false, false, 1f, dTokens, weightMatrix(weight.value()), 0f, dPatches);
            ops.conv().unpatchifyAccumulate(dPatches, patch, stride, dImg);
        }
    }

    private int patchLength() {
        return channels * patch * patch;
    }

    /** The [D,C,p,p] weight (or its gradient) seen as the [D, C·p·p] matrix of the GEMM. */
    private Tensor weightMatrix(Tensor w) {
        return w.reshape(embedDim, patchLength());
    }

    private void checkImage(Tensor img, String what) {
        if (img.rank() != 4 || img.dim(1) != channels) {
            throw new IllegalArgumentException("PatchEmbed " + what + " must be [B," + channels + ",H,W] but got " + img);
        }
    }
}
