"""Every primitive is tested: each Function in ember.ops appears in a graph built by a case that
gradcheck, gradgradcheck and the PyTorch parity tests run, in the forward graph or in the graph
of its first derivatives (primitives that only backward formulas call, such as IndexScatter).

The cases are the `GRADCHECK_CASES` tables of the test modules (tests/test_ops.py's is the
model: (id, fn(m, *inputs), input shapes, domain)); a module that defines one runs each of its
cases through gradcheck, gradgradcheck and a PyTorch parity test. A table whose cases are
(id, fn, inputs) lists (shape, domain) per input and makes them with its module's
`make_arrays(inputs, seed)` (tests/nn/test_double_backward.py).
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import numpy as np

import ember
from ember.autograd import Function

TESTS = Path(__file__).parent
# Bases that are never instantiated themselves, and ops with no derivative at all (PyTorch's
# floor_divide raises in backward too; NoGrad, comparisons and masks, runs only in export traces).
EXEMPT = {"_PointwiseLoss", "_Recurrence", "FloorDivide", "NoGrad"}


def primitives() -> set[type]:
    found = set()
    for module in vars(ember.ops).values():
        if not inspect.ismodule(module):
            continue
        for cls in vars(module).values():
            if (inspect.isclass(cls) and issubclass(cls, Function) and cls is not Function
                    and cls.__module__ == module.__name__ and cls.__name__ not in EXEMPT):
                found.add(cls)
    return found


def case_tables() -> dict[str, list]:
    """Each table's cases as (fn, input arrays)."""
    from op_checks import make_inputs

    tables = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        if "GRADCHECK_CASES" not in path.read_text():
            continue
        spec = importlib.util.spec_from_file_location(f"_coverage_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "GRADCHECK_CASES"):
            continue
        rng = np.random.default_rng(0)
        tables[str(path.relative_to(TESTS))] = [
            (case[1], make_inputs(case[2], case[3], rng) if len(case) == 4
             else module.make_arrays(case[2], seed=0))
            for case in module.GRADCHECK_CASES]
    return tables


def graph_nodes(outputs) -> set[type]:
    seen, stack = set(), [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(e for e in node.parents if isinstance(e, Function))
    return {type(n) for n in seen}


def nodes_of_case(fn, arrays) -> set[type]:
    from op_checks import items

    xs = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]
    outs = [o for o in items(fn(ember, *xs)) if o.requires_grad]
    found = graph_nodes(outs)
    leaves = list(xs)
    for _ in range(2):  # first and second derivatives, with seeds that require grad
        seeds = [ember.ones_like(o).requires_grad_() for o in outs]
        grads = ember.autograd.grad(outs, leaves, seeds, create_graph=True, allow_unused=True)
        leaves += seeds
        outs = [g for g in grads if g is not None and g.requires_grad]
        found |= graph_nodes(outs)
        if not outs:
            break
    return found


def test_every_primitive_has_gradcheck_and_parity_cases():
    covered = set()
    tables = case_tables()
    assert "test_ops.py" in tables
    for cases in tables.values():
        for fn, arrays in cases:
            covered |= nodes_of_case(fn, arrays)
    missing = sorted(cls.__module__ + "." + cls.__name__ for cls in primitives() - covered)
    assert missing == [], f"primitives without gradcheck and parity cases: {missing}"


def test_the_coverage_finder_sees_a_missing_primitive():
    class Unused(Function):
        pass

    assert Unused not in {t for cases in case_tables().values() for fn, arrays in cases
                          for t in nodes_of_case(fn, arrays)}
