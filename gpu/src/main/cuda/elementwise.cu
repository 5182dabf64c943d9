// Pointwise activations (engine ElementwiseOps). All arrays of n floats; backward ACCUMULATES into dx.
#include "common.cuh"

extern "C" __global__ void silu_fwd(const float* x, float* y, long long n) {
    SV_FOR(i, n) y[i] = sv_silu(x[i]);
}

extern "C" __global__ void silu_bwd(const float* x, const float* dy, float* dx, long long n) {
    SV_FOR(i, n) dx[i] += dy[i] * sv_silu_grad(x[i]);
}

// exact GELU, erf form (torch nn.GELU default)
extern "C" __global__ void gelu_fwd(const float* x, float* y, long long n) {
    SV_FOR(i, n) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    }
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x)
extern "C" __global__ void gelu_bwd(const float* x, const float* dy, float* dx, long long n) {
    SV_FOR(i, n) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = 0.39894228040143268f * expf(-0.5f * v * v);
        dx[i] += dy[i] * (cdf + v * pdf);
    }
}

extern "C" __global__ void softplus_fwd(const float* x, float* y, long long n) {
    SV_FOR(i, n) y[i] = sv_softplus(x[i]);
}

extern "C" __global__ void softplus_bwd(const float* x, const float* dy, float* dx, long long n) {
    SV_FOR(i, n) dx[i] += dy[i] * sv_softplus_grad(x[i]);
}

// y += x (residual adds and bias-free accumulation on the device)
extern "C" __global__ void add_inplace(float* y, const float* x, long long n) {
    SV_FOR(i, n) y[i] += x[i];
}
