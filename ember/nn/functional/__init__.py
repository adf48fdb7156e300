"""ember.nn.functional (import as F): the functional form of every layer and loss.

Modules call into these, so each computation has one implementation. The files mirror ember.ops:
each checks arguments as PyTorch does and calls the primitive below it.
"""

from .activation import *
from .activation_pointwise import *
from .attention import *
from .attention import _canonical_mask, _none_or_dtype  # noqa: F401 - used as F._canonical_mask
from .conv import *
from .ctc import *
from .distance import *
from .dropout import *
from .embedding import *
from .linear import *
from .loss import *
from .loss_margin import *
from .loss_regression import *
from .norm import *
from .padding import *
from .pool import *
from .resample import *
