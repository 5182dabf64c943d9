package org.semivim.training.loop;

import org.semivim.data.sampling.StepBatch;
import org.semivim.training.method.Composition;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.UpdatePhase;

/**
 * Every phase's output of one reference step, for comparing another runtime phase by phase.
 *
 * @param gradient [P] the summed shard gradient, before clipping
 */
public record StepTrace(StepBatch batch, PseudoLabels predictions, Composition composition, float[] gradient,
                        UpdatePhase.Outcome outcome, StepRecord record) {}
