// A CPU emulation of the CUDA features the semivim kernels use, so that the kernel sources
// themselves (src/main/cuda/*.cu, unchanged) run and are tested on a machine without a GPU
// (EmulatedRuntime and the Emulated*Test classes). Blocks run one after another; the threads of a block are std::threads,
// __syncthreads is a barrier of the block, warp shuffles exchange through per-warp slots between
// two warp barriers, atomics take a global lock, __shared__ variables are function statics (one
// block at a time, so they are per block). Not a performance model; correctness only.
#pragma once
#include <atomic>
#include <barrier>
#include <cmath>
#include <math.h>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#include <algorithm>

struct sv_dim3 { unsigned x = 1, y = 1, z = 1; };
struct alignas(16) float4 { float x, y, z, w; };
inline thread_local sv_dim3 threadIdx, blockIdx;
inline sv_dim3 blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define SV_EMULATION 1

using std::min;
using std::max;

struct sv_block_state {
    std::unique_ptr<std::barrier<>> block;
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    std::vector<double> slots;   // [warps][32]
};
inline sv_block_state sv_state;
inline std::mutex sv_atomic_lock;
inline std::vector<unsigned char> sv_dynamic_shared;

inline void __syncthreads() { sv_state.block->arrive_and_wait(); }

inline unsigned sv_linear_tid();
// a barrier of the calling thread's warp (the kernels call it with every lane of the warp)
inline void __syncwarp(unsigned = 0xffffffffu) { sv_state.warps[sv_linear_tid() >> 5]->arrive_and_wait(); }

inline unsigned sv_linear_tid() { return threadIdx.y * blockDim.x + threadIdx.x; }

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int laneMask, int width = 32) {
    unsigned tid = sv_linear_tid(), warp = tid >> 5, lane = tid & 31;
    unsigned src = lane ^ (unsigned)laneMask;
    if ((src / width) != (lane / width)) src = lane;   // outside the segment: own value, as on the device
    auto& bar = *sv_state.warps[warp];
    sv_state.slots[warp * 32 + lane] = (double)v;
    bar.arrive_and_wait();
    T r = (T)sv_state.slots[warp * 32 + src];
    bar.arrive_and_wait();
    return r;
}

inline float atomicAdd(float* p, float v) { std::lock_guard<std::mutex> g(sv_atomic_lock); float o = *p; *p = o + v; return o; }
inline int atomicOr(int* p, int v) { std::lock_guard<std::mutex> g(sv_atomic_lock); int o = *p; *p = o | v; return o; }

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
// the fast intrinsics (approximations on the device) as the C library functions
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
// expf, log1pf, erff, fmaf, fmaxf, exp, log: the C library functions (math.h)

// the kernels' dynamic shared memory, sized by the launch
#define SV_EXTERN_SHARED(name) float* name = reinterpret_cast<float*>(sv_dynamic_shared.data())

/** Runs body for every thread of every block of the grid. */
inline void sv_launch(sv_dim3 grid, sv_dim3 block, size_t sharedBytes, const std::function<void()>& body) {
    gridDim = grid;
    blockDim = block;
    unsigned threads = block.x * block.y * block.z;
    unsigned warps = (threads + 31) / 32;
    sv_dynamic_shared.assign(std::max<size_t>(sharedBytes, 16), 0);
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                sv_state.block = std::make_unique<std::barrier<>>(threads);
                sv_state.warps.clear();
                for (unsigned w = 0; w < warps; w++) sv_state.warps.push_back(std::make_unique<std::barrier<>>(std::min(32u, threads - 32 * w)));
                sv_state.slots.assign(warps * 32, 0.0);
                std::vector<std::thread> pool;
                pool.reserve(threads);
                for (unsigned t = 0; t < threads; t++) {
                    pool.emplace_back([=, &body] {
                        blockIdx = {bx, by, bz};
                        threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                        body();
                    });
                }
                for (auto& th : pool) th.join();
            }
}
