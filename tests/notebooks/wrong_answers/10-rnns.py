"""Plausible wrong answers for week 10 (recurrent networks), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/10-rnns/10-rnns.ipynb``. A submission whose solution cell is replaced
by one of them must lose points on that exercise's test cells.
"""

_RNN_HEAD = '''
class MyRNNCell(CellParameters):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, gates=1)

    def forward(self, x, h):
'''

_GRU_HEAD = '''
class MyGRUCell(CellParameters):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, gates=3)

    def forward(self, x, h):
'''

_LSTM_HEAD = '''
class MyLSTMCell(CellParameters):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, gates=4)

    def forward(self, x, state):
'''

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "MyRNNCell": {
        "forgets the tanh: a linear recurrence": _RNN_HEAD + '''
        return x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
''',
        "uses only one of the two biases": _RNN_HEAD + '''
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T)
''',
        "ReLU instead of tanh": _RNN_HEAD + '''
        return torch.relu(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)
''',
        "multiplies by the untransposed recurrent matrix": _RNN_HEAD + '''
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh + self.bias_hh)
''',
        "calls torch.rnn_tanh_cell, which the exercise forbids": _RNN_HEAD + '''
        return torch.rnn_tanh_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
''',
    },
    "unroll": {
        "stacks the outputs along dimension 0: [T, B, H]": '''
def unroll(cell, xs, state):
    outputs = []
    for t in range(xs.shape[1]):
        state = cell(xs[:, t], state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=0), state
''',
        "collects the state before the update: h0 .. h_{T-1} instead of h1 .. h_T": '''
def unroll(cell, xs, state):
    outputs = []
    for t in range(xs.shape[1]):
        outputs.append(state[0] if isinstance(state, tuple) else state)
        state = cell(xs[:, t], state)
    return torch.stack(outputs, dim=1), state
''',
        "loops over the batch instead of time (for x in xs)": '''
def unroll(cell, xs, state):
    outputs = []
    for x in xs:
        state = cell(x, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1), state
''',
        "handles only tensor states: stacks (h, c) tuples": '''
def unroll(cell, xs, state):
    outputs = []
    for t in range(xs.shape[1]):
        state = cell(xs[:, t], state)
        outputs.append(state)
    return torch.stack(outputs, dim=1), state
''',
        "returns the initial state as the final state": '''
def unroll(cell, xs, state):
    outputs = []
    h = state
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        outputs.append(h[0] if isinstance(h, tuple) else h)
    return torch.stack(outputs, dim=1), state
''',
        "detaches the state at every step (truncated to one step)": '''
def unroll(cell, xs, state):
    outputs = []
    for t in range(xs.shape[1]):
        state = cell(xs[:, t], state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1), state
''',
    },
    "gradient_norms_by_lag": {
        "ordered by time (h_0 first) instead of by lag": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0.detach().requires_grad_(True)
    states = [h]
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.sum(), states)
    return torch.stack([g.norm() for g in grads]).detach()
''',
        "loss is the mean of h_T instead of the sum": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0.detach().requires_grad_(True)
    states = [h]
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.mean(), states)
    return torch.stack([g.norm() for g in reversed(grads)]).detach()
''',
        "returns squared norms": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0.detach().requires_grad_(True)
    states = [h]
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.sum(), states)
    return torch.stack([(g ** 2).sum() for g in reversed(grads)]).detach()
''',
        "leaves out h_0: T values instead of T + 1": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0
    states = []
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.sum(), states)
    return torch.stack([g.norm() for g in reversed(grads)]).detach()
''',
        "averages the per-example norms instead of the norm over the batch": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0.detach().requires_grad_(True)
    states = [h]
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.sum(), states)
    return torch.stack([g.norm(dim=1).mean() for g in reversed(grads)]).detach()
''',
        "sets requires_grad on the caller's h0 in place": '''
def gradient_norms_by_lag(cell, xs, h0):
    h = h0.requires_grad_(True)
    states = [h]
    for t in range(xs.shape[1]):
        h = cell(xs[:, t], h)
        states.append(h)
    grads = torch.autograd.grad(h.sum(), states)
    return torch.stack([g.norm() for g in reversed(grads)]).detach()
''',
    },
    "MyGRUCell": {
        "swaps the interpolation: h' = z * n + (1 - z) * h": _GRU_HEAD + '''
        i_r, i_z, i_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        h_r, h_z, h_n = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        return z * n + (1 - z) * h
''',
        "Cho et al.'s reset before the product: W_hn (r * h)": _GRU_HEAD + '''
        H = self.hidden_size
        i_r, i_z, i_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        h_r, h_z, _ = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + (r * h) @ self.weight_hh[2 * H:].T + self.bias_hh[2 * H:])
        return (1 - z) * n + z * h
''',
        "reset gate does not multiply the bias b_hn": _GRU_HEAD + '''
        H = self.hidden_size
        i_r, i_z, i_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        gh = h @ self.weight_hh.T
        r = torch.sigmoid(i_r + gh[:, :H] + self.bias_hh[:H])
        z = torch.sigmoid(i_z + gh[:, H:2 * H] + self.bias_hh[H:2 * H])
        n = torch.tanh(i_n + r * gh[:, 2 * H:] + self.bias_hh[2 * H:])
        return (1 - z) * n + z * h
''',
        "gate order z, r, n instead of r, z, n": _GRU_HEAD + '''
        i_z, i_r, i_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        h_z, h_r, h_n = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h
