package org.semivim.training.update;

import org.semivim.engine.ops.Ops;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Which {@link UpdateBackend} goes with an {@link Ops} instance. The update backend belongs to the device
 * the run selected, like the ops: the cli's device selection (the {@code gpu} module's
 * {@code OpsProvider}) binds its CUDA update backend to the CUDA ops it returns, and every trainer built
 * on those ops (reference, SSMAE, the pre-trainers, the pipeline's stages, the actors' master) asks
 * {@link #of} for it, so the choice does not have to travel beside the ops through every runtime.
 * Ops nobody bound ({@link Ops#cpu()}, {@link Ops#reference()}, test backends) update on the host,
 * exactly as before. Keyed by instance ({@code Ops} has identity equality), weakly.
 */
public final class UpdateBackends {
    private static final Map<Ops, UpdateBackend> BOUND = Collections.synchronizedMap(new WeakHashMap<>());

    private UpdateBackends() {}

    /** Makes {@code backend} the update backend of {@code ops} (replacing an earlier binding). */
    public static void bind(Ops ops, UpdateBackend backend) {
        if (ops == null || backend == null) throw new IllegalArgumentException("ops and update backend must not be null");
        BOUND.put(ops, backend);
    }

    /** The backend bound to {@code ops}, or {@link UpdateBackend#cpu()}. */
    public static UpdateBackend of(Ops ops) {
        UpdateBackend b = BOUND.get(ops);
        return b != null ? b : UpdateBackend.cpu();
    }
}
