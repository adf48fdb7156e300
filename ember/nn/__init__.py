"""ember.nn: modules, parameters, initialisers and the functional interface (torch.nn)."""

from . import functional, init, parallel, utils
from .module import Module
from .modules import *
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init", "parallel", "utils", *_modules_all]
