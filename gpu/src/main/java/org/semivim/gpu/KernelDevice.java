package org.semivim.gpu;

/** Something the CUDA ops run on: opens one {@link KernelSession} per op call (held exclusively until closed). */
interface KernelDevice {
    KernelSession open();
}
