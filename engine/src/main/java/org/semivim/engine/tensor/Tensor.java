package org.semivim.engine.tensor;

import java.util.Arrays;

/**
 * A dense row-major float32 tensor: a view of {@code size} consecutive floats of {@code data}
 * starting at {@code offset}, with a shape. Views share storage; nothing is copied unless a
 * method says so. This is the only tensor type of the engine (ARCHITECTURE.md: flat float[] with
 * shapes).
 */
public final class Tensor {
    public final float[] data;
    public final int offset;
    public final int size;
    private final int[] shape;

    private Tensor(float[] data, int offset, int[] shape) {
        this.data = data;
        this.offset = offset;
        this.shape = shape.clone();
        this.size = Shapes.numel(shape);
        if (offset < 0 || offset + size > data.length) {
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + size) + ") of shape "
                    + Arrays.toString(shape) + " does not fit in storage of length " + data.length);
        }
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Shapes.numel(shape)], 0, shape);
    }

    /** Wraps {@code data} (not copied); its length must equal the element count of the shape. */
    public static Tensor wrap(float[] data, int... shape) {
        if (data.length != Shapes.numel(shape)) {
            throw new IllegalArgumentException("data of length " + data.length + " does not match shape "
                    + Arrays.toString(shape) + " (" + Shapes.numel(shape) + " elements)");
        }
        return new Tensor(data, 0, shape);
    }

    /** A view of {@code shape} starting at {@code offset} of {@code data}. */
    public static Tensor view(float[] data, int offset, int... shape) {
        return new Tensor(data, offset, shape);
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** The same storage seen with another shape of the same element count. */
    public Tensor reshape(int... newShape) {
        if (Shapes.numel(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(data, offset, newShape);
    }

    /** The {@code i}-th slice along the first dimension, as a view. */
    public Tensor slice0(int i) {
        int[] sub = Arrays.copyOfRange(shape, 1, shape.length);
        int n = Shapes.numel(sub);
        if (i < 0 || i >= shape[0]) throw new IndexOutOfBoundsException("index " + i + " of dim 0 size " + shape[0]);
        return new Tensor(data, offset + i * n, sub);
    }

    public float get(int flatIndex) {
        return data[offset + flatIndex];
    }

    public void set(int flatIndex, float v) {
        data[offset + flatIndex] = v;
    }

    /** A new tensor holding a copy of these values. */
    public Tensor copy() {
        return new Tensor(toArray(), 0, shape);
    }

    /** A copy of the values of this view. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    public void fill(float v) {
        Arrays.fill(data, offset, offset + size, v);
    }

    public void copyFrom(Tensor src) {
        if (src.size != size) throw new IllegalArgumentException("copy of " + src.size + " elements into " + size);
        System.arraycopy(src.data, src.offset, data, offset, size);
    }

    /** Throws unless this tensor has exactly {@code expected} as shape; {@code what} names it in the message. */
    public Tensor requireShape(String what, int... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + Arrays.toString(expected)
                    + " but got " + Arrays.toString(shape));
        }
        return this;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
