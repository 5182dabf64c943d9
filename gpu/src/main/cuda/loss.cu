// Losses over rows (engine LossOps). One block per row; per-row sums in double; every row's loss goes
// to its own slot, which the host adds in row order. Gradients ACCUMULATE.
#include "common.cuh"

// logits, targets, dlogits [R,K]; w [R]; rowLoss [R] = w_r · (−Σ_k t_k · log softmax_k)
// dlogits += w_r · (softmax · Σ_k t_k − t)
extern "C" __global__ void softmax_xent(const float* logits, const float* targets, const float* w, float* dlogits,
                                        double* rowLoss, int R, int K) {
    __shared__ float fscratch[32];
    __shared__ double dscratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    long long base = (long long)r * K;
    float mx = -SV_INF;
    for (int k = threadIdx.x; k < K; k += blockDim.x) mx = fmaxf(mx, logits[base + k]);
    mx = sv_block_max(mx, fscratch);
    double se = 0.0;
    for (int k = threadIdx.x; k < K; k += blockDim.x) se += exp((double)(logits[base + k] - mx));
    double lse = log(sv_block_sum_d(se, dscratch));
    double ce = 0.0, ts = 0.0;
    for (int k = threadIdx.x; k < K; k += blockDim.x) {
        float t = targets[base + k];
        if (t != 0.0f) ce -= t * ((double)(logits[base + k] - mx) - lse);
        ts += t;
    }
    ce = sv_block_sum_d(ce, dscratch);
    ts = sv_block_sum_d(ts, dscratch);
    float wr = w[r];
    if (threadIdx.x == 0) rowLoss[r] = wr * ce;
    float tSum = (float)ts;
    for (int k = threadIdx.x; k < K; k += blockDim.x) {
        float p = (float)exp((double)(logits[base + k] - mx) - lse);
        dlogits[base + k] += wr * (p * tSum - targets[base + k]);
    }
}

// pred, target, dpred [R,P]; mask [R]; rowSq [R] = mask_r · Σ_p (pred − target)²; dpred += gradScale·mask_r·(pred − target)
extern "C" __global__ void masked_mse(const float* pred, const float* target, const float* mask, float* dpred,
                                      double* rowSq, int R, int P, float gradScale) {
    __shared__ double dscratch[32];
    int r = blockIdx.x;
    if (r >= R) return;
    long long base = (long long)r * P;
    float m = mask[r];
    float rowScale = gradScale * m;
    double sq = 0.0;
    for (int p = threadIdx.x; p < P; p += blockDim.x) {
        float d = pred[base + p] - target[base + p];
        sq += (double)d * d;
        dpred[base + p] += rowScale * d;
    }
    sq = sv_block_sum_d(sq, dscratch);
    if (threadIdx.x == 0) rowSq[r] = m * sq;
}
