"""Primitive ops: one Function per op, its NumPy forward and backward side by side."""

import warnings

# The layers' primitives, reached as ember.ops.conv.Convolution and so on.
from . import (  # noqa: E402, F401
    activation,
    attention,
    conv,
    decompositions,
    embedding,
    loss,
    norm,
    pool,
    products,
    rnn,
    special,
)
from .division import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .movement import *  # noqa: F403
from .pointwise import *  # noqa: F403
from .reduction import *  # noqa: F403
from .sampling import *  # noqa: F403
from .scan import *  # noqa: F403
from .scatter import *  # noqa: F403

# PyTorch computes inf and nan silently (detect_anomaly is the way to catch them); NumPy warns.
# The filter covers only warnings raised in ember's modules; NumPy's error state is untouched.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")
