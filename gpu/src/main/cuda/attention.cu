// The row-wise parts of attention (engine AttentionOps); the products q·kᵀ, p·v and their
// gradients are GEMMs (cuBLAS or gemm.cu). s, p, dp [rows, L] with one block per row.
#include "common.cuh"

// p = softmax(scale · s) over each row of length L, in place
extern "C" __global__ void softmax_rows(float* s, int rows, int L, float scale) {
    __shared__ float scratch[32];
    __shared__ double dscratch[32];
    int r = blockIdx.x;
    if (r >= rows) return;
    float* row = s + (long long)r * L;
    float mx = -SV_INF;
    for (int j = threadIdx.x; j < L; j += blockDim.x) { float v = row[j] * scale; row[j] = v; mx = fmaxf(mx, v); }
    mx = sv_block_max(mx, scratch);
    double sum = 0.0;
    for (int j = threadIdx.x; j < L; j += blockDim.x) { float ev = expf(row[j] - mx); row[j] = ev; sum += ev; }
    float inv = (float)(1.0 / sv_block_sum_d(sum, dscratch));
    for (int j = threadIdx.x; j < L; j += blockDim.x) row[j] *= inv;
}

// dp ← p ⊙ (dp − Σ_j p_j·dp_j) · scale, in place (the gradient of the scaled scores)
extern "C" __global__ void softmax_rows_bwd(const float* p, float* dp, int rows, int L, float scale) {
    __shared__ double dscratch[32];
    int r = blockIdx.x;
    if (r >= rows) return;
    const float* pr = p + (long long)r * L;
    float* dr = dp + (long long)r * L;
    double dot = 0.0;
    for (int j = threadIdx.x; j < L; j += blockDim.x) dot += (double)pr[j] * dr[j];
    float rd = (float)sv_block_sum_d(dot, dscratch);
    for (int j = threadIdx.x; j < L; j += blockDim.x) dr[j] = pr[j] * (dr[j] - rd) * scale;
}

// masked p = softmax(scale · s) over each row of length Lk, in place: row r is query r % Lq, whose
// allowed keys are mask[(r % Lq)·Lk + j] != 0; masked entries get probability 0 exactly
extern "C" __global__ void softmax_rows_masked(float* s, const unsigned char* mask, int rows, int Lq, int Lk, float scale) {
    __shared__ float scratch[32];
    __shared__ double dscratch[32];
    int r = blockIdx.x;
    if (r >= rows) return;
    float* row = s + (long long)r * Lk;
    const unsigned char* m = mask + (long long)(r % Lq) * Lk;
    float mx = -SV_INF;
    for (int j = threadIdx.x; j < Lk; j += blockDim.x) {
        if (m[j]) { float v = row[j] * scale; row[j] = v; mx = fmaxf(mx, v); }
    }
    mx = sv_block_max(mx, scratch);
    double sum = 0.0;
    for (int j = threadIdx.x; j < Lk; j += blockDim.x) {
        float ev = m[j] ? expf(row[j] - mx) : 0.0f;
        row[j] = ev;
        sum += ev;
    }
    float inv = (float)(1.0 / sv_block_sum_d(sum, dscratch));
    for (int j = threadIdx.x; j < Lk; j += blockDim.x) row[j] *= inv;
}
