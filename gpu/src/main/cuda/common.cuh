// Helpers shared by the semivim kernels. No system includes: the same source compiles with nvcc
// (build time, PTX) and with NVRTC (run time fallback), which has no CUDA headers on its path.
#pragma once

#define SV_BLOCK 256

// a kernel's dynamic shared memory (the CPU emulation of the tests defines its own)
#ifndef SV_EMULATION
#define SV_EXTERN_SHARED(name) extern __shared__ float name[]
#endif

// defined here rather than taken from math.h, which NVRTC does not have
#define SV_INF __int_as_float(0x7f800000)

__device__ __forceinline__ int sv_isfinite(float x) { return (__float_as_uint(x) & 0x7f800000u) != 0x7f800000u; }

__device__ __forceinline__ float sv_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

__device__ __forceinline__ float sv_silu(float x) { return x * sv_sigmoid(x); }

// d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
__device__ __forceinline__ float sv_silu_grad(float x) {
    float s = sv_sigmoid(x);
    return s * (1.0f + x * (1.0f - s));
}

// softplus with the torch threshold (vim-spec.md §5): x > 20 → x, else log1p(exp(x))
__device__ __forceinline__ float sv_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// d/dx softplus = σ(x) (1 above the threshold)
__device__ __forceinline__ float sv_softplus_grad(float x) { return x > 20.0f ? 1.0f : sv_sigmoid(x); }

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// scratch: 32 floats of shared memory. Fixed order: warp shuffles, then warp 0 over the warp sums.
__device__ __forceinline__ float sv_block_sum(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < warps ? scratch[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
    return t;
}

__device__ __forceinline__ double sv_block_sum_d(double v, double* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    double t = lane < warps ? scratch[lane] : 0.0;
    for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
    return t;
}

__device__ __forceinline__ float sv_block_max(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < warps ? scratch[lane] : -SV_INF;
    for (int o = 16; o > 0; o >>= 1) t = fmaxf(t, __shfl_xor_sync(0xffffffffu, t, o));
    return t;
}

// grid-stride loop over [0, n)
#define SV_FOR(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
                          i += (long long)gridDim.x * blockDim.x)
