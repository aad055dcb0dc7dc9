"""Plausible wrong answers for week 12 (word and text embeddings), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/12-embeddings/12-embeddings.ipynb``. Each must lose points on that
exercise's test cells.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "build_vocab": {
        "keeps only words seen MORE than min_count times (> instead of >=)": '''
def build_vocab(corpus, min_count=5):
    counter = Counter(t for doc in corpus for t in doc)
    kept = sorted(((w, c) for w, c in counter.items() if c > min_count), key=lambda wc: (-wc[1], wc[0]))
    return [w for w, _ in kept], torch.tensor([c for _, c in kept], dtype=torch.int64)
''',
        "Counter.most_common: ties in order of first appearance, not alphabetical": '''
def build_vocab(corpus, min_count=5):
    counter = Counter(t for doc in corpus for t in doc)
    kept = [(w, c) for w, c in counter.most_common() if c >= min_count]
    return [w for w, _ in kept], torch.tensor([c for _, c in kept], dtype=torch.int64)
''',
        "counts each word once per document (document frequency)": '''
def build_vocab(corpus, min_count=5):
    counter = Counter(t for doc in corpus for t in set(doc))
    kept = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    return [w for w, _ in kept], torch.tensor([c for _, c in kept], dtype=torch.int64)
''',
    },
    "keep_probability": {
        "uses the raw counts instead of relative frequencies": '''
def keep_probability(counts, t=1e-3):
    return torch.sqrt(t / counts.double()).clamp(max=1.0).float()
''',
        "forgets the square root": '''
def keep_probability(counts, t=1e-3):
    f = counts.double() / counts.sum()
    return (t / f).clamp(max=1.0).float()
''',
        "returns the discard probability 1 - sqrt(t / f)": '''
def keep_probability(counts, t=1e-3):
    f = counts.double() / counts.sum()
    return (1 - torch.sqrt(t / f)).clamp(min=0.0).float()
''',
    },
    "noise_distribution": {
        "normalises first, then raises to the power (no longer sums to 1)": '''
def noise_distribution(counts, power=0.75):
    return ((counts.double() / counts.sum()) ** power).float()
''',
        "ignores the power argument (always 0.75)": '''
def noise_distribution(counts, power=0.75):
    w = counts.double() ** 0.75
    return (w / w.sum()).float()
''',
    },
    "skipgram_pairs": {
        "window off by one: offsets 1 .. window - 1": '''
def skipgram_pairs(ids, window):
    centres, contexts = [ids.new_empty(0)], [ids.new_empty(0)]
    for d in range(1, min(window, ids.shape[0])):
        centres += [ids[:-d], ids[d:]]
        contexts += [ids[d:], ids[:-d]]
    return torch.cat(centres), torch.cat(contexts)
''',
        "only the right-hand context (each pair in one direction)": '''
def skipgram_pairs(ids, window):
    centres, contexts = [ids.new_empty(0)], [ids.new_empty(0)]
    for d in range(1, min(window, ids.shape[0] - 1) + 1):
        centres.append(ids[:-d])
        contexts.append(ids[d:])
    return torch.cat(centres), torch.cat(contexts)
''',
        "includes the centre word as its own context (offset 0)": '''
def skipgram_pairs(ids, window):
    n = ids.shape[0]
    i = torch.arange(n)
    diff = (i[:, None] - i[None, :]).abs()
    ci, oi = torch.nonzero(diff <= window, as_tuple=True)
    return ids[ci], ids[oi]
''',
    },
    "sgns_loss": {
        "wrong sign for the negatives: log sigmoid(+u_n . v_c)": '''
def sgns_loss(centre, context, negatives):
    pos = (centre * context).sum(-1)
    neg = torch.bmm(negatives, centre.unsqueeze(-1)).squeeze(-1)
    return -(F.logsigmoid(pos) + F.logsigmoid(neg).sum(-1)).mean()
''',
        "averages over the negatives instead of summing": '''
def sgns_loss(centre, context, negatives):
    pos = (centre * context).sum(-1)
    neg = torch.bmm(negatives, centre.unsqueeze(-1)).squeeze(-1)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).mean(-1)).mean()
''',
        "log(sigmoid(.)): -inf for large scores": '''
def sgns_loss(centre, context, negatives):
    pos = (centre * context).sum(-1)
    neg = torch.bmm(negatives, centre.unsqueeze(-1)).squeeze(-1)
    return -(torch.log(torch.sigmoid(pos)) + torch.log(torch.sigmoid(-neg)).sum(-1)).mean()
''',
        "sums over the batch instead of averaging": '''
def sgns_loss(centre, context, negatives):
    pos = (centre * context).sum(-1)
    neg = torch.bmm(negatives, centre.unsqueeze(-1)).squeeze(-1)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).sum()
''',
    },
    "cosine_top_k": {
        "dot product without normalising (length matters)": '''
def cosine_top_k(queries, table, k, exclude=None):
    sims = queries @ table.T
    if exclude is not None:
        sims = sims.scatter(1, exclude, float("-inf"))
    return sims.topk(k, dim=1)
''',
        "normalises the columns instead of the rows": '''
def cosine_top_k(queries, table, k, exclude=None):
    sims = F.normalize(queries, dim=0) @ F.normalize(table, dim=0).T
    if exclude is not None:
        sims = sims.scatter(1, exclude, float("-inf"))
    return sims.topk(k, dim=1)
''',
        "ignores the excluded rows": '''
def cosine_top_k(queries, table, k, exclude=None):
    sims = F.normalize(queries, dim=1) @ F.normalize(table, dim=1).T
    return sims.topk(k, dim=1)
''',
    },
    "scalar_mix": {
        "uses the raw weights without a softmax": '''
def scalar_mix(layers, weights, gamma=1.0):
    return gamma * (weights.view(-1, *([1] * (layers.dim() - 1))) * layers).sum(0)
''',
        "forgets gamma": '''
def scalar_mix(layers, weights, gamma=1.0):
    p = torch.softmax(weights, dim=0).view(-1, *([1] * (layers.dim() - 1)))
    return (p * layers).sum(0)
''',
        "normalises by the sum of the weights instead of a softmax": '''
def scalar_mix(layers, weights, gamma=1.0):
    p = (weights / weights.sum()).view(-1, *([1] * (layers.dim() - 1)))
    return gamma * (p * layers).sum(0)
''',
    },
    "mask_tokens": {
        "labels keep the original id everywhere (loss on every token)": '''
def mask_tokens(ids, special, mask_id, vocab_size, p=0.15, generator=None):
    selected = (torch.rand(ids.shape, generator=generator) < p) & ~special
    r = torch.rand(ids.shape, generator=generator)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator)
    inputs = torch.where(selected & (r < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(selected & (r >= 0.8) & (r < 0.9), random_ids, inputs)
    return inputs, ids.clone()
''',
        "replaces every selected token by [MASK] (no 10% random, no 10% unchanged)": '''
def mask_tokens(ids, special, mask_id, vocab_size, p=0.15, generator=None):
    selected = (torch.rand(ids.shape, generator=generator) < p) & ~special
    inputs = torch.where(selected, torch.full_like(ids, mask_id), ids)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    return inputs, labels
''',
        "draws the random 10% from all tokens, not from the selected ones not masked": '''
def mask_tokens(ids, special, mask_id, vocab_size, p=0.15, generator=None):
    selected = (torch.rand(ids.shape, generator=generator) < p) & ~special
    masked = selected & (torch.rand(ids.shape, generator=generator) < 0.8)
    randomised = selected & ~masked & (torch.rand(ids.shape, generator=generator) < 0.1)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator)
    inputs = torch.where(masked, torch.full_like(ids, mask_id), ids)
    inputs = torch.where(randomised, random_ids, inputs)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    return inputs, labels
''',
        "may select special tokens": '''
def mask_tokens(ids, special, mask_id, vocab_size, p=0.15, generator=None):
    selected = torch.rand(ids.shape, generator=generator) < p
    r = torch.rand(ids.shape, generator=generator)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator)
    inputs = torch.where(selected & (r < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(selected & (r >= 0.8) & (r < 0.9), random_ids, inputs)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    return inputs, labels
''',
        "changes ids in place": '''
def mask_tokens(ids, special, mask_id, vocab_size, p=0.15, generator=None):
    selected = (torch.rand(ids.shape, generator=generator) < p) & ~special
    labels = torch.where(selected, ids, torch.full_like(ids, -100))
    r = torch.rand(ids.shape, generator=generator)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator)
    ids[selected & (r < 0.8)] = mask_id
    ids[selected & (r >= 0.8) & (r < 0.9)] = random_ids[selected & (r >= 0.8) & (r < 0.9)]
    return ids, labels
''',
    },
    "mean_pool": {
        "plain mean over all positions, padding included": '''
def mean_pool(hidden, attention_mask):
    return hidden.mean(dim=1)
''',
        "masks the padding but divides by the full length T": '''
def mean_pool(hidden, attention_mask):
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / hidden.shape[1]
''',
        "no clamp: NaN for a row without real tokens": '''
def mean_pool(hidden, attention_mask):
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / m.sum(dim=1)
''',
    },
}
