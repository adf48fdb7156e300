"""ember.backends.cuda: PyTorch's CUDA switches, `matmul.allow_tf32` among them, with PyTorch's
defaults. They can be set and read back; without CUDA they change nothing."""

from __future__ import annotations

__all__ = ["is_built", "matmul"]


class _MatmulSettings:
    """The settings of `ember.backends.cuda.matmul`; an unknown name is an AttributeError, as in
    PyTorch, so that a misspelt setting is not silently ignored."""

    def __init__(self) -> None:
        settings = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
                    "allow_bf16_reduced_precision_reduction": True}
        self.__dict__.update(settings)

    def __setattr__(self, name: str, value) -> None:
        if name not in self.__dict__:
            raise AttributeError(f"Unknown attribute {name}")
        self.__dict__[name] = value


matmul = _MatmulSettings()


def is_built() -> bool:
    return False
