package org.semivim.training.ssmae;

import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.PeriodicEvaluator;

import java.util.Arrays;
import java.util.List;

/**
 * What {@link PeriodicEvaluator} reads from an {@link SsmaeTrainer} (docs/training-loop.md, "Evaluation in
 * the loop"): the CLASSIFIER's parameters — the ViT encoder with its head, laid out as {@code config.model()}
 * — picked by name out of the MAE parameter set (which also holds the decoder, never evaluated). SSMAE keeps
 * no teacher (ssl-spec.md §2.8: pseudo-labels and the gate come from the current model), so
 * {@link #teacherParameters()} is null: the evaluator evaluates only the student, and the student is the
 * primary model that selects the best point ({@code Method.SSMAE.hasTeacher()} is false).
 */
public final class SsmaeEvaluationSource implements PeriodicEvaluator.Source {
    private final SsmaeTrainer trainer;
    private final ParameterSet layout;          // config.model()'s parameters: names, shapes, offsets [P]
    private final int[] from;                   // per classifier parameter: its offset in the MAE set

    public SsmaeEvaluationSource(SsmaeTrainer trainer) {
        this.trainer = trainer;
        TrainConfig config = trainer.config();
        this.layout = config.model().create(Ops.cpu(), config.seed()).parameters();
        this.from = offsetsIn(trainer.model(), layout);
    }

    /** The offsets in {@code mae}'s set of each of {@code layout}'s parameters, matched by name and shape. */
    static int[] offsetsIn(MaskedAutoencoder mae, ParameterSet layout) {
        ParameterSet all = mae.parameters();
        List<Parameter> wanted = layout.parameters();
        int[] offsets = new int[wanted.size()];
        for (int i = 0; i < offsets.length; i++) {
            Parameter p = wanted.get(i);
            if (!all.contains(p.name())) throw new IllegalArgumentException("the SSMAE model has no classifier parameter '" + p.name() + "'");
            Parameter q = all.get(p.name());
            if (!Arrays.equals(p.shape(), q.shape())) {
                throw new IllegalArgumentException("classifier parameter '" + p.name() + "' is " + Arrays.toString(p.shape()) + " in the model config, "
                        + Arrays.toString(q.shape()) + " in the SSMAE model");
            }
            offsets[i] = q.offset();
        }
        return offsets;
    }

    /** The classifier's layout ({@code config.model()}'s parameter set). */
    public ParameterSet layout() {
        return layout;
    }

    @Override
    public TrainConfig config() {
        return trainer.config();
    }

    /** The SSMAE trainer's ops: the classifier is evaluated on the run's device. */
    @Override
    public Ops ops() {
        return trainer.ops();
    }

    @Override
    public long nextStep() {
        return trainer.nextStep();
    }

    /** A copy of the ViT encoder + head parameters [P], laid out as {@code config.model()}. */
    @Override
    public float[] studentParameters() {
        float[] theta = trainer.model().parameters().flatValues().data;
        float[] out = new float[layout.count()];
        List<Parameter> wanted = layout.parameters();
        for (int i = 0; i < from.length; i++) {
            Parameter p = wanted.get(i);
            System.arraycopy(theta, from[i], out, p.offset(), p.size());
        }
        return out;
    }

    /** Null: SSMAE has no teacher, the student is the primary (and only) evaluated model. */
    @Override
    public float[] teacherParameters() {
        return null;
    }
}
