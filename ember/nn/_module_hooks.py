"""Module hooks, mixed into Module: forward pre-hooks and hooks (with_kwargs, always_call,
prepend), full backward hooks and backward pre-hooks, called in PyTorch's order with PyTorch's
arguments, and the handles that remove them."""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable

from ..tensor import Tensor
from ._backward_hook import BackwardHook


class RemovableHandle:
    """What the register_*hook methods return: `.remove()` unregisters the hook (also from the
    dicts in `extra_dict`, which hold its flags); usable as a context manager."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict, *, extra_dict: dict | list | None = None) -> None:
        self.hooks_dict_ref = hooks_dict
        self.id = next(RemovableHandle._next_id)
        if extra_dict is None:
            extra_dict = []
        self.extra_dict_ref = [extra_dict] if isinstance(extra_dict, dict) else list(
            extra_dict)

    def remove(self) -> None:
        self.hooks_dict_ref.pop(self.id, None)
        for extra in self.extra_dict_ref:
            extra.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


HOOK_DICTS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
              "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_backward_hooks",
              "_backward_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks",
              "_state_dict_pre_hooks", "_state_dict_hooks")


def _register(hooks: OrderedDict, hook: Callable, prepend: bool = False,
              extra=None) -> RemovableHandle:
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class HooksMixin:
    """Module's hook methods; Module.__init__ creates the dicts named in HOOK_DICTS."""

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """hook(module, args) -> None or new args (a single value is wrapped in a tuple); with
        with_kwargs, hook(module, args, kwargs) -> None or (new_args, new_kwargs). Runs before
        forward; prepend puts it before the hooks already registered."""
        handle = _register(self._forward_pre_hooks, hook, prepend,
                           self._forward_pre_hooks_with_kwargs)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """hook(module, args, output) -> None or a new output (with with_kwargs,
        hook(module, args, kwargs, output)). Runs after forward; with always_call, also when
        forward (or an earlier hook) raises."""
        handle = _register(self._forward_hooks, hook, prepend,
                           [self._forward_hooks_with_kwargs, self._forward_hooks_always_called])
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_output) -> None or a new grad_output: runs when the gradients of
        the module's outputs are computed, before they flow into the module."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) -> None or a new grad_input: runs when the
        gradients of the module's inputs are computed. Entries are None for arguments that are
        not tensors; a tensor input that gets no gradient gets zeros (as in PyTorch)."""
        return _register(self._backward_hooks, hook, prepend)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        called: set[int] = set()
        result = None
        try:
            for hook_id, hook in list(self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    returned = hook(self, args, kwargs)
                    if returned is not None:
                        if not (isinstance(returned, tuple) and len(returned) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {returned}.")
                        args, kwargs = returned
                else:
                    returned = hook(self, args)
                    if returned is not None:
                        args = returned if isinstance(returned, tuple) else (returned,)
            backward_hook = None
            if self._backward_hooks or self._backward_pre_hooks:
                backward_hook = BackwardHook(self, list(self._backward_hooks.values()),
                                             list(self._backward_pre_hooks.values()))
                args = backward_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called:
                    called.add(hook_id)
                result = self._forward_hook_result(hook_id, hook, args, kwargs, result)
            if backward_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a "
                                  f"Tensor or a tuple of Tensors but received {type(result)}",
                                  stacklevel=3)
                result = backward_hook.setup_output_hook(result)
            return result
        except Exception:
            self._run_always_called_hooks(args, kwargs, result, called)
            raise

    def _run_always_called_hooks(self, args, kwargs, result, called: set) -> None:
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id not in self._forward_hooks_always_called or hook_id in called:
                continue
            try:
                result = self._forward_hook_result(hook_id, hook, args, kwargs, result)
            except Exception as e:  # noqa: BLE001 - silenced as PyTorch does: forward's wins
                warnings.warn("module forward hook with ``always_call=True`` raised an exception "
                              f"that was silenced as another error was raised in forward: {e}",
                              stacklevel=3)

    def _forward_hook_result(self, hook_id: int, hook: Callable, args, kwargs, result):
        """The output after one forward hook: its return value, or the output unchanged."""
        if hook_id in self._forward_hooks_with_kwargs:
            returned = hook(self, args, kwargs, result)
        else:
            returned = hook(self, args, result)
        return result if returned is None else returned
