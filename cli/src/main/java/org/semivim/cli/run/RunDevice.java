package org.semivim.cli.run;

import org.semivim.engine.ops.Ops;
import org.semivim.gpu.OpsProvider;

import java.io.PrintStream;

/**
 * {@code --device auto|cpu|cuda} for the commands that train or evaluate (docs/gpu.md): the numerics
 * backend of a run from {@link OpsProvider#select}, with one line saying which and why.
 * <ul>
 *   <li>{@code cpu}: {@link Ops#cpu()}, exactly the path without the option (same bits);</li>
 *   <li>{@code auto} (the default): the CUDA ops when a driver and a device answer, else the CPU with the reason;</li>
 *   <li>{@code cuda}: the CUDA ops, or an {@link IllegalStateException} naming the reason (exit code 2), never a silent CPU run.</li>
 * </ul>
 * On the GPU the layers' ops run as kernels and the CUDA ops come with their update backend
 * ({@code CudaUpdateBackend}, bound by {@code OpsProvider}): the trainers built on them keep the
 * parameters resident and run AdamW, the teacher EMA and LyapEMA on the device (the optimizer state is
 * the engine's {@code AdamW.State}, so checkpoints are the same format on both); gradient clipping stays
 * on the host, which the line says. The periodic and final evaluations run on the same ops.
 */
public final class RunDevice {
    /** What the device line adds when the ops run on the GPU. */
    public static final String HOST_NOTE = "parameters resident, AdamW/EMA/LyapEMA updates on the device; gradient clipping on the host";

    private RunDevice() {}

    /** Parses and selects the device, prints the one decision line to {@code out}, returns the ops. */
    public static Ops select(String device, PrintStream out) {
        OpsProvider.Selected selected = OpsProvider.select(device, line -> {});   // the line is printed here, once per command
        out.println(line(selected));
        return selected.ops();
    }

    /** "device: cpu (auto): CUDA is not usable: …", or on the GPU the selection, the backend and where the updates run. */
    static String line(OpsProvider.Selected selected) {
        String message = selected.selection().message();
        return selected.cuda() == null ? message : message + " [" + selected.cuda().describe() + "]; " + HOST_NOTE;
    }
}
