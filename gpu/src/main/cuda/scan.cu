// The selective scan of one Mamba direction, gate included (engine ScanOps, vim-spec.md §4–§5),
// as a chunked parallel scan over the sequence. One block per (channel e, sample b); its threads are
// (chunk c, state n) with n fastest, NP = N rounded up to a power of two lanes per chunk (NP ≤ 32),
// so the sum over the states of a step is a shuffle within NP lanes. Positions p are counted in
// processing order (token t = p, or L−1−p when reverse). The linear recurrence
//   h_p = a_p · h_{p−1} + β_p,   a_p = exp(Δ_p·A_n),  β_p = Δ_p·u_p·B_{p,n}
// is solved in three phases: (1) every chunk scans its T positions from h = 0 and keeps its end
// state and the product of its decays; (2) one pass over the C chunks turns those into each chunk's
// initial state; (3) every chunk scans again from its true initial state and writes its outputs.
// The backward runs the same idea backwards for g_p = ∂L/∂h_p = gr_p·C_p + a_{p+1}·g_{p+1}, and
// recomputes the forward states of its chunk into a local buffer (T ≤ SCAN_TMAX) instead of storing them.
// Layout: u, deltaRaw, z, y, out [B,L,E]; bm, cm [B,L,N]; deltaBias, d [E]; aLog [E,N].
// Sums over channels or samples (dBm, dCm, dALog, dD, dDeltaBias) are added with atomics.
#include "common.cuh"

#define SCAN_TMAX 64

__device__ __forceinline__ float lanes_sum(float v, int np) {
    for (int o = np >> 1; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o, np);
    return v;
}

__device__ __forceinline__ long long tok_index(int b, int p, int L, int E, int e, int reverse, int* tOut) {
    int t = reverse ? L - 1 - p : p;
    *tOut = t;
    return ((long long)b * L + t) * E + e;
}

// Phase 1 and 2 of the forward recurrence: sInit[c·NP + n] = the state before chunk c's first position.
__device__ void scan_chunk_initial_states(const float* u, const float* deltaRaw, float bias, float A, const float* bm,
                                          int reverse, int b, int e, int L, int E, int N, int NP, int T, int c, int n,
                                          bool active, float* sEnd, float* sProd, float* sInit) {
    int C = blockDim.x / NP;
    int p0 = c * T, p1 = min(L, p0 + T);
    float h = 0.0f, P = 1.0f;
    for (int p = p0; p < p1; p++) {
        int t;
        long long i = tok_index(b, p, L, E, e, reverse, &t);
        float dt = sv_softplus(deltaRaw[i] + bias);
        float dA = expf(dt * A);
        float bv = active ? bm[((long long)b * L + t) * N + n] : 0.0f;
        h = dA * h + dt * u[i] * bv;
        P *= dA;
    }
    sEnd[c * NP + n] = h;
    sProd[c * NP + n] = P;
    __syncthreads();
    if (c == 0) {
        float carry = 0.0f;
        for (int cc = 0; cc < C; cc++) {
            sInit[cc * NP + n] = carry;
            carry = sProd[cc * NP + n] * carry + sEnd[cc * NP + n];
        }
    }
    __syncthreads();
}

