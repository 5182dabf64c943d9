// The selective scan's shared definitions and device helpers (scan.cu: scan_fwd; scan_bwd.cu: scan_bwd). A header
// of its own so that both modules use the same staging and arithmetic; NVRTC gets it with common.cuh
// (KernelModules.HEADERS). No system includes.
#pragma once
#include "common.cuh"

#define SCAN_MAXN 16
#define SCAN_FWD_SUB 8         // forward: positions staged at a time (ScanPlan.FORWARD_SUB)
#define SCAN_BWD_SUB 4         // backward: positions staged at a time (ScanPlan.BACKWARD_SUB)
#define SCAN_MAX_THREADS 512   // scan_fwd's launch bound (it launches ≤ 32 channels × 8 chunks): at most 128 registers a thread
#define SCAN_LOG2E 1.4426950408889634f

// The scan kernels' dynamic shared memory, declared 16-byte aligned so that the staged B|C rows can be read with
// 128-bit loads (scan_row).
#ifdef SV_EMULATION
#define SCAN_SHARED(name) SV_EXTERN_SHARED(name)
#else
#define SCAN_SHARED(name) extern __shared__ __align__(16) float name[]
#endif

// One step of the recurrence, h_p = a_p·h_{p−1} + Δ_p·u_p·B_{p,n}, written once so that every recomputation
// of a state rounds the same way.
__device__ __forceinline__ float scan_advance(float a, float h, float dtu, float bv) {
    float decayed = a * h;
    return decayed + dtu * bv;
}

__device__ __forceinline__ int scan_token(int p, int L, int reverse) { return reverse ? L - 1 - p : p; }

// Softplus (torch threshold 20) and SiLU and their derivatives with the fast intrinsics (MUFU ex2/lg2/rcp):
// the scan evaluates them once or more per channel-position and is limited by instruction issue, where
// common.cuh's accurate log1pf and IEEE division cost several times as much. Errors: a few ulp relative for
// SiLU; softplus absolute ≲ 1e-7 (log(1 + e^x) in float), far below the ops' 1e-4 tolerance.
__device__ __forceinline__ float scan_softplus(float x) { return x > 20.0f ? x : __logf(1.0f + __expf(x)); }
__device__ __forceinline__ float scan_sigmoid(float x) { return __fdividef(1.0f, 1.0f + __expf(-x)); }
__device__ __forceinline__ float scan_silu(float x) { return x * scan_sigmoid(x); }
__device__ __forceinline__ float scan_silu_grad(float x) {
    float s = scan_sigmoid(x);
    return s * (1.0f + x * (1.0f - s));
}
__device__ __forceinline__ float scan_softplus_grad(float x) { return x > 20.0f ? 1.0f : scan_sigmoid(x); }

// 2^x as one MUFU.EX2 (ex2.approx.ftz: results below 2^-126 flush to 0, a decay too small to matter); exp2f
// adds a denormal range fix-up around it (two more instructions and a predicate per decay). The emulation
// has no PTX: the C library's exp2f.
__device__ __forceinline__ float scan_exp2(float x) {
#ifdef SV_EMULATION
    return exp2f(x);
#else
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
#endif
}

// The values of positions q … q+S−1 of the warp's chunk (processing order; positions ≥ p1 read as zeros) that
// the warp stages: r[s] = B_{j} (lane j < 16) or C_{j−16} (j ≥ 16) of position q+s (padding states n ≥ N are 0,
// so their h and g stay 0), r[S·(k+1) + s] = token tensor k at (q+s, this channel) (0 for a null tensor or a
// channel ≥ E). All loads are issued before any is used; every lane takes part.
template <int S, int K>
__device__ __forceinline__ void scan_load(float (&r)[S * (K + 1)], const float* const (&tok)[K], const float* bm,
                                          const float* cm, int b, int q, int p1, int L, int E, int N, int e, bool live,
                                          int reverse, int lane) {
    int n = lane & 15;
    const float* src = lane < 16 ? bm : cm;
#pragma unroll
    for (int s = 0; s < S; s++) {
        int t = scan_token(min(q + s, p1 - 1), L, reverse);
        r[s] = src[((long long)b * L + t) * N + (n < N ? n : N - 1)];
        long long i = ((long long)b * L + t) * E + (live ? e : 0);
#pragma unroll
        for (int k = 0; k < K; k++) r[S * (k + 1) + s] = live && tok[k] != nullptr ? tok[k][i] : 0.0f;
    }
}

// Stores what scan_load read into the warp's buffer: buf[s·32 + j] = B|C row of position q+s,
// buf[(S·(k+1) + s)·32 + lane] = token tensor k; positions ≥ p1 and padding states as zeros.
template <int S, int K>
__device__ __forceinline__ void scan_store(float* buf, const float (&r)[S * (K + 1)], int q, int p1, int N, int lane) {
    bool state = (lane & 15) < N;
#pragma unroll
    for (int s = 0; s < S; s++) {
        bool in = q + s < p1;
        buf[s * 32 + lane] = in && state ? r[s] : 0.0f;
#pragma unroll
        for (int k = 0; k < K; k++) buf[(S * (k + 1) + s) * 32 + lane] = in ? r[S * (k + 1) + s] : 0.0f;
    }
}

// Stages positions q … q+S−1 into buf (scan_load, then scan_store); the caller syncs the warp before reading.
template <int S, int K>
__device__ __forceinline__ void scan_stage(float* buf, const float* const (&tok)[K], const float* bm, const float* cm,
                                           int b, int q, int p1, int L, int E, int N, int e, bool live, int reverse,
                                           int lane) {
    float r[S * (K + 1)];
    scan_load<S, K>(r, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
    scan_store<S, K>(buf, r, q, p1, N, lane);
}

// The first M floats of a staged row (B_0…15, then C_0…15: scan_store's layout) as M/4 broadcast 128-bit shared
// loads instead of M 32-bit ones (the rows start at multiples of 32 floats of a 16-byte aligned buffer).
template <int M>
__device__ __forceinline__ void scan_row(float (&r)[M], const float* row) {
    const float4* v = reinterpret_cast<const float4*>(row);
#pragma unroll
    for (int k = 0; k < M / 4; k++) {
        float4 x = v[k];
        r[4 * k] = x.x;
        r[4 * k + 1] = x.y;
        r[4 * k + 2] = x.z;
        r[4 * k + 3] = x.w;
    }
}


// The rest of a reduce-scatter over the warp: w[i] holds this lane's term i (i < 16) after the first step
// (xor 16, done by the caller); lane l ends with Σ over the lanes whose bit 4 equals l's of their w[l mod 16]:
// with the first step, the sum over all 32 lanes of term l of the 32 (31 shuffles for 32 sums).
__device__ __forceinline__ float scan_reduce_scatter16(float* w, int lane) {
#pragma unroll
    for (int o = 8; o >= 1; o >>= 1) {
        bool upper = (lane & o) != 0;
#pragma unroll
        for (int i = 0; i < o; i++) {
            float keep = upper ? w[i + o] : w[i];
            float send = upper ? w[i] : w[i + o];
            w[i] = keep + __shfl_xor_sync(0xffffffffu, send, o);
        }
    }
    return w[0];
}
