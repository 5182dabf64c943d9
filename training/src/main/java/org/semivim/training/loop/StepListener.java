package org.semivim.training.loop;

/** Receives each step's record after the step is committed (the JSONL log, a progress bar, a test). */
@FunctionalInterface
public interface StepListener {
    void onStep(StepRecord record);
}
