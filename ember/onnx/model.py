"""The ONNX model: assembling the ModelProto from the traced and mapped graph, and writing it."""

from __future__ import annotations

import os

import numpy as np

from .. import __version__
from .._atomic import atomic_write
from .graph import GraphBuilder
from .registry import mapping_of
from .trace import Trace


def write_model(proto, f) -> None:
    """Serialize an onnx.ModelProto to a path (atomically) or a binary file object."""
    check_target(f)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, data)
    else:
        f.write(data)


def check_target(f) -> None:
    """Fail early (before the trace) when `f` is neither None, a path that can be written, nor
    a binary file object."""
    if f is None or hasattr(f, "write") and not isinstance(f, (str, os.PathLike)):
        return
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"ember.onnx.export: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    path = os.path.abspath(f)
    if os.path.isdir(path):
        raise IsADirectoryError(f"ember.onnx.export: cannot write {os.fspath(f)!r}: it is a "
                                "directory; name the .onnx file to write")
    if not os.path.isdir(os.path.dirname(path)):
        raise FileNotFoundError(f"ember.onnx.export: cannot write {os.fspath(f)!r}: no directory "
                                f"{os.path.dirname(path)!r}")


def listing(onnx, graph) -> str:
    """The graph as text, its weights by shape only (verbose=True)."""
    lines = [f"graph inputs: {[i.name for i in graph.input]}, outputs: "
             f"{[o.name for o in graph.output]}"]
    lines += [f"initializer {t.name}: {onnx.helper.tensor_dtype_to_np_dtype(t.data_type)}"
              f"{list(t.dims)}" for t in graph.initializer]
    lines += [onnx.printer.to_text(node).strip() for node in graph.node]
    return "\n".join(lines)


def assemble(onnx, opset: int, first: Trace, second: Trace, nodes, names: list[str],
             outputs: list[str], dynamic: dict, params: dict[str, np.ndarray],
             export_params: bool, initializers_as_inputs: bool, fold: bool):
    """The checked ModelProto: each traced op folded or mapped (ember.onnx.mappings), the
    inputs, outputs and initializers named and shaped, symbolic where the axes are dynamic."""
    from onnx import helper, numpy_helper

    shapes = {k: (v, second.shapes.get(k, v)) for k, v in first.shapes.items()}
    g = GraphBuilder(opset, fold, shapes, first.dtypes)
    for name in [*names, *outputs, *params]:
        g.reserve(name)
    for i, name in enumerate(names):
        g.bind(f"input:{i}", name)
    for name in params:
        g.bind(f"param:{name}", name, constant=export_params)
    for node in nodes:
        if g.foldable(node):
            g.bind_folded(f"step:{node.index}", node.output)
            continue
        mapping = mapping_of(node)
        unhandled = set(node.varying) - mapping.dynamic
        if unhandled:
            key = sorted(unhandled)[0]
            raise node.fail(f"its option {key}={node.varying[key][0]!r} changes with the inputs "
                            f"(to {node.varying[key][1]!r} at another size of the dynamic axes), "
                            "which ONNX cannot express here; export without those dynamic axes")
        g.bind(f"step:{node.index}", mapping.fn(g, node))
    _name_outputs(helper, g, [g.ref(ref) for ref in first.outputs], outputs)
    used = {name for n in g.nodes for name in n.input}
    weights = {n: params[n] for n in params if n in used}
    if export_params:
        g.initializers.update(weights)
    graph_inputs = [_value_info(helper, name, a.dtype, _input_dims(a.shape, dynamic.get(name)))
                    for name, a in zip(names, first.inputs)]
    if not export_params:
        graph_inputs += [_value_info(helper, n, a.dtype, a.shape) for n, a in weights.items()]
    if initializers_as_inputs:
        graph_inputs += [_value_info(helper, n, a.dtype, a.shape)
                         for n, a in g.initializers.items()]
    graph_outputs = [_value_info(helper, name, first.results[i].dtype,
                                 _output_dims(name, i, first, second, names, dynamic))
                     for i, name in enumerate(outputs)]
    tensors = [numpy_helper.from_array(np.ascontiguousarray(a), n)
               for n, a in g.initializers.items()]
    graph = helper.make_graph(g.nodes, "ember", graph_inputs, graph_outputs, tensors)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="ember",
                              producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(model)
    return model


def _name_outputs(helper, g: GraphBuilder, sources: list[str], outputs: list[str]) -> None:
    """Give the graph's outputs their names: the producing node's output is renamed, or, for a
    value that is an input, a constant or already an output, an Identity node copies it."""
    produced = {o for n in g.nodes for o in n.output}
    renames: dict[str, str] = {}
    for source, name in zip(sources, outputs):
        if source in produced and source not in renames:
            renames[source] = name
        else:
            g.nodes.append(helper.make_node("Identity", [source], [name], name=f"Identity_{name}"))
    for n in g.nodes:
        for field in (n.input, n.output):
            renamed = [renames.get(x, x) for x in field]
            del field[:]
            field.extend(renamed)


def _value_info(helper, name: str, dtype, dims):
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         list(dims))


def _input_dims(shape: tuple, axes: dict | None) -> list:
    axes = axes or {}
    return [axes.get(i, n) for i, n in enumerate(shape)]


def _output_dims(name: str, i: int, first: Trace, second: Trace, inputs: list[str],
                 dynamic: dict) -> list:
    """Output i's dims: the user's symbols; for other dims that changed size in the second
    trace, the symbol of an input dim that changed the same way, else a new symbol."""
    shape, other = first.results[i].shape, second.results[i].shape
    given = {a % max(len(shape), 1): s for a, s in dynamic.get(name, {}).items()}
    known = {(first.inputs[k].shape[a], second.inputs[k].shape[a]): s
             for k, input_name in enumerate(inputs)
             for a, s in dynamic.get(input_name, {}).items()}
    dims = []
    for axis, (n, m) in enumerate(zip(shape, other)):
        if axis in given:
            dims.append(given[axis])
        elif n != m:
            dims.append(known.get((n, m), f"{name}_dim_{axis}"))
        else:
            dims.append(n)
    return dims
