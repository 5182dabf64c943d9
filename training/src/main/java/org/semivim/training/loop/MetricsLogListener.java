package org.semivim.training.loop;

import org.semivim.training.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends every step record to a run's JSONL {@link MetricsLog} (one line per step, {@link StepRecord#toMap()}). */
public final class MetricsLogListener implements StepListener {
    private final MetricsLog log;

    public MetricsLogListener(MetricsLog log) {
        this.log = log;
    }

    @Override
    public void onStep(StepRecord record) {
        Map<String, Object> fields = new LinkedHashMap<>(record.toMap());
        fields.remove("step");
        try {
            log.append(record.step(), fields);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append step " + record.step() + " to " + log.file(), e);
        }
    }
}
