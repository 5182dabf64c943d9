package org.semivim.actors;

import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

/** What every actor of a run is created with (in-JVM): the config, the data, the options and the topology. */
public record RunContext(TrainConfig config, TrainingData data, RunOptions options, RunTopology topology) {}
