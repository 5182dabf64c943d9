// Times the selective-scan kernels (gpu/src/main/cuda/scan.cu, scan_bwd.cu) alone on a GPU machine without a JDK
// (the same kernels, byte counts and timing as ScanKernelBench): the forward for several chunk counts, the
// backward for several segment lengths, beside a device-to-device copy as the achievable bandwidth.
// Build and run on the GPU machine (docs/gpu.md, "Selective scan"; run-device.sh <out> scan does it):
//   nvcc -O3 -arch=native -o scan_bench gpu/bench/scan_bench.cu && ./scan_bench [B L E N]
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <algorithm>
#include <cuda_runtime.h>
#include "../src/main/cuda/scan.cu"
#include "../src/main/cuda/scan_bwd.cu"

#define CK(x) do { cudaError_t err = (x); if (err != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(err)); exit(1); } } while (0)

static float* upload(const std::vector<float>& h) {
    float* d;
    CK(cudaMalloc(&d, h.size() * 4));
    CK(cudaMemcpy(d, h.data(), h.size() * 4, cudaMemcpyHostToDevice));
    return d;
}

template <typename F> static float timeIt(F launch) {
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    for (int i = 0; i < 3; i++) launch();
    CK(cudaDeviceSynchronize());
    std::vector<float> ms;
    for (int i = 0; i < 10; i++) {     // 10 launches between two events: the host's launch cost stays out of the time
        cudaEventRecord(a);
        for (int r = 0; r < 10; r++) launch();
        cudaEventRecord(b);
        cudaEventSynchronize(b);
        float t;
        cudaEventElapsedTime(&t, a, b);
        ms.push_back(t / 10);
    }
    CK(cudaGetLastError());
    std::sort(ms.begin(), ms.end());
    return ms[5];
}

int main(int argc, char** argv) {
    int B = argc > 4 ? atoi(argv[1]) : 128, L = argc > 4 ? atoi(argv[2]) : 197, E = argc > 4 ? atoi(argv[3]) : 384,
        N = argc > 4 ? atoi(argv[4]) : 16;
    long long tok = (long long)B * L * E, st = (long long)B * L * N;
    srand(1);
    auto rnd = [](long long n, float lo, float hi) {
        std::vector<float> v(n);
        for (auto& x : v) x = lo + (hi - lo) * (rand() / (float)RAND_MAX);
        return v;
    };
    std::vector<float> aLogH(E * N);
    for (int e = 0; e < E; e++) for (int n = 0; n < N; n++) aLogH[e * N + n] = logf(n + 1.0f);
    float *u = upload(rnd(tok, -1, 1)), *dr = upload(rnd(tok, -4, -1)), *z = upload(rnd(tok, -1, 1)), *dOut = upload(rnd(tok, -1, 1));
    float *bm = upload(rnd(st, -1, 1)), *cm = upload(rnd(st, -1, 1)), *bias = upload(rnd(E, -1, 1)), *d = upload(rnd(E, -1, 1));
    float* aLog = upload(aLogH);
    float *y = upload(std::vector<float>(tok)), *out = upload(std::vector<float>(tok)), *du = upload(std::vector<float>(tok)),
          *ddr = upload(std::vector<float>(tok)), *dz = upload(std::vector<float>(tok)), *dbm = upload(std::vector<float>(st)),
          *dcm = upload(std::vector<float>(st)), *dbias = upload(std::vector<float>(E)), *dd = upload(std::vector<float>(E)),
          *daLog = upload(std::vector<float>(E * N));
    double fwdBytes = 4.0 * (5 * tok + 2 * st), bwdBytes = 4.0 * (10 * tok + 6 * st);
    int dev;
    cudaGetDevice(&dev);
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, dev);
    int clk = 0, bus = 0;
    cudaDeviceGetAttribute(&clk, cudaDevAttrMemoryClockRate, dev);
    cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, dev);
    double peak = 2.0 * clk * 1e3 * (bus / 8.0) / 1e9;
    printf("%s, %d SMs, peak %.0f GB/s; B=%d L=%d E=%d N=%d: forward %.1f MB, backward %.1f MB compulsory\n", prop.name,
           prop.multiProcessorCount, peak, B, L, E, N, fwdBytes / 1e6, bwdBytes / 1e6);
    float* cpy;
    CK(cudaMalloc(&cpy, tok * 4));
    float copyMs = timeIt([&] { cudaMemcpyAsync(cpy, u, tok * 4, cudaMemcpyDeviceToDevice); });
    printf("copy (read+write %.1f MB): %.3f ms %.0f GB/s = %.2f of peak\n", 8.0 * tok / 1e6, copyMs, 8.0 * tok / (copyMs * 1e6),
           8.0 * tok / (copyMs * 1e6) / peak);
    int tiles = (E + 31) / 32;
    for (int W : {1, 2, 3, 4, 8}) {
        int T = (L + W - 1) / W, Wr = (L + T - 1) / T;
        float ms = timeIt([&] {
            scan_fwd<<<dim3(tiles, B), dim3(32, Wr), 4 * std::max((N + 1) * 32, 4 * 32 * SCAN_FWD_SUB) * Wr>>>(u, dr, bias, aLog, bm, cm, d, z, 0, y, out, B, L, E, N, T);
        });
        printf("scan_fwd chunks=%2d T=%3d: %.3f ms %5.0f GB/s = %.2f of peak\n", Wr, T, ms, fwdBytes / (ms * 1e6), fwdBytes / (ms * 1e6) / peak);
    }
    // the backward: one warp per (sample, tile), G warps a block within 48 KiB (ScanPlan.backward)
    for (int K : {4, 6, 8, 10, 12, 16}) {
        int warpFloats = (K / 2 + 1) * SCAN_MAXN * 32 + K * 32 + 9 * SCAN_BWD_SUB * 32;
        int warps = B * tiles, G = std::min(std::min(SCAN_BWD_MAX_WARPS, 48 * 1024 / (4 * warpFloats)), warps);
        int nck = (L + K - 1) / K;
        float* ck;
        CK(cudaMalloc(&ck, (size_t)warps * nck * SCAN_MAXN * 32 * 4));
        float ms = timeIt([&] {
            scan_bwd<<<dim3((warps + G - 1) / G), dim3(32, G), 4 * warpFloats * G>>>(u, dr, bias, aLog, bm, cm, d, z, 0, dOut, nullptr,
                                                                                  du, ddr, dbias, daLog, dbm, dcm, dd, dz, ck, B, L, E, N, K);
        });
        printf("scan_bwd segment=%2d G=%d: %.3f ms %5.0f GB/s = %.2f of peak\n", K, G, ms, bwdBytes / (ms * 1e6), bwdBytes / (ms * 1e6) / peak);
        CK(cudaFree(ck));
    }
    return 0;
}
