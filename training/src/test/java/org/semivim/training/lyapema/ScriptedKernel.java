package org.semivim.training.lyapema;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LyapEmaKernel} whose d and V are given by the test, per attempt, so the decision rules
 * (arming, retries, bounds, skipping) can be checked on exact numbers. It records every call.
 */
final class ScriptedKernel implements LyapEmaKernel {
    /** d and V an attempt reports, as a function of the attempt's learning rate and lam. */
    interface Script {
        double[] dAndV(double learningRate, double lam);
    }

    record Call(double learningRate, double lam, LyapEmaConfig.Pull pull) {}

    private final Script script;
    private final boolean directionFinite;
    final List<Call> students = new ArrayList<>();
    final List<Double> alphas = new ArrayList<>();
    int keepPreviousCalls;
    private double pendingV;

    ScriptedKernel(Script script) {
        this(script, true);
    }

    ScriptedKernel(Script script, boolean directionFinite) {
        this.script = script;
        this.directionFinite = directionFinite;
    }

    /** Every attempt reports the same d and V. */
    static ScriptedKernel constant(double d, double v) {
        return new ScriptedKernel((lr, lam) -> new double[] {d, v});
    }

    @Override
    public boolean directionFinite() {
        return directionFinite;
    }

    @Override
    public double proposeStudent(double learningRate, double lam, LyapEmaConfig.Pull pull) {
        students.add(new Call(learningRate, lam, pull));
        double[] dv = script.dAndV(learningRate, lam);
        pendingV = dv[1];
        return dv[0];
    }

    @Override
    public double proposeTeacher(double alpha) {
        alphas.add(alpha);
        return pendingV;
    }

    @Override
    public void keepPrevious() {
        keepPreviousCalls++;
    }
}
