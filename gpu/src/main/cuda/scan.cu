// The selective scan of one Mamba direction, gate included (engine ScanOps, vim-spec.md §4–§5),
// as a chunked parallel scan over the sequence, laid out for coalesced access to the (B, L, E)
// token tensors (docs/gpu.md, "Selective scan").
//
// Block (32, W): threadIdx.x = the channel within a tile of 32 consecutive channels (a warp reads
// 32 consecutive floats of a token row: one 128-byte line), threadIdx.y = the chunk c of T
// consecutive positions; grid (ceil(E/32), B). Each thread owns one channel and keeps all N ≤ 16
// states in registers, so the readout Σ_n C_n·h_n is a sum in the thread (no shuffle). A warp walks
// its chunk in sub-chunks of S positions: it first stages the sub-chunk's B and C rows (lanes 0–15 a
// B row, 16–31 a C row: 64-byte segments) and the token values it needs (lane = channel: 128-byte
// lines) in its part of shared memory, all loads issued together, then computes from shared memory
// (B/C as broadcast reads). So a warp waits for memory once per sub-chunk, not once per position.
// Positions p are counted in processing order (token t = p, or L−1−p when reverse). The recurrence
//   h_p = a_p·h_{p−1} + β_p,   a_p = exp(Δ_p·A_n) = 2^(Δ_p·A_n·log2 e),   β_p = Δ_p·u_p·B_{p,n}
// is solved in three phases when W > 1: (1) every chunk scans its positions from h = 0 and keeps
// its end state and Σ Δ (its decay product is exp(A_n·Σ Δ)); (2) one pass over the W chunks per
// (channel, state) turns those into each chunk's initial state; (3) every chunk scans again from its
// true initial state and writes its outputs. W = 1 is a plain walk over the sequence.
// The backward runs the same idea backwards for g_p = ∂L/∂h_p = gr_p·C_p + a_{p+1}·g_{p+1}: phase 1
// gives each chunk's initial state, phase 1b each chunk's carried g, phase 3 recomputes the chunk's
// states, keeping those at even counts in a per-thread buffer (⌊T/2⌋ + 1 states, T ≤ SCAN_TMAX, local
// memory), and walks the chunk backwards.
// Layout: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; deltaBias, d [E]; aLog [E,N].
// Gradient sums: dBm, dCm (over the channels) are reduced over the warp's 32 channels by a shuffle
// reduce-scatter (lane l ends with the sum of term l: dB_l, or dC_{l−16}) and added with one atomic per lane; dALog,
// dD, dDeltaBias are summed over the block's chunks in shared memory, then one atomic per element.
#include "common.cuh"

#define SCAN_MAXN 16
#define SCAN_TMAX 32
#define SCAN_FWD_SUB 8         // forward: positions staged at a time (ScanPlan.FORWARD_SUB)
#define SCAN_BWD_SUB 4         // backward: positions staged at a time (ScanPlan.BACKWARD_SUB)
#define SCAN_MAX_THREADS 512   // 32 channels × 16 chunks (ScanPlan.MAX_THREADS): at most 128 registers a thread
#define SCAN_LOG2E 1.4426950408889634f

// The v2 kernels' dynamic shared memory, declared 16-byte aligned so that the staged B|C rows can be read with
// 128-bit loads (a separate name: the v1 kernels keep their declaration, and so their code, unchanged).
#ifdef SV_EMULATION
#define SCAN2_SHARED(name) SV_EXTERN_SHARED(name)
#else
#define SCAN2_SHARED(name) extern __shared__ __align__(16) float name[]
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

#define SCAN2_MAX_WARPS 4      // ScanPlan.V2_MAX_WARPS: G ≤ 4, 128 threads
#define SCAN2_FWD_SUB 8        // positions staged at a time in pass 1 and the recomputation (u, Δ_raw: fits the walk's staging)