// grid (E, B); block C·NP threads (a multiple of 32); dynamic shared memory 3·C·NP floats
extern "C" __global__ void scan_fwd(const float* u, const float* deltaRaw, const float* deltaBias, const float* aLog,
                                    const float* bm, const float* cm, const float* dskip, const float* z, int reverse,
                                    float* y, float* out, int B, int L, int E, int N, int NP, int T) {
    SV_EXTERN_SHARED(sm);
    int C = blockDim.x / NP;
    float* sEnd = sm;
    float* sProd = sm + C * NP;
    float* sInit = sm + 2 * C * NP;
    int e = blockIdx.x, b = blockIdx.y;
    int n = threadIdx.x % NP, c = threadIdx.x / NP;
    bool active = n < N;
    float A = active ? -expf(aLog[e * N + n]) : 0.0f;
    float bias = deltaBias[e];
    scan_chunk_initial_states(u, deltaRaw, bias, A, bm, reverse, b, e, L, E, N, NP, T, c, n, active, sEnd, sProd, sInit);

    float h = sInit[c * NP + n];
    float D = dskip[e];
    int p0 = c * T, p1 = min(L, p0 + T);
    for (int j = 0; j < T; j++) {                  // same trip count in every lane: the shuffles stay converged
        int p = p0 + j;
        bool valid = p < p1;
        float contrib = 0.0f;
        long long i = 0;
        if (valid) {
            int t;
            i = tok_index(b, p, L, E, e, reverse, &t);
            float dt = sv_softplus(deltaRaw[i] + bias);
            float dA = expf(dt * A);
            long long s = ((long long)b * L + t) * N + n;
            float bv = active ? bm[s] : 0.0f;
            h = dA * h + dt * u[i] * bv;
            contrib = active ? cm[s] * h : 0.0f;
        }
        float r = lanes_sum(contrib, NP);           // readout C_p · h_p
        if (valid && n == 0) {
            float yy = r + D * u[i];
            y[i] = yy;
            out[i] = yy * sv_silu(z[i]);
        }
    }
}

