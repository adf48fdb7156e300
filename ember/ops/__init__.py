"""Primitive ops: one Function per op, its NumPy forward and backward side by side."""

from .elementwise import *  # noqa: F403
from .linalg import *  # noqa: F403
from .movement import *  # noqa: F403
from .reduction import *  # noqa: F403