// Phase 2 of the forward: sEnd[c][n][lane] holds chunk c's end state from a zero start and sSum[c][lane]
// its Σ Δ; afterwards sEnd[c][n][lane] is the state before chunk c's first position. The thread (lane, c)
// does the states n ≡ c (mod W) of its channel, in chunk order.
__device__ void scan_combine_forward(float* sEnd, const float* sSum, const float* aLog, int e, bool live,
                                     int N, int W, int c, int lane) {
    for (int n = c; n < N; n += W) {
        float a2 = live ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        float carry = 0.0f;
        for (int cc = 0; cc < W; cc++) {
            float end = sEnd[(cc * N + n) * 32 + lane];
            sEnd[(cc * N + n) * 32 + lane] = carry;
            carry = scan_exp2(a2 * sSum[cc * 32 + lane]) * carry + end;
        }
    }
}

// The backward's phase 2 for g: sG[c][n][lane] holds chunk c's g at its first position from a zero carry
// and sSum[c][lane] the Σ Δ of the decays that carry it (positions p0+1 … p1); afterwards sG[c][n][lane]
// is g at the position after chunk c (the carry into it), chunks taken from the last.
__device__ void scan_combine_backward(float* sG, const float* sSum, const float* aLog, int e, bool live,
                                      int N, int W, int c, int lane) {
    for (int n = c; n < N; n += W) {
        float a2 = live ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        float carry = 0.0f;
        for (int cc = W - 1; cc >= 0; cc--) {
            float start = sG[(cc * N + n) * 32 + lane];
            sG[(cc * N + n) * 32 + lane] = carry;
            carry = start + scan_exp2(a2 * sSum[cc * 32 + lane]) * carry;
        }
    }
}

// grid (ceil(E/32), B); block (32, W), W = ceil(L/T) ≤ 8; dynamic shared memory
// max((N + 1)·32·W, 4·32·SCAN_FWD_SUB·W) floats (the combine, then the staging buffers, in the same space).
// VEC: the staged B|C rows read with 128-bit loads (scan_fwd_v2) instead of 32-bit ones (scan_fwd); same results.
template <bool VEC>
__device__ __forceinline__ void scan_fwd_impl(float* sm, const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    float* __restrict__ y, float* __restrict__ out, int B, int L, int E, int N, int T) {
    const int S = SCAN_FWD_SUB;
    int W = blockDim.y, lane = threadIdx.x, c = threadIdx.y;
    int e = blockIdx.x * 32 + lane, b = blockIdx.y;
    bool live = e < E;
    float* sEnd = sm;                  // [W][N][32]
    float* sSum = sm + W * N * 32;     // [W][32]
    float* st = sm + c * S * 32 * 4;   // this warp's staging: B|C rows, u, Δ_raw, z
    float a2[SCAN_MAXN], h[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) {
        a2[n] = live && n < N ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        h[n] = 0.0f;
    }
    float bias = live ? deltaBias[e] : 0.0f, D = live ? dskip[e] : 0.0f;
    int p0 = c * T, p1 = min(L, p0 + T);
    if (W > 1) {                       // same in the whole block: the barriers are uniform
        const float* tok[2] = {u, deltaRaw};
        float sum = 0.0f;
        for (int q = p0; q < p1; q += S) {
            scan_stage<S, 2>(st, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = 0; s < min(S, p1 - q); s++) {
                float dt = live ? scan_softplus(st[(2 * S + s) * 32 + lane] + bias) : 0.0f;
                float du = dt * st[(S + s) * 32 + lane];
                if (VEC) {
                    float bv[SCAN_MAXN];
                    scan_row<SCAN_MAXN>(bv, st + s * 32);
#pragma unroll
                    for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_exp2(dt * a2[n]) * h[n] + du * bv[n];
                } else {
#pragma unroll
                    for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_exp2(dt * a2[n]) * h[n] + du * st[s * 32 + n];
                }
                sum += dt;
            }
            __syncwarp();
        }
        __syncthreads();               // the staging buffers and the combine share the space
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++)
            if (n < N) sEnd[(c * N + n) * 32 + lane] = h[n];
        sSum[c * 32 + lane] = sum;
        __syncthreads();
        scan_combine_forward(sEnd, sSum, aLog, e, live, N, W, c, lane);
        __syncthreads();
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++)
            if (n < N) h[n] = sEnd[(c * N + n) * 32 + lane];
        __syncthreads();
    }
    // the walk, double buffered: the next sub-chunk's loads are in flight while this one is computed
    const float* tok[3] = {u, deltaRaw, z};
    float next[S * 4];
    if (p0 < p1) scan_load<S, 3>(next, tok, bm, cm, b, p0, p1, L, E, N, e, live, reverse, lane);
    for (int q = p0; q < p1; q += S) {
        scan_store<S, 3>(st, next, q, p1, N, lane);
        __syncwarp();
        if (q + S < p1) scan_load<S, 3>(next, tok, bm, cm, b, q + S, p1, L, E, N, e, live, reverse, lane);
        for (int s = 0; s < min(S, p1 - q); s++) {
            float uu = st[(S + s) * 32 + lane];
            float dt = scan_softplus(st[(2 * S + s) * 32 + lane] + bias);
            float du = dt * uu;
            float r = 0.0f;
            if (VEC) {
                float bc[2 * SCAN_MAXN];
                scan_row<2 * SCAN_MAXN>(bc, st + s * 32);
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) {
                    h[n] = scan_exp2(dt * a2[n]) * h[n] + du * bc[n];
                    r += bc[SCAN_MAXN + n] * h[n];
                }
            } else {
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) {
                    h[n] = scan_exp2(dt * a2[n]) * h[n] + du * st[s * 32 + n];
                    r += st[s * 32 + 16 + n] * h[n];
                }
            }
            if (live) {
                long long i = ((long long)b * L + scan_token(q + s, L, reverse)) * E + e;
                float yy = r + D * uu;
                y[i] = yy;
                out[i] = yy * scan_silu(st[(3 * S + s) * 32 + lane]);
            }
        }
        __syncwarp();
    }
}

extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_fwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    float* __restrict__ y, float* __restrict__ out, int B, int L, int E, int N, int T) {
    SV_EXTERN_SHARED(sm);
    scan_fwd_impl<false>(sm, u, deltaRaw, deltaBias, aLog, bm, cm, dskip, z, reverse, y, out, B, L, E, N, T);
}

// The forward with 128-bit reads of the staged B|C rows: 8 shared loads a position instead of 32 (ScanKernels v2).
extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_fwd_v2(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    float* __restrict__ y, float* __restrict__ out, int B, int L, int E, int N, int T) {
    SCAN2_SHARED(sm2);
    scan_fwd_impl<true>(sm2, u, deltaRaw, deltaBias, aLog, bm, cm, dskip, z, reverse, y, out, B, L, E, N, T);
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

// grid (B, ceil(E/32)): samples on x, so that the blocks running at the same time are mostly of different
// samples and their dB/dC atomics hit different addresses; block (32, W), W = ceil(L/T) ≤ 16, T ≤ SCAN_TMAX; dynamic shared memory
// max((N + 2)·32·W, 6·32·SCAN_BWD_SUB·W) floats (the combines and sums, and the staging buffers). dReadout may be null.
extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_bwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    const float* __restrict__ dOut, const float* __restrict__ dReadout,
                                    float* __restrict__ du, float* __restrict__ dDeltaRaw, float* __restrict__ dDeltaBias,
                                    float* __restrict__ dALog, float* __restrict__ dBm, float* __restrict__ dCm,
                                    float* __restrict__ dD, float* __restrict__ dz, int B, int L, int E, int N, int T) {
    SV_EXTERN_SHARED(sm);
    const int S = SCAN_BWD_SUB;
    int W = blockDim.y, lane = threadIdx.x, c = threadIdx.y;
    int e = blockIdx.y * 32 + lane, b = blockIdx.x;
    bool live = e < E;
    float* sState = sm;                // [W][N][32]: end states → initial states; then g starts → carries; then dA sums
    float* sSum = sm + W * N * 32;     // [W][32]: Σ Δ; then the dΔbias sums
    float* sSum2 = sSum + W * 32;      // [W][32]: the dD sums
    float* st = sm + c * S * 32 * 6;   // this warp's staging: B|C rows and up to 5 token tensors
    float a2[SCAN_MAXN], h[SCAN_MAXN], g[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) {
        a2[n] = live && n < N ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        h[n] = 0.0f;
        g[n] = 0.0f;
    }
    float bias = live ? deltaBias[e] : 0.0f, D = live ? dskip[e] : 0.0f;
    int p0 = c * T, p1 = min(L, p0 + T);
    int qLast = p0 + (p1 > p0 ? (p1 - p0 - 1) / S * S : 0);   // the last sub-chunk's first position

    // phase 1 and 2: h[] = the state before the chunk's first position
    float sumChunk = 0.0f, dtFirst = 0.0f;
    {
        const float* tok[2] = {u, deltaRaw};
        for (int q = p0; q < p1; q += S) {
            scan_stage<S, 2>(st, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = 0; s < min(S, p1 - q); s++) {
                float dt = live ? scan_softplus(st[(2 * S + s) * 32 + lane] + bias) : 0.0f;
                float dtu = dt * st[(S + s) * 32 + lane];
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_exp2(dt * a2[n]) * h[n] + dtu * st[s * 32 + n];
                if (q + s == p0) dtFirst = dt;
                sumChunk += dt;
            }
            __syncwarp();
        }
    }
    // Δ of the position after the chunk: its decay links the chunk to the next one's g
    float dtAfter = 0.0f;
    if (live && p1 < L && p0 < p1) dtAfter = scan_softplus(deltaRaw[((long long)b * L + scan_token(p1, L, reverse)) * E + e] + bias);
    __syncthreads();                   // the staging buffers and the combine share the space
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) sState[(c * N + n) * 32 + lane] = h[n];
    sSum[c * 32 + lane] = sumChunk;
    __syncthreads();
    scan_combine_forward(sState, sSum, aLog, e, live, N, W, c, lane);
    __syncthreads();
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) h[n] = sState[(c * N + n) * 32 + lane];
    __syncthreads();

    // phase 1b: g at the chunk's first position from a zero carry (g[] holds it), and the Σ Δ of its carry's decays
    {
        const float* tok[4] = {deltaRaw, z, dOut, dReadout};
        for (int q = qLast; q >= p0; q -= S) {
            scan_stage<S, 4>(st, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = min(S, p1 - q) - 1; s >= 0; s--) {
                float dt = 0.0f, gr = 0.0f;
                if (live) {
                    dt = scan_softplus(st[(S + s) * 32 + lane] + bias);
                    gr = st[(3 * S + s) * 32 + lane] * scan_silu(st[(2 * S + s) * 32 + lane]) + st[(4 * S + s) * 32 + lane];
                }
                // g_p = gr_p·C_p + a_{p+1}·g_{p+1}; g[] holds a_{p+1}·g_{p+1}
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) g[n] = gr * st[s * 32 + 16 + n] + g[n];
                if (q + s > p0) {
#pragma unroll
                    for (int n = 0; n < SCAN_MAXN; n++) g[n] *= scan_exp2(dt * a2[n]);   // a_p, carried to p − 1
                }
            }
            __syncwarp();
        }
    }
    __syncthreads();
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) sState[(c * N + n) * 32 + lane] = g[n];
    sSum[c * 32 + lane] = sumChunk - dtFirst + dtAfter;       // Σ Δ over p0+1 … p1
    __syncthreads();
    scan_combine_backward(sState, sSum, aLog, e, live, N, W, c, lane);
    __syncthreads();
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) g[n] = sState[(c * N + n) * 32 + lane];   // g at p1 (0 after the last chunk)
    __syncthreads();

    // phase 3: the chunk's states at even counts (hbuf[k] = the state after 2k of its positions, hbuf[0] the
    // initial one: half the local buffer and half its traffic), then backwards through the chunk. At position j
    // (0-based in the chunk) the walk needs the state after it, h_{j+1}, and a_j·h_j: for even j it loads h_j
    // and advances it (h_{j+1} = a_j·h_j + Δ·u·B, the same arithmetic as the recomputation, so bitwise the
    // same state); for odd j it loads h_{j+1} and takes a_j·h_j = h_{j+1} − Δ·u·B.
    float hbuf[SCAN_TMAX / 2 + 1][SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) hbuf[0][n] = h[n];
    {
        const float* tok[2] = {u, deltaRaw};
        for (int q = p0; q < p1; q += S) {
            scan_stage<S, 2>(st, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = 0; s < min(S, p1 - q); s++) {
                float dt = live ? scan_softplus(st[(2 * S + s) * 32 + lane] + bias) : 0.0f;
                float dtu = dt * st[(S + s) * 32 + lane];
                int k = q + s - p0 + 1;        // states after this position
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_advance(scan_exp2(dt * a2[n]), h[n], dtu, st[s * 32 + n]);
                if ((k & 1) == 0) {
#pragma unroll
                    for (int n = 0; n < SCAN_MAXN; n++) hbuf[k >> 1][n] = h[n];
                }
            }
            __syncwarp();
        }
    }
    // aNext·gNext enters g_p; aNext = a_{p1} at the chunk's end
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) g[n] *= scan_exp2(dtAfter * a2[n]);
    float dA[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) dA[n] = 0.0f;
    float dBiasAcc = 0.0f, dDAcc = 0.0f;
    const float* tok[5] = {u, deltaRaw, z, dOut, dReadout};
    for (int q = qLast; q >= p0; q -= S) {     // the same trip counts in the whole warp (one chunk): shuffles converge
        scan_stage<S, 5>(st, tok, bm, cm, b, q, p1, L, E, N, e, live, reverse, lane);
        __syncwarp();
        for (int s = min(S, p1 - q) - 1; s >= 0; s--) {
            int j = q + s - p0;
            bool even = (j & 1) == 0;
            float uu = st[(S + s) * 32 + lane], arg = st[(2 * S + s) * 32 + lane] + bias, zz = st[(3 * S + s) * 32 + lane];
            float dOutI = st[(4 * S + s) * 32 + lane];
            float dt = live ? scan_softplus(arg) : 0.0f;
            float dtu = dt * uu;
            float gy = dOutI * scan_silu(zz);
            float gr = gy + st[(5 * S + s) * 32 + lane];
            // this channel's terms g·Δ·u (→ dB_n, lanes 0–15 collect them) and gr·h (→ dC_n, lanes 16–31), summed
            // over the warp: the first reduce-scatter step (xor 16) inside the state loop, the rest after it
            bool upperHalf = lane >= 16;
            float w[SCAN_MAXN];
            float gB = 0.0f, gDecay = 0.0f, r = 0.0f;
#pragma unroll
            for (int n = 0; n < SCAN_MAXN; n++) {
                float bv = st[s * 32 + n], cv = st[s * 32 + 16 + n];
                float gn = gr * cv + g[n];          // g[] = a_{p+1}·g_{p+1}
                float a = scan_exp2(dt * a2[n]);
                float hn, hPrevDecayed;             // h after position j, a_j·h_j
                float hk = hbuf[(j + 1) >> 1][n];   // h_j (even j) or h_{j+1} (odd j)
                if (even) {
                    hn = scan_advance(a, hk, dtu, bv);
                    hPrevDecayed = a * hk;
                } else {
                    hn = hk;
                    hPrevDecayed = hn - dtu * bv;
                }
                float termB = gn * dtu, termC = gr * hn;
                w[n] = (upperHalf ? termC : termB) + __shfl_xor_sync(0xffffffffu, upperHalf ? termB : termC, 16);
                gB += gn * bv;
                float gA = gn * hPrevDecayed;
                gDecay += gA * a2[n];                // × log2 e, undone below
                dA[n] += gA * dt;
                r += cv * hn;
                g[n] = gn * a;                       // a_p·g_p for position p − 1
            }
            float sum = scan_reduce_scatter16(w, lane);
            long long row = ((long long)b * L + scan_token(q + s, L, reverse)) * N;
            if (lane < SCAN_MAXN) {
                if (lane < N) atomicAdd(dBm + row + lane, sum);
            } else if (lane - SCAN_MAXN < N) {
                atomicAdd(dCm + row + lane - SCAN_MAXN, sum);
            }
            if (live) {
                long long i = ((long long)b * L + scan_token(q + s, L, reverse)) * E + e;
                du[i] += gy * D + gB * dt;
                float dDeltaRawI = (gB * uu + gDecay * (1.0f / SCAN_LOG2E)) * scan_softplus_grad(arg);
                dDeltaRaw[i] += dDeltaRawI;
                dBiasAcc += dDeltaRawI;
                dz[i] += dOutI * (r + D * uu) * scan_silu_grad(zz);
                dDAcc += gy * uu;
            }
        }
        __syncwarp();
    }
    // the block's parameter sums: over the chunks in order, then one atomic per parameter element
    __syncthreads();                   // the staging buffers and the sums share the space
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) sState[(c * N + n) * 32 + lane] = dA[n];
    sSum[c * 32 + lane] = dBiasAcc;
    sSum2[c * 32 + lane] = dDAcc;
    __syncthreads();
    if (!live) return;
    for (int n = c; n < N; n += W) {
        float acc = 0.0f;
        for (int cc = 0; cc < W; cc++) acc += sState[(cc * N + n) * 32 + lane];
        atomicAdd(dALog + e * N + n, acc * -expf(aLog[e * N + n]));   // ∂A/∂aLog = −exp(aLog) = A
    }
    if (c == 0) {
        float sb = 0.0f, sd = 0.0f;
        for (int cc = 0; cc < W; cc++) { sb += sSum[cc * 32 + lane]; sd += sSum2[cc * 32 + lane]; }
        atomicAdd(dDeltaBias + e, sb);
        atomicAdd(dD + e, sd);
    }
}

