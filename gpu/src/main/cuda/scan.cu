// The selective scan of one Mamba direction, gate included (engine ScanOps, vim-spec.md §4–§5),
// as a chunked parallel scan over the sequence, laid out for coalesced access to the (B, L, E)
// token tensors (docs/gpu.md, "Selective scan").
//
// Block (32, W): threadIdx.x = the channel within a tile of 32 consecutive channels (a warp reads
// 32 consecutive floats of a token row: one 128-byte line), threadIdx.y = the chunk c of T
// consecutive positions; grid (ceil(E/32), B). Each thread owns one channel and keeps all N ≤ 16
// states in registers, so the readout Σ_n C_n·h_n is a sum in the thread (no shuffle). B and C
// [B,L,N] rows are the same for the 32 lanes of a warp: broadcast loads.
// Positions p are counted in processing order (token t = p, or L−1−p when reverse). The recurrence
//   h_p = a_p·h_{p−1} + β_p,   a_p = exp(Δ_p·A_n) = 2^(Δ_p·A_n·log2 e),   β_p = Δ_p·u_p·B_{p,n}
// is solved in three phases when W > 1: (1) every chunk scans its positions from h = 0 and keeps
// its end state and Σ Δ (its decay product is exp(A_n·Σ Δ)); (2) one pass over the W chunks per
// (channel, state) turns those into each chunk's initial state; (3) every chunk scans again from its
// true initial state and writes its outputs. W = 1 is a plain walk over the sequence.
// The backward runs the same idea backwards for g_p = ∂L/∂h_p = gr_p·C_p + a_{p+1}·g_{p+1}: phase 1
// gives each chunk's initial state, phase 1b each chunk's carried g, phase 3 recomputes the chunk's
// states into a per-thread buffer (T ≤ SCAN_TMAX, local memory, written and read by the same thread
// in L1) and walks the chunk backwards.
// Layout: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; deltaBias, d [E]; aLog [E,N].
// Gradient sums: dBm, dCm (over the channels) are reduced over the warp's 32 channels by a shuffle
// reduce-scatter (lane l ends with the sum of value l) and added with one atomic per lane; dALog,
// dD, dDeltaBias are summed over the block's chunks in shared memory, then one atomic per element.
#include "common.cuh"

#define SCAN_MAXN 16
#define SCAN_TMAX 32
#define SCAN_AHEAD 4           // forward: positions of u, Δ_raw, z loaded ahead
#define SCAN_MAX_THREADS 512   // 32 channels × 16 chunks (ScanPlan.MAX_THREADS): at most 128 registers a thread
#define SCAN_LOG2E 1.4426950408889634f

__device__ __forceinline__ int scan_token(int p, int L, int reverse) { return reverse ? L - 1 - p : p; }

// row[n] of a B or C row, 0 for the padding states n ≥ N: the load is unconditional (index clamped) and
// the padding a select, so the unrolled state loops have no branches and their loads can be batched.
// Padding states have A = 0 and B = C = 0, so their h and g stay 0 and add nothing.
__device__ __forceinline__ float scan_state_value(const float* row, int n, int N) {
    float v = row[n < N ? n : N - 1];
    return n < N ? v : 0.0f;
}

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
            carry = exp2f(a2 * sSum[cc * 32 + lane]) * carry + end;
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
            carry = start + exp2f(a2 * sSum[cc * 32 + lane]) * carry;
        }
    }
}

