"""Every public function, class, method and property of the reference's modules has a docstring.

Names still without one are listed in undocumented.txt; the list may only shrink: a new name
without a docstring fails, and so does a listed name that has one now (delete its line).
"""

from __future__ import annotations

from pathlib import Path

from public_api import MODULES, public_objects, undocumented

ALLOWED = Path(__file__).with_name("undocumented.txt")


def _allowed() -> set[str]:
    lines = ALLOWED.read_text().splitlines() if ALLOWED.exists() else []
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_public_api_is_found():
    names = {name for name, _, _ in public_objects()}
    assert len(names) > 400
    for name in ("ember.tensor", "ember.Tensor.backward", "ember.nn.Linear",
                 "ember.nn.functional.cross_entropy", "ember.optim.Adam.step",
                 "ember.utils.data.DataLoader", "ember.autograd.grad", "ember.onnx.export"):
        assert name in names, name
    assert len(MODULES) >= 8


def test_every_public_name_has_a_docstring():
    missing = set(undocumented())
    new = sorted(missing - _allowed())
    assert not new, ("public names without a docstring (write one; shapes in PyTorch's Shape: "
                     "convention, dtypes, errors raised):\n  " + "\n  ".join(new))


def test_the_allow_list_only_shrinks():
    stale = sorted(_allowed() - set(undocumented()))
    assert not stale, (f"documented now or gone: delete these lines from {ALLOWED.name}:\n  "
                       + "\n  ".join(stale))
