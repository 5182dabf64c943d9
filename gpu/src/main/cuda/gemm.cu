// The project's own SGEMM, the fallback when cuBLAS does not load (docs/gpu.md). Row-major:
// C[z] = alpha · op(A[z]) · op(B[z]) + beta · C[z] for z = blockIdx.z, op(A) [M,K], op(B) [K,N], C [M,N].
// A(i,k) = transA ? A[k·lda + i] : A[i·lda + k];  B(k,j) = transB ? B[j·ldb + k] : B[k·ldb + j].
// Tiles of 64×64 outputs per block of 16×16 threads, 4×4 outputs per thread, K in steps of 16
// through shared memory. beta = 0 never reads C (BLAS semantics: NaN in C does not propagate).
#include "common.cuh"

#define GM_BM 64
#define GM_BN 64
#define GM_BK 16

extern "C" __global__ void sgemm_tiled(int transA, int transB, int M, int N, int K, float alpha,
                                       const float* A, int lda, long long strideA,
                                       const float* B, int ldb, long long strideB,
                                       float beta, float* C, int ldc, long long strideC) {
    __shared__ float As[GM_BK][GM_BM + 1];   // As[k][i]
    __shared__ float Bs[GM_BK][GM_BN + 1];   // Bs[k][j]
    const long long z = blockIdx.z;
    A += z * strideA;
    B += z * strideB;
    C += z * strideC;
    const int tx = threadIdx.x, ty = threadIdx.y;     // 16 × 16
    const int tid = ty * 16 + tx;
    const int row0 = blockIdx.y * GM_BM, col0 = blockIdx.x * GM_BN;
    float acc[4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[a][b] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += GM_BK) {
        // 64×16 = 1024 elements of each tile, 4 per thread
#pragma unroll
        for (int r = 0; r < 4; r++) {
            int e = tid + r * 256;
            int ii, kk;
            if (transA) { ii = e % GM_BM; kk = e / GM_BM; }   // consecutive threads walk i (contiguous when transposed)
            else        { kk = e % GM_BK; ii = e / GM_BK; }   // consecutive threads walk k
            int gi = row0 + ii, gk = k0 + kk;
            float va = 0.0f;
            if (gi < M && gk < K) va = transA ? A[(long long)gk * lda + gi] : A[(long long)gi * lda + gk];
            As[kk][ii] = va;
            int jj, kb;
            if (transB) { kb = e % GM_BK; jj = e / GM_BK; }
            else        { jj = e % GM_BN; kb = e / GM_BN; }
            int gj = col0 + jj, gkb = k0 + kb;
            float vb = 0.0f;
            if (gj < N && gkb < K) vb = transB ? B[(long long)gj * ldb + gkb] : B[(long long)gkb * ldb + gj];
            Bs[kb][jj] = vb;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GM_BK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int a = 0; a < 4; a++) av[a] = As[kk][ty + 16 * a];
#pragma unroll
            for (int b = 0; b < 4; b++) bv[b] = Bs[kk][tx + 16 * b];
#pragma unroll
            for (int a = 0; a < 4; a++)
#pragma unroll
                for (int b = 0; b < 4; b++) acc[a][b] = fmaf(av[a], bv[b], acc[a][b]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 4; a++) {
        int i = row0 + ty + 16 * a;
        if (i >= M) continue;
#pragma unroll
        for (int b = 0; b < 4; b++) {
            int j = col0 + tx + 16 * b;
            if (j >= N) continue;
            float* c = C + (long long)i * ldc + j;
            *c = beta == 0.0f ? alpha * acc[a][b] : alpha * acc[a][b] + beta * *c;
        }
    }
}
