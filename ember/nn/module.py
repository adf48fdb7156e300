"""Module: the base of every layer. Registers parameters, buffers and submodules on assignment.

Registered values live in the `_parameters`, `_buffers` and `_modules` dicts (as in PyTorch) and are
mirrored into the instance `__dict__`, so `self.weight` in a forward pass is a plain attribute read
rather than a trip through `__getattr__` (about 50x slower). Change registrations through the
Module API (attribute assignment, `del`, `register_*`), which keeps both in step.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..devices import check_available, parse_to
from ..tensor import Tensor
from ._module_hooks import HOOK_DICTS, HooksMixin
from ._module_state import StateDictMixin
from .parameter import Parameter


def _addindent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def _typename(value: Any) -> str:
    return type(value).__name__


def _float_cast(np_dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
    """A conversion for Module._apply that changes floating-point arrays only, as PyTorch does."""
    return lambda a: a.astype(np_dtype, copy=False) if _dt.is_float(a.dtype) else a


class Module(HooksMixin, StateDictMixin):
    """torch.nn.Module: subclass it, assign layers and Parameters in __init__, define forward."""

    training: bool

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{_typename(self)}.__init__() got unexpected arguments: "
                            f"{args!r}, {kwargs!r}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        for name in HOOK_DICTS:
            d[name] = OrderedDict()

    def forward(self, *args, **kwargs):
        """The computation of the module, which subclasses define; call the module (module(x))
        rather than forward, so that hooks run. Raises NotImplementedError when not overridden."""
        raise NotImplementedError(f'Module [{self._get_name()}] is missing the required "forward" '
                                  "function")

    def __call__(self, *args, **kwargs):
        if (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- registration -------------------------------------------------------------------
    def __getattr__(self, name: str):
        # Only reached for names missing from __dict__, e.g. entries put into a registry directly.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{_typename(self)}' object has no attribute '{name}'")

    # --8<-- [start:module-setattr]
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params, buffers, modules = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(ember.nn.Parameter or None expected)")
            self.register_parameter(name, None)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            modules[name] = d[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(ember.nn.Module or None expected)")
            modules[name] = d[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(ember.Tensor or None expected)")
            buffers[name] = d[name] = value
        else:
            object.__setattr__(self, name, value)
    # --8<-- [end:module-setattr]

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if any(name in d[r] for r in ("_parameters", "_buffers", "_modules") if r in d):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def _forget(self, name: str, keep: str | None = None) -> None:
        """Drop `name` from __dict__ and every registry but `keep` (where a replacement then
        takes the old entry's place in the order)."""
        d = self.__dict__
        d.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def _check_new_name(self, name: Any, kind: str, registry: dict) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if name not in registry and (name in self.__dict__ or hasattr(type(self), name)):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Adds a Parameter (or None, a slot without one) under `name`, also as an attribute.

        Raises AttributeError before Module.__init__, KeyError for a name with a dot, an empty name
        or one already taken by an attribute, TypeError for a value other than a Parameter or None.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(ember.nn.Parameter or None required)")
        self._parameters[name] = self.__dict__[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Adds a buffer (a tensor that is state but not a parameter, such as running_mean) under
        `name`; persistent=False leaves it out of the state_dict.

        Raises AttributeError before Module.__init__, KeyError for a bad or taken name, TypeError
        for a value other than a Tensor or None."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(ember.Tensor or None required)")
        self._buffers[name] = self.__dict__[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Adds `module` (or None) as a child under `name`, also as an attribute.

        Raises TypeError for something other than a Module, KeyError for a bad or taken name."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_name(name, "module", self._modules)
        self._modules[name] = self.__dict__[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path such as "encoder.layers.0" ("" is the module itself).

        Raises AttributeError when a step is missing or is not a Module."""
        module = self
        for item in target.split(".") if target else ():
            if item not in module._modules:
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = module._modules[item]
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put `module` at a dotted path such as "encoder.0" (replacing what is there, which
        must be a Module; with strict, it must exist). ValueError for an empty target or a
        value that is not a Module; AttributeError for a missing parent."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent, name = self._owner_and_name(target)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _owner_and_name(self, target: str) -> tuple[Module, str]:
        module_path, _, name = target.rpartition(".")
        return self.get_submodule(module_path), name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as "net.0.weight"."""
        owner, name = self._owner_and_name(target)
        if not hasattr(owner, name):
            raise AttributeError(f"{owner._get_name()} has no attribute `{name}`")
        param = getattr(owner, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as "bn.running_mean"."""
        owner, name = self._owner_and_name(target)
        if not hasattr(owner, name):
            raise AttributeError(f"{owner._get_name()} has no attribute `{name}`")
        if name not in owner._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(owner, name)

    # ---- traversal ----------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module (name `prefix`) and every submodule, depth first, with
        dotted names; each module once unless remove_duplicate=False."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                                remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the immediate children, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        """The immediate child modules, each once."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool,
                       skip: Callable[[Module, str], bool] | None = None):
        owners = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                  if recurse else [(prefix, self)])
        seen: set[int] = set()  # ids: Tensor's == is element-wise, so no sets of tensors
        for owner_prefix, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (skip is not None and skip(owner, name)):
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{owner_prefix}.{name}" if owner_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for the parameters of this module and (recurse=True) its
        submodules; a shared parameter is listed once unless remove_duplicate=False."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module and (recurse=True) its submodules, each once: what an
        optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for the buffers of this module and (recurse=True) its submodules.
        """
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers of this module and (recurse=True) its submodules, each once."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Calls fn(module) on every submodule (children first) and then on this module; returns
        self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Sets training mode (mode=True) or evaluation mode on this module and its submodules;
        returns self. Dropout and batch norm behave differently in each. Raises ValueError for a
        non-bool mode."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Sets evaluation mode (train(False)); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Sets requires_grad on every parameter (to freeze or unfreeze them); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (set_to_none), or zero it in place after detaching
        it from any graph (as PyTorch)."""
        for param in self.parameters():
            grad = param.grad
            if grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad.zero_()

    # ---- dtype and device ---------------------------------------------------------------
    def _apply(self, fn: Callable[[np.ndarray], np.ndarray]) -> Module:
        """Convert every parameter, gradient and buffer array in place (identities are kept,
        so optimizers holding the parameters keep working)."""
        for module in self.children():
            module._apply(fn)
        for tensor in itertools.chain(self._parameters.values(), self._buffers.values()):
            if tensor is not None:
                tensor._data = fn(tensor._data)
                if tensor.grad is not None:
                    tensor.grad._data = fn(tensor.grad._data)
        return self

    def to(self, *args, **kwargs) -> Module:
        """to(device=None, dtype=None, non_blocking=False), to(dtype), to(tensor), as in
        PyTorch: floating-point parameters and buffers take the dtype; a device other than the
        CPU raises."""
        dtype, _, _ = parse_to("to", args, kwargs)
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dtype}")
        return self._apply(_float_cast(dtype.np))

    def type(self, dst_type) -> Module:
        """Every parameter and buffer (integer ones too) cast to `dst_type`."""
        np_dtype = _dt.to_np(dst_type)
        return self._apply(lambda a: a.astype(np_dtype, copy=False))

    def float(self) -> Module:
        """Casts floating point parameters and buffers to float32 in place; returns self."""
        return self._apply(_float_cast(np.dtype(np.float32)))

    def double(self) -> Module:
        """Casts floating point parameters and buffers to float64 in place; returns self."""
        return self._apply(_float_cast(np.dtype(np.float64)))

    def half(self) -> Module:
        """Casts floating point parameters and buffers to float16 in place; returns self."""
        return self._apply(_float_cast(np.dtype(np.float16)))

    def bfloat16(self) -> Module:
        """Casts floating point parameters and buffers to bfloat16 in place; returns self."""
        return self._apply(_float_cast(_dt.to_np("bfloat16")))

    def cpu(self) -> Module:
        """Returns self: ember modules live on the CPU."""
        return self

    def cuda(self, device=None) -> Module:
        """Raises the error of a PyTorch built without CUDA (ember runs on the CPU only); returns
        self for a CPU device."""
        check_available("cuda" if device is None else device)
        return self

    # ---- printing -----------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The layer's own settings for its repr, e.g. 'in_features=4, out_features=2'."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