// ---- scan_bwd_v2: the backward as one walk over the whole sequence per channel (docs/gpu.md, "Selective scan
// backward, v2"). No chunks of the sequence, so no combines, no block barriers and no zero-carry pass for g:
//   pass 1: the forward recurrence over all L positions from h = 0, storing the state before every K-th
//           position (a checkpoint, 16 floats a thread) in the global scratch buffer ckpt;
//   then for each segment of K positions, from the last: recompute its states from its checkpoint, keeping
//           those at even counts (hbuf, K/2 + 1 states) and every Δ (sdt) in the warp's shared memory, and walk
//           it backwards with v1's arithmetic; the g carry (a_{p+1}·g_{p+1}) flows from segment to segment.
// Three passes over the decays (v1: four), every other state from shared memory (v1: local memory through L2).
// Warps are independent: block (32, G), warp w of the grid = (sample w mod B, tile w / B), warps past the last
// exit. Dynamic shared memory per warp: (K/2 + 1)·16·32 (hbuf) + K·32 (sdt) + 6·SCAN_BWD_SUB·32 (staging) floats
// (ScanPlan.v2WarpFloats); ckpt: B·tiles·ceil(L/K)·16·32 floats. K even, 2 ≤ K ≤ SCAN2_MAXK.
#define SCAN2_MAXK 16

