"""state_dict and load_state_dict, mixed into Module: PyTorch's key names and error messages."""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

from ..tensor import Tensor
from ._module_hooks import _register
from .parameter import Parameter


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")


class StateDictMixin:
    """Module's checkpoint methods; they rely on Module's registries and named_modules."""

    def _local_state(self) -> dict[str, Tensor]:
        """Parameters and persistent buffers of this module alone, by name."""
        skip = self._non_persistent_buffers_set
        return {name: value for name, value in itertools.chain(
            self._parameters.items(),
            ((n, b) for n, b in self._buffers.items() if n not in skip)) if value is not None}

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, value in self._local_state().items():
            destination[prefix + name] = value if keep_vars else value.detach()

    # --8<-- [start:state-dict]
    def state_dict(self, *, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """Parameters and persistent buffers under PyTorch's dotted names ("0.weight", ...).

        The values share memory with the module's tensors (detached unless keep_vars)."""
        if destination is None:
            destination = OrderedDict()
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if hook(self, destination, prefix, {"version": 1}) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination
    # --8<-- [end:state-dict]

    def _load_from_state_dict(self, state_dict: Mapping, prefix: str, missing: list,
                              unexpected: list, errors: list, assign: bool) -> None:
        local = self._local_state()
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected ember.Tensor '
                              f"from checkpoint but received {type(value).__name__}")
            elif value._data.shape != current._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(value._data.shape)} from checkpoint, the shape in current "
                              f"model is {tuple(current._data.shape)}.")
            elif assign and name in self._parameters:
                self.register_parameter(name, Parameter(value, current.requires_grad))
            elif assign:
                self._buffers[name] = self.__dict__[name] = value
            else:
                current._data[...] = value._data  # in place: optimizers keep their references
        for key in state_dict:
            if key.startswith(prefix):
                head, dot, _ = key[len(prefix):].partition(".")
                if head not in (self._modules if dot else local):
                    unexpected.append(key)

    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) runs before this module adds its entries to a
        state_dict."""
        return _register(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) runs after this module and its
        children added their entries, and may change the state_dict in place; it must return
        None (RuntimeError otherwise)."""
        return _register(self._state_dict_hooks, hook)

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) runs after this module and its children loaded their
        part of a state_dict; it may change incompatible_keys.missing_keys and
        .unexpected_keys in place (which strict then checks), and must return None
        (AssertionError otherwise)."""
        return _register(self._load_state_dict_post_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) runs before this module loads its part of a state_dict,
        and may change the (copied) state_dict, e.g. to rename old keys."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        return _register(self._load_state_dict_pre_hooks,
                         functools.partial(hook, self) if with_module else hook)

    def load_state_dict(self, state_dict: Mapping[str, Tensor], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values into the parameters and buffers in place; report missing/unexpected
        keys (an error when strict) and always raise on shape mismatches."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        state_dict = OrderedDict(state_dict)  # pre-hooks may rename keys in their copy
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: StateDictMixin, prefix: str) -> None:
            for hook in module._load_state_dict_pre_hooks.values():
                hook(state_dict, prefix, {}, strict, missing, unexpected, errors)
            module._load_from_state_dict(state_dict, prefix, missing, unexpected, errors,
                                         assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, f"{prefix}{name}.")
            incompatible = _IncompatibleKeys(missing, unexpected)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, incompatible) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace.")

        load(self, "")
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)
