"""The public API: the modules of the reference (PyTorch's layout) and the names each exports.

Shared by the docstring test and the reference pages' check, so that both see one list.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator

# The modules of the reference, as PyTorch lays its own out.
MODULES = (
    "ember",
    "ember.nn",
    "ember.nn.functional",
    "ember.nn.init",
    "ember.linalg",
    "ember.nn.utils",
    "ember.nn.parallel",
    "ember.optim",
    "ember.optim.lr_scheduler",
    "ember.utils.data",
    "ember.autograd",
    "ember.autograd.functional",
    "ember.distributed",
    "ember.onnx",
)


def exported_names(module) -> list[str]:
    """The module's `__all__`, or else its names that do not start with an underscore."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(names)


def _is_ember(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("ember")


def _own_methods(cls) -> Iterator[tuple[str, object]]:
    """Public methods and properties that `cls` itself defines (not inherited ones)."""
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if isinstance(attr, property) or inspect.isfunction(attr):
            yield name, attr


def public_objects() -> Iterator[tuple[str, object, object]]:
    """(qualified name, object, owning class or None) for every public function, class, method
    and property of the public modules, each object once (a function exported by two modules
    under one identity is listed under the first)."""
    seen: set[int] = set()
    exported = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in exported_names(module):
            obj = getattr(module, name, None)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and _is_ember(obj):
                exported.append((module_name, name, obj))
    # Functions first, so that one bound as a method too (ember.add, Tensor.add) is listed under
    # its function's name.
    exported.sort(key=lambda entry: inspect.isclass(entry[2]))
    for module_name, name, obj in exported:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield f"{module_name}.{name}", obj, None
        if inspect.isclass(obj):
            for method_name, method in _own_methods(obj):
                target = method.fget if isinstance(method, property) else method
                if target is None or id(target) in seen:
                    continue
                seen.add(id(target))
                yield f"{module_name}.{name}.{method_name}", method, obj


def has_docstring(obj, owner) -> bool:
    """A docstring of its own, or (for an override) the one of the method it overrides, as
    `inspect.getdoc` and `help()` show it."""
    if owner is not None and not isinstance(obj, property):
        doc = inspect.getdoc(getattr(owner, obj.__name__, obj))
    else:
        doc = inspect.getdoc(obj)
    return bool(doc and doc.strip())


def undocumented() -> list[str]:
    return [name for name, obj, owner in public_objects() if not has_docstring(obj, owner)]
