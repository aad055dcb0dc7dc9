"""Plausible wrong answers for week 11 (Transformers), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/11-transformers/11-transformers.ipynb``. Each must lose points on
that exercise's test cells (the cells whose grade_id starts with ``test_<grade_id>``).
"""

_MHA_INIT = '''
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.d_model, self.num_heads, self.d_head = d_model, num_heads, d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
'''

_BLOCK_INIT = '''
class TransformerBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, num_heads)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
'''

_ENCODER_INIT = '''
class SequenceEncoder(nn.Module):
    def __init__(self, vocab_size, d_model, num_heads, num_layers, d_ff, max_len, embed_scale=1.0, pe_scale=1.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("pe", sinusoidal_positions(max_len, d_model))
        self.blocks = nn.ModuleList(TransformerBlock(d_model, num_heads, d_ff) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        self.embed_scale, self.pe_scale = embed_scale, pe_scale
'''

_GPT_INIT = '''
class CharGPT(SequenceEncoder):
    def __init__(self, vocab_size, d_model, num_heads, num_layers, d_ff, block_size):
        super().__init__(vocab_size, d_model, num_heads, num_layers, d_ff, max_len=block_size)
        self.block_size = block_size
'''

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "causal_mask": {
        "upper triangle: every query sees the future instead of the past": '''
def causal_mask(length, device=None):
    return torch.ones(length, length, dtype=torch.bool, device=device).triu()
''',
        "strictly lower triangle: a token may not attend to itself": '''
def causal_mask(length, device=None):
    return torch.ones(length, length, dtype=torch.bool, device=device).tril(diagonal=-1)
''',
        "a float 0/1 mask instead of a boolean one": '''
def causal_mask(length, device=None):
    return torch.ones(length, length, device=device).tril()
''',
    },
    "padding_mask": {
        "nn.MultiheadAttention's convention: True at the padding": '''
def padding_mask(lengths, max_len):
    return torch.arange(max_len, device=lengths.device)[None, :] >= lengths[:, None]
''',
        "off by one: <= keeps one padding position": '''
def padding_mask(lengths, max_len):
    return torch.arange(max_len, device=lengths.device)[None, :] <= lengths[:, None]
''',
        "broadcasts the wrong way round: [L, B] instead of [B, L]": '''
def padding_mask(lengths, max_len):
    return torch.arange(max_len, device=lengths.device)[:, None] < lengths[None, :]
''',
    },
    "scaled_dot_product_attention": {
        "forgets the 1/sqrt(d_k) scale": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
''',
        "divides by d_k instead of sqrt(d_k)": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
''',
        "scales by the width of the values instead of the keys": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
''',
        "softmax over the queries (dim -2) instead of the keys": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-2)
    return weights @ v, weights
''',
        "inverted mask: fills the allowed positions with -inf": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, -1e9)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
''',
        "masks after the softmax, so the rows no longer sum to 1": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask
    return weights @ v, weights
''',
        "exponentiates without subtracting the maximum (overflows for large scores)": '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    weights = e / e.sum(-1, keepdim=True)
    return weights @ v, weights