// grid (ceil(E/32), B); block (32, W), W = ceil(L/T); dynamic shared memory (N + 1)·32·W floats
extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_fwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    float* __restrict__ y, float* __restrict__ out, int B, int L, int E, int N, int T) {
    SV_EXTERN_SHARED(sm);
    int W = blockDim.y, lane = threadIdx.x, c = threadIdx.y;
    int e = blockIdx.x * 32 + lane, b = blockIdx.y;
    bool live = e < E;
    float* sEnd = sm;                  // [W][N][32]
    float* sSum = sm + W * N * 32;     // [W][32]
    float a2[SCAN_MAXN], h[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) {
        a2[n] = live && n < N ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        h[n] = 0.0f;
    }
    float bias = live ? deltaBias[e] : 0.0f, D = live ? dskip[e] : 0.0f;
    int p0 = c * T, p1 = min(L, p0 + T);
    if (W > 1) {                       // same in the whole block: the barriers are uniform
        float sum = 0.0f;
        for (int p = p0; p < p1; p++) {
            int t = scan_token(p, L, reverse);
            long long i = ((long long)b * L + t) * E + e;
            const float* brow = bm + ((long long)b * L + t) * N;
            float dt = live ? sv_softplus(deltaRaw[i] + bias) : 0.0f;
            float du = live ? dt * u[i] : 0.0f;
#pragma unroll
            for (int n = 0; n < SCAN_MAXN; n++) h[n] = exp2f(dt * a2[n]) * h[n] + du * scan_state_value(brow, n, N);
            sum += dt;
        }
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
    }
    if (!live || p0 >= p1) return;     // no barrier after this point
    // the token values of positions p … p + SCAN_AHEAD − 1, loaded SCAN_AHEAD positions ahead of their use
    // (the index clamped at the chunk's end), so a warp has that many lines of each tensor in flight
    float ru[SCAN_AHEAD], rdr[SCAN_AHEAD], rz[SCAN_AHEAD];
#pragma unroll
    for (int k = 0; k < SCAN_AHEAD; k++) {
        long long i = ((long long)b * L + scan_token(min(p0 + k, p1 - 1), L, reverse)) * E + e;
        ru[k] = u[i];
        rdr[k] = deltaRaw[i];
        rz[k] = z[i];
    }
#pragma unroll 1
    for (int p = p0; p < p1; p++) {
        int t = scan_token(p, L, reverse);
        long long i = ((long long)b * L + t) * E + e;
        const float* brow = bm + ((long long)b * L + t) * N;
        const float* crow = cm + ((long long)b * L + t) * N;
        float uu = ru[0], dr = rdr[0], zz = rz[0];
#pragma unroll
        for (int k = 0; k + 1 < SCAN_AHEAD; k++) {
            ru[k] = ru[k + 1];
            rdr[k] = rdr[k + 1];
            rz[k] = rz[k + 1];
        }
        long long ia = ((long long)b * L + scan_token(min(p + SCAN_AHEAD, p1 - 1), L, reverse)) * E + e;
        ru[SCAN_AHEAD - 1] = u[ia];
        rdr[SCAN_AHEAD - 1] = deltaRaw[ia];
        rz[SCAN_AHEAD - 1] = z[ia];
        float dt = sv_softplus(dr + bias);
        float du = dt * uu;
        float r = 0.0f;
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) {
            h[n] = exp2f(dt * a2[n]) * h[n] + du * scan_state_value(brow, n, N);
            r += scan_state_value(crow, n, N) * h[n];
        }
        float yy = r + D * uu;
        y[i] = yy;
        out[i] = yy * sv_silu(zz);
    }
}

// Lane l of the warp ends with Σ over the 32 lanes of v[l] (a reduce-scatter: 31 shuffles for 32 sums).
__device__ __forceinline__ float scan_reduce_scatter(float* v, int lane) {
#pragma unroll
    for (int o = 16; o >= 1; o >>= 1) {
        bool upper = (lane & o) != 0;
#pragma unroll
        for (int i = 0; i < o; i++) {
            float keep = upper ? v[i + o] : v[i];
            float send = upper ? v[i] : v[i + o];
            v[i] = keep + __shfl_xor_sync(0xffffffffu, send, o);
        }
    }
    return v[0];
}

// grid (ceil(E/32), B); block (32, W), W = ceil(L/T), T ≤ SCAN_TMAX; dynamic shared memory
// (N + 2)·32·W floats. dReadout may be null.
extern "C" __global__ void __launch_bounds__(SCAN_MAX_THREADS) scan_bwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    const float* __restrict__ dOut, const float* __restrict__ dReadout,
                                    float* __restrict__ du, float* __restrict__ dDeltaRaw, float* __restrict__ dDeltaBias,
                                    float* __restrict__ dALog, float* __restrict__ dBm, float* __restrict__ dCm,
                                    float* __restrict__ dD, float* __restrict__ dz, int B, int L, int E, int N, int T) {
    SV_EXTERN_SHARED(sm);
    int W = blockDim.y, lane = threadIdx.x, c = threadIdx.y;
    int e = blockIdx.x * 32 + lane, b = blockIdx.y;
    bool live = e < E;
    float* sState = sm;                // [W][N][32]: end states → initial states; then g starts → carries; then dA sums
    float* sSum = sm + W * N * 32;     // [W][32]: Σ Δ; then the dΔbias sums
    float* sSum2 = sSum + W * 32;      // [W][32]: the dD sums
    float a2[SCAN_MAXN], h[SCAN_MAXN], g[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) {
        a2[n] = live && n < N ? -expf(aLog[e * N + n]) * SCAN_LOG2E : 0.0f;
        h[n] = 0.0f;
        g[n] = 0.0f;
    }
    float bias = live ? deltaBias[e] : 0.0f, D = live ? dskip[e] : 0.0f;
    int p0 = c * T, p1 = min(L, p0 + T);

    // phase 1 and 2: h[] = the state before the chunk's first position
    float sumChunk = 0.0f, dtFirst = 0.0f;
    for (int p = p0; p < p1; p++) {
        int t = scan_token(p, L, reverse);
        long long i = ((long long)b * L + t) * E + e;
        const float* brow = bm + ((long long)b * L + t) * N;
        float dt = live ? sv_softplus(deltaRaw[i] + bias) : 0.0f;
        float dtu = live ? dt * u[i] : 0.0f;
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) h[n] = exp2f(dt * a2[n]) * h[n] + dtu * scan_state_value(brow, n, N);
        if (p == p0) dtFirst = dt;
        sumChunk += dt;
    }
    // Δ of the position after the chunk: its decay links the chunk to the next one's g
    float dtAfter = 0.0f;
    if (live && p1 < L && p0 < p1) {
        int t = scan_token(p1, L, reverse);
        dtAfter = sv_softplus(deltaRaw[((long long)b * L + t) * E + e] + bias);
    }
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
    for (int p = p1 - 1; p >= p0; p--) {
        int t = scan_token(p, L, reverse);
        long long i = ((long long)b * L + t) * E + e;
        const float* crow = cm + ((long long)b * L + t) * N;
        float dt = 0.0f, gr = 0.0f;
        if (live) {
            dt = sv_softplus(deltaRaw[i] + bias);
            gr = dOut[i] * sv_silu(z[i]) + (dReadout ? dReadout[i] : 0.0f);
        }
        // g_p = gr_p·C_p + a_{p+1}·g_{p+1}; g[] holds a_{p+1}·g_{p+1} scaled below
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) g[n] = gr * scan_state_value(crow, n, N) + g[n];
        if (p > p0) {
#pragma unroll
            for (int n = 0; n < SCAN_MAXN; n++) g[n] *= exp2f(dt * a2[n]);   // a_p, carried to p − 1
        }
    }
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

    // phase 3: the chunk's states (hbuf[j] = state before position p0 + j), then backwards through it
    float hbuf[SCAN_TMAX + 1][SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) hbuf[0][n] = h[n];
    for (int p = p0; p < p1; p++) {
        int t = scan_token(p, L, reverse);
        long long i = ((long long)b * L + t) * E + e;
        const float* brow = bm + ((long long)b * L + t) * N;
        float dt = live ? sv_softplus(deltaRaw[i] + bias) : 0.0f;
        float dtu = live ? dt * u[i] : 0.0f;
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) {
            h[n] = exp2f(dt * a2[n]) * h[n] + dtu * scan_state_value(brow, n, N);
            hbuf[p - p0 + 1][n] = h[n];
        }
    }
    // aNext·gNext enters g_p; aNext = a_{p1} at the chunk's end
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) g[n] *= exp2f(dtAfter * a2[n]);
    float dA[SCAN_MAXN];
