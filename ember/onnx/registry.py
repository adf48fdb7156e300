"""Which ONNX operators each primitive becomes: one small mapping per ember.ops Function.

A mapping is `fn(g, node) -> str`: it adds the nodes that compute the primitive to the graph
builder `g` (ember.onnx.graph.GraphBuilder) from `node` (ember.onnx.program.OpNode: the op's
inputs, options and shapes as traced) and returns the name of the output. Lookup is by exact
class, so a subclass of a mapped primitive (EmbeddingLookup of Getitem) needs its own mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import UnsupportedOperatorError


@dataclass(frozen=True)
class Mapping:
    fn: Callable
    dynamic: frozenset[str]  # options the mapping turns symbolic when they vary with the axes


_MAPPINGS: dict[type, Mapping] = {}


def maps(*kinds: type, dynamic: tuple[str, ...] = ()) -> Callable:
    """Register the decorated function as the mapping of the primitives `kinds`; `dynamic` names
    the options it handles when they change with the dynamic axes (a reshape's shape)."""

    def register(fn: Callable) -> Callable:
        for kind in kinds:
            _MAPPINGS[kind] = Mapping(fn, frozenset(dynamic))
        return fn

    return register


def mapping_of(node) -> Mapping:
    kind = node.kind
    found = _MAPPINGS.get(kind)
    if found is None:
        raise UnsupportedOperatorError(
            f"ember.onnx.export: {node.name}: the primitive {kind.__module__}.{kind.__qualname__} "
            "has no ONNX mapping, so a model that runs it cannot be exported (the mappings are "
            "in ember/onnx/mappings/)")
    return found


def supported() -> list[type]:
    """The primitives that have a mapping."""
    return sorted(_MAPPINGS, key=lambda k: (k.__module__, k.__qualname__))
