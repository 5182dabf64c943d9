package org.semivim.engine.param;

import org.semivim.engine.tensor.Shapes;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named parameters of a model, stored in one flat {@code float[]} of values and one of
 * gradients, in declaration order (which is the official state-dict order). Flat views let
 * norms, EMA and optimizer updates run over all parameters at once.
 *
 * <p>Built in two phases: layers {@link Builder#declare declare} parameters while the model is
 * constructed, then {@link Builder#build()} allocates the storage and binds every handle.
 */
public final class ParameterSet {
    private final List<Parameter> params;
    private final Map<String, Parameter> byName;
    private final float[] values;
    private final float[] grads;

    private ParameterSet(List<Parameter> params) {
        this.params = List.copyOf(params);
        Map<String, Parameter> map = new LinkedHashMap<>();
        long total = 0;
        for (Parameter p : params) {
            map.put(p.name(), p);
            total += Shapes.numel(p.shape());
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("more than 2^31-1 parameters");
        this.byName = Collections.unmodifiableMap(map);
        this.values = new float[(int) total];
        this.grads = new float[(int) total];
        int off = 0;
        for (Parameter p : params) {
            p.bind(values, grads, off);
            off += Shapes.numel(p.shape());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Parameters in declaration (state-dict) order. */
    public List<Parameter> parameters() {
        return params;
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The parameter called {@code name}; throws naming the key when it does not exist. */
    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter named '" + name + "'");
        return p;
    }

    /** Total number of scalars. */
    public int count() {
        return values.length;
    }

    /** All values as one flat tensor (a view, not a copy). */
    public Tensor flatValues() {
        return Tensor.wrap(values, values.length);
    }

    /** All gradients as one flat tensor (a view, not a copy). */
    public Tensor flatGrads() {
        return Tensor.wrap(grads, grads.length);
    }

    public void zeroGrads() {
        java.util.Arrays.fill(grads, 0f);
    }

    /** Copies every value from {@code other}, which must have the same names and shapes in the same order. */
    public void copyValuesFrom(ParameterSet other) {
        requireSameLayout(other);
        System.arraycopy(other.values, 0, values, 0, values.length);
    }

    /** Throws unless {@code other} has the same parameter names and shapes in the same order. */
    public void requireSameLayout(ParameterSet other) {
        if (other.params.size() != params.size()) {
            throw new IllegalArgumentException("parameter sets differ: " + params.size() + " vs " + other.params.size() + " parameters");
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter a = params.get(i), b = other.params.get(i);
            if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.shape(), b.shape())) {
                throw new IllegalArgumentException("parameter sets differ at index " + i + ": " + a + " vs " + b);
            }
        }
    }

    /** Collects parameter declarations; see the class comment. */
    public static final class Builder {
        private final List<Parameter> declared = new ArrayList<>();
        private final Set<String> names = new java.util.HashSet<>();
        private boolean built;

        /**
         * Declares a parameter with the timm weight-decay rule: decayed unless it has at most one
         * dimension or its name ends in {@code .bias} (vim-spec.md §8).
         */
        public Parameter declare(String name, int... shape) {
            boolean decay = shape.length > 1 && !name.endsWith(".bias");
            return declare(name, decay, shape);
        }

        /** Declares a parameter that is never weight-decayed (class token, position embedding). */
        public Parameter declareNoDecay(String name, int... shape) {
            return declare(name, false, shape);
        }

        private Parameter declare(String name, boolean decay, int... shape) {
            if (built) throw new IllegalStateException("builder already built");
            if (!names.add(name)) throw new IllegalArgumentException("parameter '" + name + "' declared twice");
            Shapes.numel(shape);
            Parameter p = new Parameter(name, shape, decay);
            declared.add(p);
            return p;
        }

        public ParameterSet build() {
            if (built) throw new IllegalStateException("builder already built");
            built = true;
            return new ParameterSet(declared);
        }
    }
}
