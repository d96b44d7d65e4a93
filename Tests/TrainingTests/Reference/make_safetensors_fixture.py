"""Writes Fixtures/written-by-python.safetensors with the reference safetensors
library (pip install safetensors numpy), for SafetensorsTests.swift.

The values are simple formulas so the test can check every element.
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    # Named like a Sequential(Linear(3, 2), ReLU(), Linear(2, 1)) of this library.
    "layers.0.weight": (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 4,
    "layers.0.bias": np.array([0.5, -0.25], dtype=np.float32),
    "layers.2.weight": np.array([[1.0, -1.0]], dtype=np.float64),
    "layers.2.bias": np.array([0.125], dtype=np.float64),
}
save_file(tensors, "../Fixtures/written-by-python.safetensors", metadata={"format": "np", "writer": "safetensors"})
