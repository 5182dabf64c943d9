package org.semivim.training.checkpoint;

import java.util.List;

/**
 * The checkpoint a resume uses, and every newer checkpoint that was refused on the way to it
 * (empty when the newest was good). A non-empty refusal list means the run falls back: the caller
 * should record it with the run's metrics, not only in the log.
 */
public record LoadResult(Checkpoint checkpoint, List<Refusal> refusals) {
    public LoadResult {
        refusals = List.copyOf(refusals);
    }

    public boolean fellBack() {
        return !refusals.isEmpty();
    }
}
