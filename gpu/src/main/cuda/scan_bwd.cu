// scan_bwd: the selective-scan backward (engine ScanOps, vim-spec.md §5) as one walk over the whole sequence per
// channel (docs/gpu.md, "Selective scan, backward"). No chunks of the sequence, so no combines, no block barriers
// and no length limit. For g_p = ∂L/∂h_p = gr_p·C_p + a_{p+1}·g_{p+1}:
//   pass 1: the forward recurrence over all L positions from h = 0, storing the state before every K-th
//           position (a checkpoint, 16 floats a thread) in the global scratch buffer ckpt;
//   then for each segment of K positions, from the last: recompute its states from its checkpoint, keeping
//           those at even counts (hbuf, K/2 + 1 states) and every Δ (sdt) in the warp's shared memory, and walk
//           it backwards; the g carry (a_{p+1}·g_{p+1}) flows from segment to segment.
// Three passes over the decays, every other state from shared memory. (The chunked backward it replaced, with four
// passes and 16 barrier-separated chunks, ran at 0.09 of the H100's DRAM bandwidth; this one at 0.16, docs/gpu.md.)
// Warps are independent: block (32, G), warp w of the grid = (sample w mod B, tile w / B), warps past the last
// exit. Dynamic shared memory per warp: (K/2 + 1)·16·32 (hbuf) + K·32 (sdt) + 9·SCAN_BWD_SUB·32 (staging) floats
// (ScanPlan.Backward.warpFloats); ckpt: B·tiles·ceil(L/K)·16·32 floats. K even, 2 ≤ K ≤ SCAN_BWD_MAXK.
// dBm, dCm (sums over the channels) are reduced over the warp's 32 channels by a shuffle reduce-scatter (lane l ends
// with the sum of term l: dB_l, or dC_{l−16}) and added with one atomic per lane.
#include "scan_common.cuh"

#define SCAN_BWD_MAXK 16       // ScanPlan.MAX_SEGMENT
#define SCAN_BWD_MAX_WARPS 4   // ScanPlan.BACKWARD_MAX_WARPS: G ≤ 4, 128 threads
#define SCAN_BWD_FWD_SUB 8     // positions staged at a time in pass 1 and the recomputation (u, Δ_raw: fits the walk's staging)

extern "C" __global__ void __launch_bounds__(32 * SCAN_BWD_MAX_WARPS, 3) scan_bwd(const float* __restrict__ u, const float* __restrict__ deltaRaw,
                                    const float* __restrict__ deltaBias, const float* __restrict__ aLog,
                                    const float* __restrict__ bm, const float* __restrict__ cm,
                                    const float* __restrict__ dskip, const float* __restrict__ z, int reverse,
                                    const float* __restrict__ dOut, const float* __restrict__ dReadout,
                                    float* __restrict__ du, float* __restrict__ dDeltaRaw, float* __restrict__ dDeltaBias,
                                    float* __restrict__ dALog, float* __restrict__ dBm, float* __restrict__ dCm,
                                    float* __restrict__ dD, float* __restrict__ dz, float* __restrict__ ckpt,
                                    int B, int L, int E, int N, int K) {
    SCAN_SHARED(sm);
    const int S = SCAN_BWD_SUB, S1 = SCAN_BWD_FWD_SUB;
    int lane = threadIdx.x, tiles = (E + 31) / 32;
    int warp = blockIdx.x * blockDim.y + threadIdx.y;
    if (warp >= B * tiles) return;     // a whole warp: nothing below waits for the block
    int b = warp % B, e = (warp / B) * 32 + lane;
    bool live = e < E;
    int nck = (L + K - 1) / K;
    int half = K / 2 + 1;
    float* hbuf = sm + threadIdx.y * (half * SCAN_MAXN * 32 + K * 32 + 9 * S * 32);   // [K/2 + 1][16][32]
    float* sdt = hbuf + half * SCAN_MAXN * 32;                                           // [K][32]
    float* st = sdt + K * 32;                                                            // staging [9·S][32] (≥ [3·S1][32])
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
    // the walk stages the gradients it adds to (du, dΔ_raw, dz) with its inputs: their old values arrive with one wait
    // per sub-chunk instead of a dependent global load per position (long-scoreboard stalls were 43 % of the cycles)
    const float* tok8[8] = {u, deltaRaw, z, dOut, dReadout, du, dDeltaRaw, dz};
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
        // backwards through the segment (position j of the segment needs h_{j+1} and a_j·h_j: for even j
        // it loads h_j and advances it, for odd j it loads h_{j+1} and takes a_j·h_j = h_{j+1} − Δ·u·B)
        int qLast = s0 + (s1 - s0 - 1) / S * S;
        for (int q = qLast; q >= s0; q -= S) {     // the same trip counts in the whole warp: shuffles converge
            scan_stage<S, 8>(st, tok8, bm, cm, b, q, s1, L, E, N, e, live, reverse, lane);
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
                    du[i] = st[(6 * S + s) * 32 + lane] + (gy * D + gB * dt);
                    float dDeltaRawI = (gB * uu + gDecay * (1.0f / SCAN_LOG2E)) * scan_softplus_grad(arg);
                    dDeltaRaw[i] = st[(7 * S + s) * 32 + lane] + dDeltaRawI;
                    dBiasAcc += dDeltaRawI;
                    dz[i] = st[(8 * S + s) * 32 + lane] + dOutI * (r + D * uu) * (sz * (1.0f + zz * (1.0f - sz)));
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
