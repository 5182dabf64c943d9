package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

/**
 * Matrix multiplication. Every tensor is seen as a row-major matrix of
 * {@code rows = size / dim(-1)} by {@code cols = dim(-1)}.
 */
public interface GemmOps {
    /**
     * {@code c = alpha · op(a) · op(b) + beta · c} where op(x) is x or its transpose.
     * Shapes: op(a) [M,K], op(b) [K,N], c [M,N].
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * {@code count} independent products {@code c_i = alpha · op(a_i) · op(b_i) + beta · c_i}: each of
     * a, b, c is a stack of {@code count} equally shaped matrices laid out one after another;
     * {@code m, n, k} are the sizes of op(a_i) [m,k], op(b_i) [k,n], c_i [m,n].
     */
    void gemmBatched(int count, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, Tensor a, Tensor b, float beta, Tensor c);
}