extern "C" __global__ void __launch_bounds__(32 * SCAN2_MAX_WARPS, 3) scan_bwd_v2(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    const float* __restrict__ dOut, const float* __restrict__ dReadout,
                                    float* __restrict__ du, float* __restrict__ dDeltaRaw, float* __restrict__ dDeltaBias,
                                    float* __restrict__ dALog, float* __restrict__ dBm, float* __restrict__ dCm,
                                    float* __restrict__ dD, float* __restrict__ dz, float* __restrict__ ckpt,
                                    int B, int L, int E, int N, int K) {
    SCAN2_SHARED(sm);
    const int S = SCAN_BWD_SUB, S1 = SCAN2_FWD_SUB;
    int lane = threadIdx.x, tiles = (E + 31) / 32;
    int warp = blockIdx.x * blockDim.y + threadIdx.y;
    if (warp >= B * tiles) return;     // a whole warp: nothing below waits for the block
    int b = warp % B, e = (warp / B) * 32 + lane;
    bool live = e < E;
    int nck = (L + K - 1) / K;
    int half = K / 2 + 1;
    float* hbuf = sm + threadIdx.y * (half * SCAN_MAXN * 32 + K * 32 + 6 * S * 32);   // [K/2 + 1][16][32]
    float* sdt = hbuf + half * SCAN_MAXN * 32;                                           // [K][32]
    float* st = sdt + K * 32;                                                            // staging [6·S][32] = [3·S1][32]
    float* ck = ckpt + (long long)warp * nck * SCAN_MAXN * 32;                           // [nck][16][32]
    float a2[SCAN_MAXN], h[SCAN_MAXN], g[SCAN_MAXN], dA[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) {
        a2[n] = live && n < N ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        h[n] = 0.0f;
        g[n] = 0.0f;
        dA[n] = 0.0f;
    }
    float bias = live ? deltaBias[e] : 0.0f, D = live ? dskip[e] : 0.0f;
    const float* tok2[2] = {u, deltaRaw};

    // pass 1: the states before positions 0, K, 2K, … (checkpoint c = the state after c·K positions)
    for (int q = 0, next = 0, c = 0; q < L; q += S1) {
        scan_stage<S1, 2>(st, tok2, bm, cm, b, q, L, L, E, N, e, live, reverse, lane);
        __syncwarp();
        for (int s = 0; s < min(S1, L - q); s++) {
            if (q + s == next) {
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) ck[(c * SCAN_MAXN + n) * 32 + lane] = h[n];
                next += K;
                c++;
            }
            float dt = live ? scan_softplus(st[(2 * S1 + s) * 32 + lane] + bias) : 0.0f;
            float dtu = dt * st[(S1 + s) * 32 + lane];
            float bv[SCAN_MAXN];
            scan_row<SCAN_MAXN>(bv, st + s * 32);
#pragma unroll
            for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_advance(scan_exp2(dt * a2[n]), h[n], dtu, bv[n]);
        }
        __syncwarp();
    }

    float dBiasAcc = 0.0f, dDAcc = 0.0f;
    const float* tok5[5] = {u, deltaRaw, z, dOut, dReadout};
    for (int seg = nck - 1; seg >= 0; seg--) {
        int s0 = seg * K, s1 = min(L, s0 + K);
        // the segment's states: hbuf[k] = the state after 2k of its positions (hbuf[0] its checkpoint), sdt[j] = Δ
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) {
            h[n] = ck[(seg * SCAN_MAXN + n) * 32 + lane];
            hbuf[n * 32 + lane] = h[n];
        }
        for (int q = s0; q < s1; q += S1) {
            scan_stage<S1, 2>(st, tok2, bm, cm, b, q, s1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = 0; s < min(S1, s1 - q); s++) {
                int k = q + s - s0 + 1;        // states after this position
                float dt = live ? scan_softplus(st[(2 * S1 + s) * 32 + lane] + bias) : 0.0f;
                float dtu = dt * st[(S1 + s) * 32 + lane];
                sdt[(k - 1) * 32 + lane] = dt;
                float bv[SCAN_MAXN];
                scan_row<SCAN_MAXN>(bv, st + s * 32);
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_advance(scan_exp2(dt * a2[n]), h[n], dtu, bv[n]);
                if ((k & 1) == 0) {
#pragma unroll
                    for (int n = 0; n < SCAN_MAXN; n++) hbuf[((k >> 1) * SCAN_MAXN + n) * 32 + lane] = h[n];
                }
            }
            __syncwarp();
        }
        // backwards through the segment: v1's walk (position j of the segment needs h_{j+1} and a_j·h_j: for even j
        // it loads h_j and advances it, for odd j it loads h_{j+1} and takes a_j·h_j = h_{j+1} − Δ·u·B)
        int qLast = s0 + (s1 - s0 - 1) / S * S;
        for (int q = qLast; q >= s0; q -= S) {     // the same trip counts in the whole warp: shuffles converge
            scan_stage<S, 5>(st, tok5, bm, cm, b, q, s1, L, E, N, e, live, reverse, lane);
            __syncwarp();
            for (int s = min(S, s1 - q) - 1; s >= 0; s--) {
                int j = q + s - s0;
                bool even = (j & 1) == 0;
                float uu = st[(S + s) * 32 + lane], arg = st[(2 * S + s) * 32 + lane] + bias, zz = st[(3 * S + s) * 32 + lane];
                float dOutI = st[(4 * S + s) * 32 + lane];
                float dt = sdt[j * 32 + lane];
                float dtu = dt * uu;
                float sz = scan_sigmoid(zz);           // SiLU(z) and its derivative from one sigmoid
                float gy = dOutI * (zz * sz);
                float gr = gy + st[(5 * S + s) * 32 + lane];
                bool upperHalf = lane >= 16;
                float w[SCAN_MAXN];
                float gB = 0.0f, gDecay = 0.0f, r = 0.0f;
                const float* hk = hbuf + ((j + 1) >> 1) * SCAN_MAXN * 32 + lane;   // h_j (even j) or h_{j+1} (odd j)
                float bc[2 * SCAN_MAXN];
                scan_row<2 * SCAN_MAXN>(bc, st + s * 32);
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) {
                    float bv = bc[n], cv = bc[SCAN_MAXN + n];
                    float gn = gr * cv + g[n];          // g[] = a_{p+1}·g_{p+1}
                    float a = scan_exp2(dt * a2[n]);
                    float hs = hk[n * 32];
                    float hn, hPrevDecayed;             // h after position j, a_j·h_j
                    if (even) {
                        hn = scan_advance(a, hs, dtu, bv);
                        hPrevDecayed = a * hs;
                    } else {
                        hn = hs;
                        hPrevDecayed = hn - dtu * bv;
                    }
                    float termB = gn * dtu, termC = gr * hn;
                    w[n] = (upperHalf ? termC : termB) + __shfl_xor_sync(0xffffffffu, upperHalf ? termB : termC, 16);
                    gB += gn * bv;
                    float gA = gn * hPrevDecayed;
                    gDecay += gA * a2[n];                // × log2 e, undone below
                    dA[n] += gA * dt;
                    r += cv * hn;
                    g[n] = gn * a;                       // a_p·g_p for position p − 1
                }
                float sum = scan_reduce_scatter16(w, lane);
                long long row = ((long long)b * L + scan_token(q + s, L, reverse)) * N;
                if (lane < SCAN_MAXN) {
                    if (lane < N) atomicAdd(dBm + row + lane, sum);
                } else if (lane - SCAN_MAXN < N) {
                    atomicAdd(dCm + row + lane - SCAN_MAXN, sum);
                }
                if (live) {
                    long long i = ((long long)b * L + scan_token(q + s, L, reverse)) * E + e;
                    du[i] += gy * D + gB * dt;
                    float dDeltaRawI = (gB * uu + gDecay * (1.0f / SCAN_LOG2E)) * scan_softplus_grad(arg);
                    dDeltaRaw[i] += dDeltaRawI;
                    dBiasAcc += dDeltaRawI;
                    dz[i] += dOutI * (r + D * uu) * (sz * (1.0f + zz * (1.0f - sz)));
                    dDAcc += gy * uu;
                }
            }
            __syncwarp();
        }
    }
    // this thread's sums cover the whole sequence: one atomic per parameter element and warp
    if (!live) return;
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++)
        if (n < N) atomicAdd(dALog + e * N + n, dA[n] * -expf(aLog[e * N + n]));   // ∂A/∂aLog = −exp(aLog) = A
    atomicAdd(dDeltaBias + e, dBiasAcc);
    atomicAdd(dD + e, dDAcc);
}
