"""ember: a small deep-learning library in the spirit of PyTorch, on NumPy."""

from __future__ import annotations

import importlib

from . import _allocator, autograd, dtypes, linalg, methods  # noqa: F401 - methods binds methods
from .arrange import *  # noqa: F403
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .devices import device
from .dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .functions import *  # noqa: F403
from .functions import abs, pow  # noqa: F401 - shadowed builtins
from .gather_scatter import *  # noqa: F403
from .legacy import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .linalg._legacy import *  # noqa: F403
from .masked import *  # noqa: F403
from .pointwise import *  # noqa: F403
from .pointwise import round  # noqa: F401 - a shadowed builtin
from .products import *  # noqa: F403
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .recurrent import (
    gru,
    gru_cell,
    lstm,
    lstm_cell,
    rnn_relu,
    rnn_relu_cell,
    rnn_tanh,
    rnn_tanh_cell,
)
from .reductions import *  # noqa: F403
from .reductions import all, any, max, min, sum  # noqa: F401
from .sampling import *  # noqa: F403
from .scans import *  # noqa: F403
from .selection import *  # noqa: F403
from .shapes import *  # noqa: F403
from .splits import *  # noqa: F403
from .statistics import *  # noqa: F403
from .tensor import Size, Tensor
from .triangular import *  # noqa: F403
from .type_info import finfo, iinfo, is_floating_point, numel
from .unsupported import *  # noqa: F403
from .unsupported import complex  # noqa: F401 - shadowed builtin
from .unsupported import missing_attribute as _missing_attribute

__version__ = "0.1.0"

_LAZY = {"nn", "optim", "data", "utils", "cli", "bench", "serialization", "cuda", "backends",
         "amp", "accelerator", "onnx", "distributed"}




def __getattr__(name: str):
    # Submodules load on first use, so `import ember` stays quick.
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "bfloat16":  # needs the optional ml_dtypes: loaded on first use
        return dtypes.bfloat16
    if name == "autocast":
        return importlib.import_module(".amp", __name__).autocast
    if name in ("save", "load", "CheckpointError"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    unsupported = _missing_attribute(name)  # sparse tensors, complex dtypes: say so
    if unsupported is not None:
        raise unsupported
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
