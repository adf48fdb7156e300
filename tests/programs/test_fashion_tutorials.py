"""The quickstart, build-model and optimization tutorials of pytorch/tutorials
(beginner_source/basics), written again in their style with `import ember as torch` and
ember.data in place of torchvision: an MLP on Debian's Fashion-MNIST, trained with SGD and
cross-entropy, evaluated, saved, loaded and used to predict."""

from __future__ import annotations

import pytest

import ember as torch
from ember import data as datasets
from ember import nn
from ember.data.transforms import ToTensor
from ember.utils.data import DataLoader, Subset

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


class ClothesNet(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stack = nn.Sequential(
            nn.Linear(28 * 28, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.stack(self.flatten(x))


def train_loop(dataloader, model, loss_fn, optimizer, device="cpu"):
    size = len(dataloader.dataset)
    model.train()
    lines = []
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch % 100 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            lines.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
    return lines


def test_loop(dataloader, model, loss_fn, device="cpu"):
    model.eval()
    size, num_batches = len(dataloader.dataset), len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / num_batches, correct / size


test_loop.__test__ = False  # a helper named like the tutorial's, not a pytest test


@pytest.fixture(scope="module")
def fashion(fashion_dir):
    train = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
    test = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
    return train, test


def test_quickstart_trains_saves_loads_and_predicts(fashion, tmp_path):
    torch.manual_seed(0)
    training_data, test_data = fashion
    train_dataloader = DataLoader(Subset(training_data, range(10000)), batch_size=64)
    test_dataloader = DataLoader(test_data, batch_size=64)
    for X, y in test_dataloader:
        assert X.shape == (64, 1, 28, 28) and y.shape == (64,) and y.dtype == torch.int64
        break
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = ClothesNet(hidden=128).to(device)
    assert "(stack): Sequential(" in str(model) and "in_features=784" in str(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    lines = train_loop(train_dataloader, model, loss_fn, optimizer, device)
    assert lines[0].startswith("loss: ") and lines[-1].endswith("/10000]")
    avg_loss, accuracy = test_loop(test_dataloader, model, loss_fn, device)
    # one epoch over 10,000 images at lr=0.1: torch 2.13 reaches 0.65-0.66 with this net
    assert accuracy > 0.6 and avg_loss < 1.0, (accuracy, avg_loss)

    torch.save(model.state_dict(), tmp_path / "model.pth")
    model = ClothesNet(hidden=128)
    model.load_state_dict(torch.load(tmp_path / "model.pth"))
    model.eval()
    hits = 0
    for i in range(50):
        x, y = test_data[i][0], test_data[i][1]
        with torch.no_grad():
            pred = model(x)
            predicted, actual = CLASSES[pred[0].argmax(0)], CLASSES[y]
        hits += predicted == actual
    assert hits >= 30


def test_build_model_pieces():
    model = ClothesNet(hidden=32)
    X = torch.rand(1, 28, 28, device="cpu")
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    assert abs(pred_probab.sum().item() - 1) < 1e-6
    y_pred = pred_probab.argmax(1)
    assert f"Predicted class: {y_pred}".startswith("Predicted class: tensor([")
    input_image = torch.rand(3, 28, 28)
    flat_image = nn.Flatten()(input_image)
    hidden1 = nn.Linear(in_features=28 * 28, out_features=20)(flat_image)
    assert input_image.size() == (3, 28, 28) and flat_image.size() == (3, 784)
    assert (nn.ReLU()(hidden1) >= 0).all() and f"{hidden1}".startswith("tensor([[")
    seq_modules = nn.Sequential(nn.Flatten(), nn.Linear(784, 20), nn.ReLU(), nn.Linear(20, 10))
    assert nn.Softmax(dim=1)(seq_modules(input_image)).shape == (3, 10)
    lines = [f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n"
             for name, param in model.named_parameters()]
    assert lines[0].startswith("Layer: stack.0.weight | Size: ember.Size([32, 784])")
    assert len(lines) == 6


@pytest.mark.slow
def test_optimization_tutorial_epochs_improve_accuracy(fashion):
    torch.manual_seed(1)
    training_data, test_data = fashion
    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(Subset(test_data, range(2000)), batch_size=64)
    model = ClothesNet(hidden=64)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    accuracies = []
    for _ in range(2):
        train_loop(train_dataloader, model, loss_fn, optimizer)
        accuracies.append(test_loop(test_dataloader, model, loss_fn)[1])
    assert accuracies[0] > 0.75 and accuracies[1] > 0.78, accuracies
