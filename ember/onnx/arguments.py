"""The arguments of ember.onnx.export as PyTorch reads them: the example inputs (a tuple, a last
dict of keyword arguments, one Tensor; Tensors nested in lists, tuples and dicts), the names of
the graph's inputs and outputs, and dynamic_axes in its two forms."""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from ..tensor import Tensor
from .errors import OnnxExporterError


def split_args(args, kwargs) -> tuple[tuple, dict]:
    if isinstance(args, Tensor):
        args = (args,)
    elif not isinstance(args, tuple):
        args = (args,)
    if kwargs is None and args and isinstance(args[-1], dict):  # PyTorch's classic convention
        args, kwargs = args[:-1], args[-1]
    return args, dict(kwargs or {})


def tensors_in(tree) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for item in tree for t in tensors_in(item)]
    if isinstance(tree, dict):
        return [t for item in tree.values() for t in tensors_in(item)]
    return []


def replace_tensors(tree, replacements: dict[int, Tensor]):
    if isinstance(tree, Tensor):
        return replacements[id(tree)]
    if isinstance(tree, (tuple, list)):
        return type(tree)(replace_tensors(item, replacements) for item in tree)
    if isinstance(tree, dict):
        return {k: replace_tensors(v, replacements) for k, v in tree.items()}
    return tree


def input_names(model, args: tuple, kwargs: dict, tensors: list[Tensor], given) -> list[str]:
    """The user's names, then forward's parameter names (or keyword) of the tensors passed
    directly, then input_N."""
    given = list(given or [])
    if len(given) > len(tensors):
        raise ValueError(f"ember.onnx.export: {len(given)} input_names for {len(tensors)} input "
                         "tensors")
    try:
        params = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        params = []
    # In tensors_in's order: a tensor passed directly is named by its parameter or keyword.
    labels = [params[i] if i < len(params) else None for i in range(len(args))] + list(kwargs)
    named = [label if isinstance(value, Tensor) else None
             for label, value in zip(labels, [*args, *kwargs.values()])
             for _ in tensors_in(value)]
    names = given + [label or f"input_{i}" for i, label in enumerate(named)][len(given):]
    return _unique(names, "input_names")


def output_names(given, count: int, inputs: list[str]) -> list[str]:
    given = list(given or [])
    if len(given) > count:
        raise ValueError(f"ember.onnx.export: {len(given)} output_names for {count} outputs")
    auto = ["output" if i == 0 else f"output_{i}" for i in range(count)]
    names = given + auto[len(given):]
    return _unique(names, "output_names", taken=set(inputs))


def _unique(names: list[str], what: str, taken: set[str] = frozenset()) -> list[str]:
    seen = set(taken)
    for name in names:
        if not isinstance(name, str) or not name or name in seen:
            raise ValueError(f"ember.onnx.export: {what} must be distinct, non-empty strings "
                             f"(not also an input's name), got {name!r} in {names}")
        seen.add(name)
    return names


def dynamic_axes_of(dynamic_axes, inputs: list[str], tensors: list[Tensor]) -> dict[str, dict]:
    """{name: {axis: symbol}}, from PyTorch's two forms; input axes checked and made >= 0."""
    normalized: dict[str, dict] = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, Mapping):
            axes = {int(a): str(s) for a, s in axes.items()}
        else:
            axes = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        if name in inputs:
            rank = tensors[inputs.index(name)]._data.ndim
            bad = [a for a in axes if not -rank <= a < rank]
            if bad:
                raise ValueError(f"ember.onnx.export: dynamic_axes[{name!r}] names axis {bad[0]}, "
                                 f"but input {name!r} has {rank} dims")
            axes = {a % rank: s for a, s in axes.items()}
        normalized[name] = axes
    return normalized


def flat_outputs(result, position: str):
    if isinstance(result, Tensor):
        yield position or "", result
    elif isinstance(result, (tuple, list)) and result:
        for i, item in enumerate(result):
            yield from flat_outputs(item, f"{position}[{i}]")
    else:
        where = f" at output{position}" if position else ""
        raise OnnxExporterError(
            f"ember.onnx.export: the model returned {type(result).__name__}{where}; an exported "
            "model returns Tensors (or tuples and lists of them): return the tensors only")
