package org.semivim.gpu;


/**
 * The teacher EMA θT ← m·θT + (1−m)·θS on the device (same float arithmetic as training's
 * {@code update.EmaUpdate}, bit-identical per element). Both arrays become resident; the teacher's
 * host copy is refreshed after each update because the layers' host code reads it.
 */
public final class CudaEmaUpdate {
    private final DeviceRuntime<?> backend;
    private final float[] teacher, student;   // [P]

    public CudaEmaUpdate(CudaBackend backend, float[] teacher, float[] student) {
        this((DeviceRuntime<?>) backend, teacher, student);
    }

    /** On any {@link DeviceRuntime} (the tests' CPU emulation). */
    CudaEmaUpdate(DeviceRuntime<?> backend, float[] teacher, float[] student) {
        if (teacher.length != student.length) throw new IllegalArgumentException("teacher has " + teacher.length + " values, student " + student.length);
        if (teacher == student) throw new IllegalArgumentException("teacher and student must be different arrays");
        this.backend = backend;
        this.teacher = teacher;
        this.student = student;
        backend.lock();
        try {
            backend.resident().register(teacher);
            backend.resident().register(student);
        } finally {
            backend.unlock();
        }
    }

    /** teacher ← m·teacher + (1−m)·student, m in [0, 1]. */
    public void apply(double momentum) {
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("EMA momentum m must be in [0, 1], got " + momentum);
        backend.lock();
        try {
            ResidentArrays<?> res = backend.resident();
            backend.launch("ema_update", CudaBackend.elementwiseGrid(teacher.length), 1, 1, 256, 1, 0,
                    res.deviceView(teacher), res.deviceView(student), (long) teacher.length, (float) momentum, (float) (1 - momentum));
            res.deviceWritten(teacher);
            res.syncToHost(teacher);
        } finally {
            backend.unlock();
        }
    }

    /** Call after Java code wrote either array. */
    public void changedOnHost() {
        backend.lock();
        try {
            backend.resident().hostWritten(teacher);
            backend.resident().hostWritten(student);
        } finally {
            backend.unlock();
        }
    }
}
