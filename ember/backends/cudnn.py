"""ember.backends.cudnn: PyTorch's cuDNN switches (`benchmark`, `deterministic`, `enabled`,
`allow_tf32`), with PyTorch's defaults. They can be set and read back; without cuDNN they change
nothing (ember's CPU results are deterministic)."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version() -> None:
    return None
