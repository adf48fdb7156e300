"""The flags of each accuracy test's `ember train` run (besides --dataset, --model and --out).

MNIST trains on the 10k-image subset in shared/data, Fashion-MNIST on its full 60k images; both
score on their full 10k test sets. benchmarks/train_torch.py trains the same recipes in PyTorch.
"""

RECIPES: dict[tuple[str, str], list[str]] = {
    ("mnist", "cnn"): [],  # the defaults, which `make train` relies on
    ("mnist", "mlp"): ["--epochs", "10", "--lr", "0.001"],
    ("fashion-mnist", "mlp"): ["--epochs", "8", "--batch-size", "128"],
    ("fashion-mnist", "cnn"): ["--epochs", "4", "--batch-size", "32", "--lr", "0.002"],
}
