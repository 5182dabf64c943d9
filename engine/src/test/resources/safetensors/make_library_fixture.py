#!/usr/bin/env python3
"""Writes library_written.safetensors with the official `safetensors` package (safetensors.numpy),
an independent writer next to make_fixtures.py. Needs `pip install safetensors numpy`.

The reference writer orders tensors by dtype, then by name, and keeps the metadata in a hash map,
so the tensors here are all F32, their names given sorted, and the metadata has a single key: then
the file layout is fully determined and a writer that keeps the given order must reproduce it
byte for byte.
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "cls_token": (np.arange(4, dtype=np.float64).reshape(1, 1, 4) / 9.0).astype("<f4"),
    "layers.0.mixer.A_log": np.log(np.arange(1, 7, dtype=np.float64)).reshape(2, 3).astype("<f4"),
    "layers.0.mixer.D": np.ones(2, dtype="<f4"),
    "norm_f.weight": np.array([0.5, -0.25, 1e-7], dtype="<f4"),
}
save_file(dict(sorted(tensors.items())), "library_written.safetensors", metadata={"format": "np"})