''',
        "calls torch.gru_cell, which the exercise forbids": _GRU_HEAD + '''
        return torch.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
''',
    },
    "MyLSTMCell": {
        "gate order i, f, o, g instead of i, f, g, o": _LSTM_HEAD + '''
        h, c = state
        i, f, o, g = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
''',
        "h' = o * c' (no tanh on the cell state)": _LSTM_HEAD + '''
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * c_new, c_new
''',
        "sigmoid instead of tanh for the candidate g": _LSTM_HEAD + '''
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
''',
        "h' uses the old cell state c": _LSTM_HEAD + '''
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c_new
''',
        "returns (c', h') in the wrong order": _LSTM_HEAD + '''
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return c_new, torch.sigmoid(o) * torch.tanh(c_new)
''',
        "calls torch.lstm_cell, which the exercise forbids": _LSTM_HEAD + '''
        return torch.lstm_cell(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
''',
    },
    "char_batches": {
        "targets equal to the inputs (no shift)": '''
def char_batches(ids, batch_size, seq_len, generator=None):
    starts = torch.randint(0, len(ids) - seq_len, (batch_size,), generator=generator).to(ids.device)
    positions = starts[:, None] + torch.arange(seq_len, device=ids.device)
    return ids[positions], ids[positions]
''',
        "never draws the last valid start (randint upper bound N - L - 1)": '''
def char_batches(ids, batch_size, seq_len, generator=None):
    starts = torch.randint(0, len(ids) - seq_len - 1, (batch_size,), generator=generator).to(ids.device)
    positions = starts[:, None] + torch.arange(seq_len + 1, device=ids.device)
    windows = ids[positions]
    return windows[:, :-1], windows[:, 1:]
''',
        "draws starts up to N - L, so the last target falls off the end": '''
def char_batches(ids, batch_size, seq_len, generator=None):
    starts = torch.randint(0, len(ids) - seq_len + 1, (batch_size,), generator=generator).to(ids.device)
    positions = starts[:, None] + torch.arange(seq_len + 1, device=ids.device)
    windows = ids[positions.clamp(max=len(ids) - 1)]
    return windows[:, :-1], windows[:, 1:]
''',
        "ignores the generator": '''
def char_batches(ids, batch_size, seq_len, generator=None):
    starts = torch.randint(0, len(ids) - seq_len, (batch_size,)).to(ids.device)
    positions = starts[:, None] + torch.arange(seq_len + 1, device=ids.device)
    windows = ids[positions]
    return windows[:, :-1], windows[:, 1:]
''',
        "target shifted the wrong way (the previous character)": '''
def char_batches(ids, batch_size, seq_len, generator=None):
    starts = torch.randint(1, len(ids) - seq_len + 1, (batch_size,), generator=generator).to(ids.device)
    positions = starts[:, None] + torch.arange(seq_len, device=ids.device)
    return ids[positions], ids[positions - 1]
''',
    },
    "bits_per_char": {
        "nats instead of bits": '''
def bits_per_char(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
''',
        "log base 10": '''
def bits_per_char(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)) / math.log(10)
''',
        "softmax over the time dimension instead of the characters": '''
def bits_per_char(logits, targets):
    logp = torch.log_softmax(logits, dim=1) / math.log(2)
    return -logp.gather(-1, targets[..., None]).mean()
''',
        "sums over time, averages over the batch": '''
def bits_per_char(logits, targets):
    logp = torch.log_softmax(logits, dim=-1) / math.log(2)
    return -logp.gather(-1, targets[..., None]).sum(dim=(1, 2)).mean()
''',
    },
    "sample": {
        "multiplies the logits by the temperature": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = []
    for _ in range(n):
        last = logits[:, -1]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last * temperature, dim=-1), 1, generator=generator)
        new.append(nxt)
        logits, state = model(nxt, state)
    return torch.cat(new, dim=1)
''',
        "uses the logits of the first position instead of the last": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = []
    for _ in range(n):
        last = logits[:, 0]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator)
        new.append(nxt)
        logits, state = model(nxt, state)
    return torch.cat(new, dim=1)
''',
        "feeds the new character without the state": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = []
    for _ in range(n):
        last = logits[:, -1]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator)
        new.append(nxt)
        logits, state = model(nxt, None)
    return torch.cat(new, dim=1)
''',
        "feeds the whole text again together with the state": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    text = prefix
    logits, state = model(text, None)
    for _ in range(n):
        last = logits[:, -1]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator)
        text = torch.cat([text, nxt], dim=1)
        logits, state = model(text, state)
    return text[:, prefix.shape[1]:]
''',
        "returns the prefix together with the new characters": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = [prefix]
    for _ in range(n):
        last = logits[:, -1]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator)
        new.append(nxt)
        logits, state = model(nxt, state)
    return torch.cat(new, dim=1)
''',
        "always greedy (argmax), whatever the temperature": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = []
    for _ in range(n):
        nxt = logits[:, -1].argmax(dim=-1, keepdim=True)
        new.append(nxt)
        logits, state = model(nxt, state)
    return torch.cat(new, dim=1)
''',
        "ignores the generator": '''
@torch.no_grad()
def sample(model, prefix, n, temperature=1.0, generator=None):
    logits, state = model(prefix, None)
    new = []
    for _ in range(n):
        last = logits[:, -1]
        if temperature == 0:
            nxt = last.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(torch.softmax(last / temperature, dim=-1), 1)
        new.append(nxt)
        logits, state = model(nxt, state)
    return torch.cat(new, dim=1)
''',
    },
}
