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
// The backward is scan_bwd.cu (one walk over the sequence per channel, checkpoints and recomputed segments).
// Layout: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; deltaBias, d [E]; aLog [E,N].
// The shared definitions and helpers (staging, softplus/SiLU, exp2, the row reads) are in scan_common.cuh.
#include "scan_common.cuh"

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

// grid (ceil(E/32), B); block (32, W), W = ceil(L/T) ≤ 8; dynamic shared memory
// max((N + 1)·32·W, 4·32·SCAN_FWD_SUB·W) floats (the combine, then the staging buffers, in the same space).
// The staged B|C rows are read with 128-bit shared loads (scan_row: 8 loads a position instead of 32).
extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_fwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    float* __restrict__ y, float* __restrict__ out, int B, int L, int E, int N, int T) {
    SCAN_SHARED(sm);
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
                float bv[SCAN_MAXN];
                scan_row<SCAN_MAXN>(bv, st + s * 32);
#pragma unroll
                for (int n = 0; n < SCAN_MAXN; n++) h[n] = scan_exp2(dt * a2[n]) * h[n] + du * bv[n];
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
            float bc[2 * SCAN_MAXN];
            scan_row<2 * SCAN_MAXN>(bc, st + s * 32);
#pragma unroll
            for (int n = 0; n < SCAN_MAXN; n++) {
                h[n] = scan_exp2(dt * a2[n]) * h[n] + du * bc[n];
                r += bc[SCAN_MAXN + n] * h[n];
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
