"""The models of programs in the style of pytorch/examples (mnist_rnn, word_language_model,
time_sequence_prediction) and a small GPT in the style of nanoGPT, written once against
PyTorch's API and built with either library: `models(m)` with m = ember or torch.

benchmarks/sequence.py times two of them against PyTorch.
"""

from __future__ import annotations

import math
from functools import cache
from types import SimpleNamespace


@cache
def models(m) -> SimpleNamespace:
    nn, F = m.nn, m.nn.functional

    class MnistRNN(nn.Module):
        """mnist_rnn: an LSTM over the 28 rows of an image, batch norm, two linear layers."""

        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
            self.batchnorm = nn.BatchNorm1d(64)
            self.fc1 = nn.Linear(64, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, input):
            output, _ = self.rnn(input.reshape(-1, 28, 28))
            output = self.batchnorm(output[:, -1, :])
            output = F.relu(self.fc1(output))
            return F.log_softmax(self.fc2(output), dim=1)

    class RNNModel(nn.Module):
        """word_language_model: embedding, a recurrent network, a decoder (tied to the
        embedding with tie_weights)."""

        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.0,
                     tie_weights=False):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ("LSTM", "GRU"):
                self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            else:
                nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
                self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity,
                                  dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                self.decoder.weight = self.encoder.weight
            nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
            self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if self.rnn_type == "LSTM":
                return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                        weight.new_zeros(self.nlayers, bsz, self.nhid))
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = m.zeros(max_len, d_model)
            position = m.arange(0, max_len, dtype=m.float).unsqueeze(1)
            div_term = m.exp(m.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = m.sin(position * div_term)
            pe[:, 1::2] = m.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

        def forward(self, x):
            return self.dropout(x + self.pe[:x.size(0), :])

    class TransformerModel(nn.Transformer):
        """word_language_model's Transformer: nn.Transformer's encoder (its decoder unused)."""

        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.0):
            super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                             num_encoder_layers=nlayers, num_decoder_layers=1, dropout=dropout)
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout)
            self.input_emb = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)
            nn.init.uniform_(self.input_emb.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

        def forward(self, src):
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                self.src_mask = nn.Transformer.generate_square_subsequent_mask(len(src))
            src = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
            output = self.encoder(src, mask=self.src_mask)
            return F.log_softmax(self.decoder(output), dim=-1)

    class Sequence(nn.Module):
        """time_sequence_prediction: two LSTMCells and a linear read-out, step by step."""

        def __init__(self, hidden=51):
            super().__init__()
            self.hidden = hidden
            self.lstm1 = nn.LSTMCell(1, hidden)
            self.lstm2 = nn.LSTMCell(hidden, hidden)
            self.linear = nn.Linear(hidden, 1)

        def forward(self, input, future=0):
            outputs = []
            state1 = [m.zeros(input.size(0), self.hidden, dtype=m.double) for _ in range(2)]
            state2 = [m.zeros(input.size(0), self.hidden, dtype=m.double) for _ in range(2)]
            output = None
            steps = list(input.split(1, dim=1)) + [None] * future
            for input_t in steps:
                state1 = self.lstm1(output if input_t is None else input_t, tuple(state1))
                state2 = self.lstm2(state1[0], tuple(state2))
                output = self.linear(state2[0])
                outputs.append(output)
            return m.cat(outputs, dim=1)

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.n_head, self.n_embd = n_head, n_embd

        def forward(self, x):
            B, T, C = x.size()  # noqa: N806 - nanoGPT's names
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                       for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                     nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        """nanoGPT's model: token and position embeddings, pre-norm blocks, a final LayerNorm
        and a head tied to the token embedding."""

        def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
            super().__init__()
            self.wte = nn.Embedding(vocab_size, n_embd)
            self.wpe = nn.Embedding(block_size, n_embd)
            self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.lm_head.weight = self.wte.weight

        def forward(self, idx, targets):
            pos = m.arange(0, idx.size(1), dtype=m.long)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

        def configure_optimizers(self, weight_decay, learning_rate, betas):
            """AdamW, decaying the weights with 2 or more dims only (as nanoGPT)."""
            params = [p for p in self.parameters() if p.requires_grad]
            groups = [{"params": [p for p in params if p.dim() >= 2],
                       "weight_decay": weight_decay},
                      {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
            return m.optim.AdamW(groups, lr=learning_rate, betas=betas)

    return SimpleNamespace(MnistRNN=MnistRNN, RNNModel=RNNModel, TransformerModel=TransformerModel,
                           Sequence=Sequence, GPT=GPT)


def copy_state(ember_model, torch_model) -> None:
    """torch_model's parameters and buffers into ember_model (the same starting weights)."""
    import ember

    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in
             torch_model.state_dict().items()}
    ember_model.load_state_dict(state)
