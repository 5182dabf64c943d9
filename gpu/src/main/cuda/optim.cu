// Parameter updates over flat buffers [n]: AdamW (engine optim.AdamW), the teacher EMA
// (training update.EmaUpdate) and the two halves of a LyapEMA attempt (training lyapema.FloatLyapEmaKernel).
// Elementwise arithmetic uses the _rn intrinsics so that nothing is contracted into an fma: every
// element is computed with exactly the float operations of the Java code, hence bit-identical.
// Sums (d², V) are in double: per thread over a fixed grid-stride, per block in a fixed order, one
// partial per block; the host adds the partials in block order (deterministic for a fixed grid).
// kind[i]: 0 = decayed, 1 = not decayed, 2 = frozen (AdamW); trainable[i]: 1 = trainable (LyapEMA).
#include "common.cuh"

extern "C" __global__ void adamw_moments(const float* g, float* m, float* v, float* dir, const unsigned char* kind,
                                         long long n, float b1, float b2, float omb1, float omb2,
                                         float invBias1, float invSqrtBias2, float eps) {
    SV_FOR(i, n) {
        if (kind[i] == 2) { dir[i] = 0.0f; continue; }
        float gi = g[i];
        float mi = __fadd_rn(__fmul_rn(b1, m[i]), __fmul_rn(omb1, gi));
        float vi = __fadd_rn(__fmul_rn(b2, v[i]), __fmul_rn(__fmul_rn(omb2, gi), gi));
        m[i] = mi;
        v[i] = vi;
        dir[i] = __fdiv_rn(__fmul_rn(mi, invBias1), __fadd_rn(__fmul_rn(__fsqrt_rn(vi), invSqrtBias2), eps));
    }
}

// to = from·decayFactor − lr·dir (decayed), from − lr·dir (not decayed), from (frozen); to may be from
extern "C" __global__ void adamw_apply(const float* from, const float* dir, float* to, const unsigned char* kind,
                                       long long n, float lr, float decayFactor) {
    SV_FOR(i, n) {
        unsigned char k = kind[i];
        float f = from[i];
        if (k == 2) to[i] = f;
        else if (k == 1) to[i] = __fsub_rn(f, __fmul_rn(lr, dir[i]));
        else to[i] = __fsub_rn(__fmul_rn(f, decayFactor), __fmul_rn(lr, dir[i]));
    }
}

// teacher = keep·teacher + take·student
extern "C" __global__ void ema_update(float* teacher, const float* student, long long n, float keep, float take) {
    SV_FOR(i, n) teacher[i] = __fadd_rn(__fmul_rn(keep, teacher[i]), __fmul_rn(take, student[i]));
}

// flag |= 1 when any x[i] is not finite
extern "C" __global__ void any_nonfinite(const float* x, long long n, int* flag) {
    int bad = 0;
    SV_FOR(i, n) bad |= !sv_isfinite(x[i]);
    if (bad) atomicOr(flag, 1);
}

// LyapEMA proposeStudent after the optimiser step wrote θ~ into studentOut: the pull on trainable
// elements (pull 0 = implicit (θ~ + lam·θT)/(1 + lam), 1 = explicit θ~ + lam·(θT − θS_prev); pulled = 0
// leaves θ~'s bits), partials[block] = Σ (θS' − θT_prev)² over trainable elements in double.
extern "C" __global__ void lyap_student(const float* studentPrev, const float* teacherPrev, float* studentOut,
                                        const unsigned char* trainable, long long n, float lam, int pulled, int pull,
                                        double* partials) {
    __shared__ double scratch[32];
    float onePlusLam = __fadd_rn(1.0f, lam);
    double s = 0.0;
    SV_FOR(i, n) {
        if (!trainable[i]) continue;
        float teacher = teacherPrev[i];
        float student = studentOut[i];
        if (pulled) {
            student = pull == 0 ? __fdiv_rn(__fadd_rn(student, __fmul_rn(lam, teacher)), onePlusLam)
                                : __fadd_rn(student, __fmul_rn(lam, __fsub_rn(teacher, studentPrev[i])));
            studentOut[i] = student;
        }
        double diff = (double)student - (double)teacher;
        s += diff * diff;
    }
    s = sv_block_sum_d(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// LyapEMA proposeTeacher: teacherOut = keep·θT_prev + take·θS' on every element; partials[block] =
// Σ (θS' − θT')² over trainable elements; flag |= 1 when any θT' or θS' is not finite.
extern "C" __global__ void lyap_teacher(const float* teacherPrev, const float* studentOut, float* teacherOut,
                                        const unsigned char* trainable, long long n, float keep, float take,
                                        double* partials, int* flag) {
    __shared__ double scratch[32];
    double s = 0.0;
    int bad = 0;
    SV_FOR(i, n) {
        float st = studentOut[i];
        float t = __fadd_rn(__fmul_rn(keep, teacherPrev[i]), __fmul_rn(take, st));
        teacherOut[i] = t;
        bad |= !sv_isfinite(t) | !sv_isfinite(st);
        if (trainable[i]) {
            double diff = (double)st - (double)t;
            s += diff * diff;
        }
    }
    if (bad) atomicOr(flag, 1);
    s = sv_block_sum_d(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
