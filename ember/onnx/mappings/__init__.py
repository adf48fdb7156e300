"""The ONNX mappings of ember's primitives, one module per family; importing them registers
them (see ember.onnx.registry)."""

from . import (  # noqa: F401
    activations,
    elementwise,
    indexing,
    layers,
    losses,
    math,
    reductions,
    resample,
    selection,
    sequence,
    shapes,
)