''',
    },
    "MultiHeadAttention": {
        "splits heads with view(B, H, L, d) instead of view + transpose": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).reshape(B, self.num_heads, Lq, self.d_head)
        k = self.k_proj(key).reshape(B, self.num_heads, Lk, self.d_head)
        v = self.v_proj(value).reshape(B, self.num_heads, Lk, self.d_head)
        if mask is not None:
            mask = mask.unsqueeze(-3)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(out.reshape(B, Lq, self.d_model)), weights
''',
        "merges the heads without transposing back": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).view(B, Lq, self.num_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        if mask is not None:
            mask = mask.unsqueeze(-3)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(out.reshape(B, Lq, self.d_model)), weights
''',
        "forgets the output projection": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).view(B, Lq, self.num_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        if mask is not None:
            mask = mask.unsqueeze(-3)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        return out.transpose(1, 2).reshape(B, Lq, self.d_model), weights
''',
        "scales the scores by sqrt(d_model) instead of sqrt(d_head)": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).view(B, Lq, self.num_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_model)
        if mask is not None:
            scores = scores.masked_fill(~mask.unsqueeze(-3), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(B, Lq, self.d_model)
        return self.out_proj(out), weights
''',
        "does not add a head axis to the mask (padding masks hit the wrong batch element)": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).view(B, Lq, self.num_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(out.transpose(1, 2).reshape(B, Lq, self.d_model)), weights
''',
        "returns the weights averaged over the heads": _MHA_INIT + '''
    def forward(self, query, key, value, mask=None):
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query).view(B, Lq, self.num_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.num_heads, self.d_head).transpose(1, 2)
        if mask is not None:
            mask = mask.unsqueeze(-3)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(out.transpose(1, 2).reshape(B, Lq, self.d_model)), weights.mean(1)
''',
    },
    "sinusoidal_positions": {
        "all sines first, then all cosines (concatenated instead of interleaved)": '''
def sinusoidal_positions(length, d_model):
    positions = torch.arange(length, dtype=torch.float32)[:, None]
    frequencies = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    angles = positions * frequencies
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
''',
        "exponent i/D instead of 2i/D": '''
def sinusoidal_positions(length, d_model):
    positions = torch.arange(length, dtype=torch.float32)[:, None]
    frequencies = 10000.0 ** (-torch.arange(d_model // 2, dtype=torch.float32) / d_model)
    angles = positions * frequencies
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe
''',
        "cosines in the even columns, sines in the odd ones": '''
def sinusoidal_positions(length, d_model):
    positions = torch.arange(length, dtype=torch.float32)[:, None]
    frequencies = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    angles = positions * frequencies
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.cos(angles)
    pe[:, 1::2] = torch.sin(angles)
    return pe
''',
        "multiplies by 10000^(2i/D) instead of dividing": '''
def sinusoidal_positions(length, d_model):
    positions = torch.arange(length, dtype=torch.float32)[:, None]
    frequencies = 10000.0 ** (torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    angles = positions * frequencies
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe
''',
    },
    "TransformerBlock": {
        "post-norm: normalises after each residual addition": _BLOCK_INIT + '''
    def forward(self, x, mask=None):
        h = self.norm1(x + self.attn(x, x, x, mask)[0])
        return self.norm2(h + self.ff(h))
''',
        "adds the sub-layer output to the normalised stream instead of the stream": _BLOCK_INIT + '''
    def forward(self, x, mask=None):
        x = self.norm1(x)
        h = x + self.attn(x, x, x, mask)[0]
        h = self.norm2(h)
        return h + self.ff(h)
''',
        "uses norm1 before both sub-layers": _BLOCK_INIT + '''
    def forward(self, x, mask=None):
        n = self.norm1(x)
        h = x + self.attn(n, n, n, mask)[0]
        return h + self.ff(self.norm1(h))
''',
        "forgets to pass the mask to the attention": _BLOCK_INIT + '''
    def forward(self, x, mask=None):
        n = self.norm1(x)
        h = x + self.attn(n, n, n)[0]
        return h + self.ff(self.norm2(h))
''',
        "feeds the attention output (not the residual sum) to the feed-forward branch": _BLOCK_INIT + '''
    def forward(self, x, mask=None):
        n = self.norm1(x)
        a = self.attn(n, n, n, mask)[0]
        return x + a + self.ff(self.norm2(a))
''',
    },
    "SequenceEncoder": {
        "forgets the positional encodings": _ENCODER_INIT + '''
    def forward(self, tokens, mask=None):
        x = self.embed_scale * self.embed(tokens)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))
''',
        "forgets the final LayerNorm": _ENCODER_INIT + '''
    def forward(self, tokens, mask=None):
        L = tokens.shape[1]
        x = self.embed_scale * self.embed(tokens) + self.pe_scale * self.pe[:L]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(x)
''',
        "ignores embed_scale and pe_scale": _ENCODER_INIT + '''
    def forward(self, tokens, mask=None):
        L = tokens.shape[1]
        x = self.embed(tokens) + self.pe[:L]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))
''',
        "does not pass the mask to the blocks": _ENCODER_INIT + '''
    def forward(self, tokens, mask=None):
        L = tokens.shape[1]
        x = self.embed_scale * self.embed(tokens) + self.pe_scale * self.pe[:L]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))
''',
        "runs only the last block": _ENCODER_INIT + '''
    def forward(self, tokens, mask=None):
        L = tokens.shape[1]
        x = self.embed_scale * self.embed(tokens) + self.pe_scale * self.pe[:L]
        x = self.blocks[-1](x, mask)
        return self.head(self.norm(x))
''',
    },
    "CharGPT": {
        "no causal mask: every position reads the future": _GPT_INIT + '''
    def forward(self, tokens):
        return super().forward(tokens)
''',
        "transposed mask: looks ahead instead of back": _GPT_INIT + '''
    def forward(self, tokens):
        mask = causal_mask(tokens.shape[1], device=tokens.device)
        return super().forward(tokens, mask.T)
''',
        "a mask for the full block_size (fails for T < block_size)": _GPT_INIT + '''
    def forward(self, tokens):
        mask = causal_mask(self.block_size, device=tokens.device)
        return super().forward(tokens, mask)
''',
        "uses the padding mask of a full window instead of the causal mask": _GPT_INIT + '''
    def forward(self, tokens):
        B, T = tokens.shape
        mask = padding_mask(torch.full((B,), T, device=tokens.device), T)
        return super().forward(tokens, mask[:, None, :])
''',
    },
    "generate": {
        "multiplies the logits by the temperature": '''
@torch.no_grad()
def generate(model, prompt, num_new, block_size, temperature=1.0, generator=None):
    ids = prompt.clone()
    for _ in range(num_new):
        logits = model(ids[-block_size:][None])[0, -1]
        if temperature == 0:
            next_id = logits.argmax()[None]
        else:
            next_id = torch.multinomial(torch.softmax(logits * temperature, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, next_id])
    return ids
''',
        "does not crop the context to block_size": '''
@torch.no_grad()
def generate(model, prompt, num_new, block_size, temperature=1.0, generator=None):
    ids = prompt.clone()
    for _ in range(num_new):
        logits = model(ids[None])[0, -1]
        if temperature == 0:
            next_id = logits.argmax()[None]
        else:
            next_id = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, next_id])
    return ids
''',
        "samples from the first position's logits instead of the last": '''
@torch.no_grad()
def generate(model, prompt, num_new, block_size, temperature=1.0, generator=None):
    ids = prompt.clone()
    for _ in range(num_new):
        logits = model(ids[-block_size:][None])[0, 0]
        if temperature == 0:
            next_id = logits.argmax()[None]
        else:
            next_id = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, next_id])
    return ids
''',
        "always greedy: ignores the temperature": '''
@torch.no_grad()
def generate(model, prompt, num_new, block_size, temperature=1.0, generator=None):
    ids = prompt.clone()
    for _ in range(num_new):
        logits = model(ids[-block_size:][None])[0, -1]
        ids = torch.cat([ids, logits.argmax()[None]])
    return ids
''',
        "returns only the new tokens, without the prompt": '''
@torch.no_grad()
def generate(model, prompt, num_new, block_size, temperature=1.0, generator=None):
    ids = prompt.clone()
    for _ in range(num_new):
        logits = model(ids[-block_size:][None])[0, -1]
        if temperature == 0:
            next_id = logits.argmax()[None]
        else:
            next_id = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, next_id])
    return ids[len(prompt):]
''',
    },
}
