// RMSNorm and LayerNorm over the last dimension (engine NormOps). One block per row for the row
// statistics and dx; the parameter gradients are column sums over row chunks, added with atomics
// (their order of addition is not fixed on the GPU, docs/gpu.md). Backward ACCUMULATES.
#include "common.cuh"

// x, y [R,D]; w [D]; rstd [R]
extern "C" __global__ void rmsnorm_fwd(const float* x, const float* w, float eps, float* y, float* rstd, int R, int D) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    const float* xr = x + (long long)r * D;
    float ss = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) ss += xr[d] * xr[d];
    ss = sv_block_sum(ss, scratch);
    float rs = rsqrtf(ss / D + eps);
    if (threadIdx.x == 0) rstd[r] = rs;
    float* yr = y + (long long)r * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) yr[d] = xr[d] * rs * w[d];
}

// dx_d += rstd·(w_d·dy_d − x_d·rstd²·mean_k(w_k·dy_k·x_k))
extern "C" __global__ void rmsnorm_bwd_dx(const float* x, const float* w, const float* rstd, const float* dy, float* dx,
                                          int R, int D) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    long long base = (long long)r * D;
    float dot = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) dot += w[d] * dy[base + d] * x[base + d];
    dot = sv_block_sum(dot, scratch);
    float rs = rstd[r];
    float c = rs * rs * dot / D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) dx[base + d] += rs * (w[d] * dy[base + d] - x[base + d] * c);
}

// dw_d += Σ_r dy[r,d]·x[r,d]·rstd[r]; grid (ceil(D/256), rowChunks), each block sums its rows.
extern "C" __global__ void rmsnorm_bwd_dw(const float* x, const float* rstd, const float* dy, float* dw,
                                          int R, int D, int rowsPerChunk) {
    int d = blockIdx.x * blockDim.x + threadIdx.x;
    if (d >= D) return;
    int r0 = blockIdx.y * rowsPerChunk, r1 = min(R, r0 + rowsPerChunk);
    float s = 0.0f;
    for (int r = r0; r < r1; r++) s += dy[(long long)r * D + d] * x[(long long)r * D + d] * rstd[r];
    if (r1 > r0) atomicAdd(dw + d, s);
}

// x, y [R,D]; w, b [D]; mean, rstd [R]
extern "C" __global__ void layernorm_fwd(const float* x, const float* w, const float* b, float eps, float* y,
                                         float* mean, float* rstd, int R, int D) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    const float* xr = x + (long long)r * D;
    float s = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) s += xr[d];
    float mu = sv_block_sum(s, scratch) / D;
    float v = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) { float c = xr[d] - mu; v += c * c; }
    float var = sv_block_sum(v, scratch) / D;
    float rs = rsqrtf(var + eps);
    if (threadIdx.x == 0) { mean[r] = mu; rstd[r] = rs; }
    float* yr = y + (long long)r * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) yr[d] = (xr[d] - mu) * rs * w[d] + b[d];
}

// x̂ = (x − mean)·rstd, g = w·dy: dx += rstd·(g − mean(g) − x̂·mean(g·x̂))
extern "C" __global__ void layernorm_bwd_dx(const float* x, const float* w, const float* mean, const float* rstd,
                                            const float* dy, float* dx, int R, int D) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    long long base = (long long)r * D;
    float mu = mean[r], rs = rstd[r];
    float sg = 0.0f, sgx = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float g = w[d] * dy[base + d];
        float xh = (x[base + d] - mu) * rs;
        sg += g;
        sgx += g * xh;
    }
    float mg = sv_block_sum(sg, scratch) / D;
    float mgx = sv_block_sum(sgx, scratch) / D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float g = w[d] * dy[base + d];
        float xh = (x[base + d] - mu) * rs;
        dx[base + d] += rs * (g - mg - xh * mgx);
    }
}

// dw_d += Σ_r dy·x̂, db_d += Σ_r dy over the block's row chunk
extern "C" __global__ void layernorm_bwd_dwdb(const float* x, const float* mean, const float* rstd, const float* dy,
                                              float* dw, float* db, int R, int D, int rowsPerChunk) {
    int d = blockIdx.x * blockDim.x + threadIdx.x;
    if (d >= D) return;
    int r0 = blockIdx.y * rowsPerChunk, r1 = min(R, r0 + rowsPerChunk);
    float sw = 0.0f, sb = 0.0f;
    for (int r = r0; r < r1; r++) {
        long long i = (long long)r * D + d;
        float g = dy[i];
        sw += g * (x[i] - mean[r]) * rstd[r];
        sb += g;
    }
    if (r1 > r0) { atomicAdd(dw + d, sw); atomicAdd(db + d, sb); }
}
