"""ember.backends: PyTorch's backend switches, for programs that query or set them. ember runs
NumPy on the CPU: mps and cuDNN are not available, and the settings are kept but change nothing.
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
