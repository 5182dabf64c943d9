package org.semivim.training.loop;

import org.semivim.data.sampling.StepBatch;
import org.semivim.training.method.Composition;
import org.semivim.training.step.TeacherPredictions;
import org.semivim.training.update.UpdatePhase;

/**
 * Every phase's output of one reference step, for comparing another runtime phase by phase.
 *
 * @param gradient [P] the summed shard gradient, before clipping
 */
public record StepTrace(StepBatch batch, TeacherPredictions predictions, Composition composition, float[] gradient,
                        UpdatePhase.Outcome outcome, StepRecord record) {}
