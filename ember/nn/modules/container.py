"""Containers: Sequential, ModuleList and ModuleDict (torch.nn's, with the same indexing)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from ..module import Module, _addindent


def _absolute_index(container: Module, idx) -> int:
    size = len(container._modules)
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range for {container._get_name()} of length "
                         f"{size}")
    return idx % size


def _renumber(container: Module, modules: list[Module]) -> None:
    """Replace the children by `modules`, named "0", "1", ... (after deletes and inserts)."""
    for name in list(container._modules):
        container._forget(name)
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


class Sequential(Module):
    """Calls its modules in order, each on the previous one's output.

    Sequential(m0, m1, ...) names them "0", "1", ...; Sequential(OrderedDict(name=m, ...)) keeps
    the names given."""

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        """input passed through each module in order; the output of one is the input of the next."""
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx) -> Sequential | Module:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_absolute_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, list(self._modules)[_absolute_index(self, idx)], module)

    def __delitem__(self, idx) -> None:
        names = list(self._modules)
        doomed = names[idx] if isinstance(idx, slice) else [names[_absolute_index(self, idx)]]
        for name in doomed:
            delattr(self, name)
        _renumber(self, list(self._modules.values()))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Adds `module` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Inserts `module` before position `index` (in [-len, len]), renumbering the rest; returns
        self.

        Raises AssertionError for something other than a Module, IndexError for an index out of
        range."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        modules = list(self._modules.values())
        n = len(modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        modules.insert(index, module)
        _renumber(self, modules)
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Appends each module of `sequential` (any iterable of modules); returns self."""
        for module in sequential:
            self.append(module)
        return self

    def pop(self, key: int) -> Module:
        """Removes and returns the module at index `key`."""
        module = self[key]
        del self[key]
        return module


class ModuleList(Module):
    """A list of modules, registered so that their parameters belong to the owner."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx) -> Module | ModuleList:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_absolute_index(self, idx))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_absolute_index(self, idx)), module)

    def __delitem__(self, idx) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(_absolute_index(self, idx)))
        _renumber(self, list(self._modules.values()))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)(list(self) + list(other))

    def append(self, module: Module) -> ModuleList:
        """Adds `module` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Inserts `module` before position `index`, renumbering the modules after it."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Appends each module of the iterable `modules`; returns self.

        Raises TypeError for something that is not iterable."""
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for module in modules:
            self.append(module)
        return self

    def pop(self, key: int) -> Module:
        """Removes and returns the module at index `key`."""
        module = self[key]
        del self[key]
        return module

    def __repr__(self) -> str:
        """Runs of identical children print once, as "(0-2): 3 x Linear(...)" (as PyTorch)."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list] = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [_addindent(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}", 2)
                 for a, b, text in runs]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        self._forget(key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Removes every module."""
        for key in list(self._modules):
            self._forget(key)

    def pop(self, key: str) -> Module:
        """Removes and returns the module under `key`. Raises KeyError for a missing key."""
        module = self[key]
        del self[key]
        return module

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self):
        """The (key, module) pairs, in insertion order."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Adds or replaces modules from a mapping, a ModuleDict or an iterable of (key, module)
        pairs.

        Raises ValueError for an element that is not a pair, TypeError for something else."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = modules.items()
        elif isinstance(modules, Iterable):
            pairs = []
            for j, pair in enumerate(modules):
                if not isinstance(pair, Iterable) or len(pair) != 2:
                    raise ValueError(f"ModuleDict update sequence element #{j} should be a "
                                     f"key-value pair of length 2, got {pair!r}")
                pairs.append(pair)
        else:
            raise TypeError("ModuleDict.update should be called with an iterable of key/value "
                            f"pairs, but got {type(modules).__name__}")
        for key, module in pairs:
            self[key] = module