// grid (E, B); block C·NP threads; dynamic shared memory (6·C·NP + 2·C) floats. dReadout may be null.
extern "C" __global__ void scan_bwd(const float* u, const float* deltaRaw, const float* deltaBias, const float* aLog,
                                    const float* bm, const float* cm, const float* dskip, const float* z, int reverse,
                                    const float* dOut, const float* dReadout,
                                    float* du, float* dDeltaRaw, float* dDeltaBias, float* dALog,
                                    float* dBm, float* dCm, float* dD, float* dz,
                                    int B, int L, int E, int N, int NP, int T) {
    SV_EXTERN_SHARED(sm);
    int C = blockDim.x / NP;
    float* sEnd = sm;
    float* sProd = sm + C * NP;
    float* sInit = sm + 2 * C * NP;
    float* gStart = sm + 3 * C * NP;   // local g at each chunk's first position (zero carry)
    float* gProd = sm + 4 * C * NP;    // Π_{q=p0+1}^{p1} a_q of each chunk
    float* gCarry = sm + 5 * C * NP;   // g at the position after each chunk
    float* sDeltaBias = sm + 6 * C * NP;
    float* sD = sDeltaBias + C;
    int e = blockIdx.x, b = blockIdx.y;
    int n = threadIdx.x % NP, c = threadIdx.x / NP;
    bool active = n < N;
    float A = active ? -expf(aLog[e * N + n]) : 0.0f;
    float bias = deltaBias[e];
    float D = dskip[e];
    scan_chunk_initial_states(u, deltaRaw, bias, A, bm, reverse, b, e, L, E, N, NP, T, c, n, active, sEnd, sProd, sInit);

    int p0 = c * T, p1 = min(L, p0 + T);
    // decay a_{p1} of the position after this chunk (0 at the end: g_L = 0 anyway)
    float aAfter = 0.0f;
    if (p1 < L && p1 >= p0) {
        int t;
        long long i = tok_index(b, p1, L, E, e, reverse, &t);
        aAfter = expf(sv_softplus(deltaRaw[i] + bias) * A);
    }
    // phase 1 (backwards): local g from a zero carry, and the product of the decays it is carried through
    {
        float g = 0.0f, Q = 1.0f, aNext = aAfter;
        for (int p = p1 - 1; p >= p0; p--) {
            int t;
            long long i = tok_index(b, p, L, E, e, reverse, &t);
            float gr = dOut[i] * sv_silu(z[i]) + (dReadout ? dReadout[i] : 0.0f);
            float cv = active ? cm[((long long)b * L + t) * N + n] : 0.0f;
            g = gr * cv + aNext * g;
            Q *= aNext;
            aNext = expf(sv_softplus(deltaRaw[i] + bias) * A);
        }
        gStart[c * NP + n] = g;
        gProd[c * NP + n] = Q;
    }
    __syncthreads();
    if (c == 0) {
        float carry = 0.0f;
        for (int cc = C - 1; cc >= 0; cc--) {
            gCarry[cc * NP + n] = carry;
            carry = gStart[cc * NP + n] + gProd[cc * NP + n] * carry;
        }
    }
    __syncthreads();

    // phase 3: the chunk's forward states, then the gradients backwards through it
    float hbuf[SCAN_TMAX];
    float hInit = sInit[c * NP + n];
    {
        float h = hInit;
        for (int j = 0; j < T; j++) {
            int p = p0 + j;
            if (p < p1) {
                int t;
                long long i = tok_index(b, p, L, E, e, reverse, &t);
                float dt = sv_softplus(deltaRaw[i] + bias);
                float bv = active ? bm[((long long)b * L + t) * N + n] : 0.0f;
                h = expf(dt * A) * h + dt * u[i] * bv;
            }
            hbuf[j] = h;
        }
    }
    float gNext = gCarry[c * NP + n], aNext = aAfter;
    float dAAcc = 0.0f, dDeltaBiasAcc = 0.0f, dDAcc = 0.0f;
    for (int j = T - 1; j >= 0; j--) {             // same trip count in every lane
        int p = p0 + j;
        bool valid = p < p1;
        float partB = 0.0f, partDecay = 0.0f, partR = 0.0f;
        long long i = 0;
        float dt = 0.0f, arg = 0.0f, gy = 0.0f, uu = 0.0f;
        if (valid) {
            int t;
            i = tok_index(b, p, L, E, e, reverse, &t);
            long long s = ((long long)b * L + t) * N + n;
            arg = deltaRaw[i] + bias;
            dt = sv_softplus(arg);
            float dA = expf(dt * A);
            uu = u[i];
            float zz = z[i];
            gy = dOut[i] * sv_silu(zz);
            float gr = gy + (dReadout ? dReadout[i] : 0.0f);
            float cv = active ? cm[s] : 0.0f;
            float bv = active ? bm[s] : 0.0f;
            float g = gr * cv + aNext * gNext;
            float h = hbuf[j];
            float hPrev = j > 0 ? hbuf[j - 1] : hInit;
            float prevDecayed = dA * hPrev;
            if (active) {
                atomicAdd(dCm + s, gr * h);
                atomicAdd(dBm + s, g * dt * uu);
            }
            partB = g * bv;
            partDecay = g * A * prevDecayed;
            partR = cv * h;
            dAAcc += g * dt * prevDecayed;
            gNext = g;
            aNext = dA;
        }
        float gB = lanes_sum(partB, NP);
        float gDecay = lanes_sum(partDecay, NP);
        float r = lanes_sum(partR, NP);
        if (valid && n == 0) {
            float zz = z[i];
            du[i] += gy * D + gB * dt;
            float dDeltaRawI = (gB * uu + gDecay) * sv_softplus_grad(arg);
            dDeltaRaw[i] += dDeltaRawI;
            dDeltaBiasAcc += dDeltaRawI;
            dz[i] += dOut[i] * (r + D * uu) * sv_silu_grad(zz);
            dDAcc += gy * uu;
        }
    }
    // the block's parameter sums: over chunks in order, then one atomic per parameter element
    sEnd[c * NP + n] = dAAcc;
    if (n == 0) { sDeltaBias[c] = dDeltaBiasAcc; sD[c] = dDAcc; }
    __syncthreads();
    if (c == 0 && active) {
        float s = 0.0f;
        for (int cc = 0; cc < C; cc++) s += sEnd[cc * NP + n];
        atomicAdd(dALog + e * N + n, s * A);       // ∂A/∂aLog = −exp(aLog) = A
    }
    if (threadIdx.x == 0) {
        float sb = 0.0f, sdd = 0.0f;
        for (int cc = 0; cc < C; cc++) { sb += sDeltaBias[cc]; sdd += sD[cc]; }
        atomicAdd(dDeltaBias + e, sb);
        atomicAdd(dD + e, sdd);
    }
}
