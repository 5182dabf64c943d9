// Depthwise 1-D convolution along L (the Mamba mixer's conv1d) and the patch extraction of the
// patch embedding (engine ConvOps). x, out [B,L,E]; w [E,K]; b [E]. Backward ACCUMULATES.
// Causal (reverse = 0): out_t = b + Σ_k w[k]·x_{t−(K−1)+k}; anti-causal: out_t = b + Σ_k w[k]·x_{t+(K−1)−k}.
#include "common.cuh"

__device__ __forceinline__ int conv_src(int t, int k, int K, int reverse) {
    return reverse ? t + (K - 1) - k : t - (K - 1) + k;
}

// one thread per output element (b, t, e); consecutive threads walk e (coalesced)
extern "C" __global__ void dwconv1d_fwd(const float* x, const float* w, const float* b, int reverse, float* out,
                                        int B, int L, int E, int K) {
    SV_FOR(i, (long long)B * L * E) {
        int e = (int)(i % E);
        long long bt = i / E;
        int t = (int)(bt % L);
        long long rowBase = (bt - t) * E;   // start of sample b
        float acc = b[e];
        for (int k = 0; k < K; k++) {
            int s = conv_src(t, k, K, reverse);
            if (s >= 0 && s < L) acc = fmaf(w[e * K + k], x[rowBase + (long long)s * E + e], acc);
        }
        out[i] = acc;
    }
}

// dx[b,s,e] += Σ_k w[e,k]·dout[b,t,e] over the t that read s: causal t = s + (K−1) − k, reverse t = s − (K−1) + k
extern "C" __global__ void dwconv1d_bwd_dx(const float* w, int reverse, const float* dout, float* dx,
                                           int B, int L, int E, int K) {
    SV_FOR(i, (long long)B * L * E) {
        int e = (int)(i % E);
        long long bs = i / E;
        int s = (int)(bs % L);
        long long rowBase = (bs - s) * E;
        float acc = 0.0f;
        for (int k = 0; k < K; k++) {
            int t = reverse ? s - (K - 1) + k : s + (K - 1) - k;
            if (t >= 0 && t < L) acc = fmaf(w[e * K + k], dout[rowBase + (long long)t * E + e], acc);
        }
        dx[i] += acc;
    }
}

// dw[e,k] += Σ_{b,t} dout[b,t,e]·x[b,src(t,k),e], db[e] += Σ dout; grid (ceil(E/256), rowChunks) over the B·L rows
extern "C" __global__ void dwconv1d_bwd_dwdb(const float* x, int reverse, const float* dout, float* dw, float* db,
                                             int B, int L, int E, int K, int rowsPerChunk) {
    int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= E) return;
    int rows = B * L;
    int r0 = blockIdx.y * rowsPerChunk, r1 = min(rows, r0 + rowsPerChunk);
    if (r1 <= r0) return;
    float sb = 0.0f;
    for (int r = r0; r < r1; r++) sb += dout[(long long)r * E + e];
    atomicAdd(db + e, sb);
    for (int k = 0; k < K; k++) {
        float sw = 0.0f;
        for (int r = r0; r < r1; r++) {
            int t = r % L;
            int s = conv_src(t, k, K, reverse);
            if (s >= 0 && s < L) sw += dout[(long long)r * E + e] * x[(long long)(r - t + s) * E + e];
        }
        atomicAdd(dw + e * K + k, sw);
    }
}

// img [B,C,H,W] → patches [B, gh·gw, C·p·p], values in (c, kh, kw) order; one thread per patch value
extern "C" __global__ void patchify(const float* img, float* patches, int B, int C, int H, int W, int p, int stride,
                                    int gh, int gw) {
    long long cols = (long long)C * p * p;
    SV_FOR(i, (long long)B * gh * gw * cols) {
        int col = (int)(i % cols);
        long long bm = i / cols;
        int m = (int)(bm % ((long long)gh * gw));
        int b = (int)(bm / ((long long)gh * gw));
        int c = col / (p * p), kh = (col / p) % p, kw = col % p;
        int y = (m / gw) * stride + kh, x = (m % gw) * stride + kw;
        patches[i] = img[(((long long)b * C + c) * H + y) * W + x];
    }
}

// dimg [B,C,H,W] += Σ over the patches that cover each pixel (a gather, so no atomics)
extern "C" __global__ void unpatchify_acc(const float* dpatches, float* dimg, int B, int C, int H, int W, int p,
                                          int stride, int gh, int gw) {
    long long cols = (long long)C * p * p;
    SV_FOR(i, (long long)B * C * H * W) {
        int x = (int)(i % W);
        int y = (int)((i / W) % H);
        int c = (int)((i / ((long long)W * H)) % C);
        int b = (int)(i / ((long long)W * H * C));
        float acc = 0.0f;
        // grid rows gy with gy·stride ≤ y < gy·stride + p
        int gyHi = min(gh - 1, y / stride), gxHi = min(gw - 1, x / stride);
        for (int gy = gyHi; gy >= 0 && y - gy * stride < p; gy--) {
            for (int gx = gxHi; gx >= 0 && x - gx * stride < p; gx--) {
                int kh = y - gy * stride, kw = x - gx * stride;
                long long m = (long long)gy * gw + gx;
                acc += dpatches[((long long)b * gh * gw + m) * cols + ((long long)c * p + kh) * p + kw];
            }
        }
        dimg[i] += acc;
    }
}