#pragma unroll
    for (int n = 0; n < SCAN_MAXN; n++) dA[n] = 0.0f;
    float dBiasAcc = 0.0f, dDAcc = 0.0f;
    for (int p = p1 - 1; p >= p0; p--) {      // the same trip count in the whole warp (one chunk): shuffles converge
        int j = p - p0;
        int t = scan_token(p, L, reverse);
        long long i = ((long long)b * L + t) * E + e;
        long long row = ((long long)b * L + t) * N;
        float dt = 0.0f, arg = 0.0f, uu = 0.0f, zz = 0.0f, dOutI = 0.0f, gy = 0.0f, gr = 0.0f;
        if (live) {
            arg = deltaRaw[i] + bias;
            dt = sv_softplus(arg);
            uu = u[i];
            zz = z[i];
            dOutI = dOut[i];
            gy = dOutI * sv_silu(zz);
            gr = gy + (dReadout ? dReadout[i] : 0.0f);
        }
        float v[32];                         // v[n] = g·Δ·u (→ dB), v[16 + n] = gr·h (→ dC), this channel's terms
        float gB = 0.0f, gDecay = 0.0f, r = 0.0f;
#pragma unroll
        for (int n = 0; n < SCAN_MAXN; n++) {
            float cv = scan_state_value(cm + row, n, N), bv = scan_state_value(bm + row, n, N);
            float gn = gr * cv + g[n];              // g[] = a_{p+1}·g_{p+1}
            float a = exp2f(dt * a2[n]);
            float hPrevDecayed = a * hbuf[j][n];
            float hn = hbuf[j + 1][n];
            v[n] = gn * dt * uu;
            v[SCAN_MAXN + n] = gr * hn;
            gB += gn * bv;
            float gA = gn * hPrevDecayed;
            gDecay += gA * a2[n];                    // × log2 e, undone below
            dA[n] += gA * dt;
            r += cv * hn;
            g[n] = gn * a;                           // a_p·g_p for position p − 1
        }
        float s = scan_reduce_scatter(v, lane);
        if (lane < SCAN_MAXN) {
            if (lane < N) atomicAdd(dBm + row + lane, s);
        } else if (lane - SCAN_MAXN < N) {
            atomicAdd(dCm + row + lane - SCAN_MAXN, s);
        }
        if (live) {
            du[i] += gy * D + gB * dt;
            float dDeltaRawI = (gB * uu + gDecay * (1.0f / SCAN_LOG2E)) * sv_softplus_grad(arg);
            dDeltaRaw[i] += dDeltaRawI;
            dBiasAcc += dDeltaRawI;
            dz[i] += dOutI * (r + D * uu) * sv_silu_grad(zz);
            dDAcc += gy * uu;
        }
    }
    // the block's parameter sums: over the chunks in order, then one atomic per parameter element
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
