"""Plausible wrong answers for week 02 (machine-learning basics), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/02-ml-basics/02-ml-basics.ipynb``. A submission whose solution cell is
replaced by one of them must lose points on that exercise's test cells (the cells whose grade_id
starts with ``test_<grade_id>``). Each one is a mistake students make.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "empirical_risk": {
        "0-1 risk computed as the accuracy instead of the error rate": '''
def empirical_risk(outputs, targets, loss):
    if loss == "squared":
        return ((outputs - targets) ** 2).mean()
    if loss == "zero_one":
        return (outputs.argmax(dim=1) == targets).to(outputs.dtype).mean()
    if loss == "cross_entropy":
        logp = torch.log_softmax(outputs, dim=1)
        return -logp[torch.arange(outputs.shape[0]), targets].mean()
    raise ValueError(loss)
''',
        "cross-entropy as log(softmax): inf for large logits": '''
def empirical_risk(outputs, targets, loss):
    if loss == "squared":
        return ((outputs - targets) ** 2).mean()
    if loss == "zero_one":
        return (outputs.argmax(dim=1) != targets).float().mean()
    if loss == "cross_entropy":
        p = torch.exp(outputs) / torch.exp(outputs).sum(dim=1, keepdim=True)
        return -torch.log(p[torch.arange(outputs.shape[0]), targets]).mean()
    raise ValueError(loss)
''',
        "squared loss summed instead of averaged": '''
def empirical_risk(outputs, targets, loss):
    if loss == "squared":
        return ((outputs - targets) ** 2).sum()
    if loss == "zero_one":
        return (outputs.argmax(dim=1) != targets).float().mean()
    if loss == "cross_entropy":
        return F.cross_entropy(outputs, targets)
    raise ValueError(loss)
''',
        "returns None for an unknown loss instead of raising": '''
def empirical_risk(outputs, targets, loss):
    if loss == "squared":
        return ((outputs - targets) ** 2).mean()
    if loss == "zero_one":
        return (outputs.argmax(dim=1) != targets).float().mean()
    if loss == "cross_entropy":
        return F.cross_entropy(outputs, targets)
''',
    },
    "polynomial_features": {
        "forgets the bias column x**0": '''
def polynomial_features(x, degree):
    return torch.stack([x ** j for j in range(1, degree + 1)], dim=1)
''',
        "decreasing powers (torch.vander's default order)": '''
def polynomial_features(x, degree):
    return torch.vander(x, N=degree + 1)
''',
        "off by one: stops at x**(degree - 1)": '''
def polynomial_features(x, degree):
    return torch.stack([x ** j for j in range(degree)], dim=1)
''',
    },
    "least_squares_fit": {
        "forgets Phi^T on the right-hand side": '''
def least_squares_fit(Phi, y):
    return torch.linalg.solve(Phi.T @ Phi, y)
''',
        "returns a column vector [P, 1]": '''
def least_squares_fit(Phi, y):
    return torch.linalg.solve(Phi.T @ Phi, Phi.T @ y[:, None])
''',
        "uses the shortcut torch.linalg.lstsq": '''
def least_squares_fit(Phi, y):
    return torch.linalg.lstsq(Phi, y[:, None]).solution[:, 0]
''',
        "solves in float32 whatever the input dtype": '''
def least_squares_fit(Phi, y):
    Phi, y = Phi.float(), y.float()
    return torch.linalg.solve(Phi.T @ Phi, Phi.T @ y)
''',
    },
    "gradient_descent_least_squares": {
        "drops the factor 2 of the gradient": '''
def gradient_descent_least_squares(Phi, y, lr, steps):
    n = Phi.shape[0]
    w = torch.zeros(Phi.shape[1], dtype=Phi.dtype)
    losses = []
    for _ in range(steps):
        r = Phi @ w - y
        losses.append((r ** 2).mean())
        w = w - lr / n * (Phi.T @ r)
    return w, torch.stack(losses)
''',
        "records the loss after the update instead of before": '''
def gradient_descent_least_squares(Phi, y, lr, steps):
    n = Phi.shape[0]
    w = torch.zeros(Phi.shape[1], dtype=Phi.dtype)
    losses = []
    for _ in range(steps):
        w = w - lr * 2.0 / n * (Phi.T @ (Phi @ w - y))
        losses.append(((Phi @ w - y) ** 2).mean())
    return w, torch.stack(losses)
''',
        "gradient of the sum, not the mean (no 1/N)": '''
def gradient_descent_least_squares(Phi, y, lr, steps):
    w = torch.zeros(Phi.shape[1], dtype=Phi.dtype)
    losses = []
    for _ in range(steps):
        r = Phi @ w - y
        losses.append((r ** 2).mean())
        w = w - lr * 2.0 * (Phi.T @ r)
    return w, torch.stack(losses)
''',
        "steps uphill (wrong sign)": '''
def gradient_descent_least_squares(Phi, y, lr, steps):
    n = Phi.shape[0]
    w = torch.zeros(Phi.shape[1], dtype=Phi.dtype)
    losses = []
    for _ in range(steps):
        r = Phi @ w - y
        losses.append((r ** 2).mean())
        w = w + lr * 2.0 / n * (Phi.T @ r)
    return w, torch.stack(losses)
''',
    },
    "ridge_fit": {
        "adds lam instead of N * lam to the diagonal": '''
def ridge_fit(Phi, y, lam):
    p = Phi.shape[1]
    return torch.linalg.solve(Phi.T @ Phi + lam * torch.eye(p, dtype=Phi.dtype), Phi.T @ y)
''',
        "adds lam to every entry instead of the diagonal": '''
def ridge_fit(Phi, y, lam):
    n = Phi.shape[0]
    return torch.linalg.solve(Phi.T @ Phi + n * lam, Phi.T @ y)
''',
        "leaves the bias unpenalised, against the docstring": '''
def ridge_fit(Phi, y, lam):
    n, p = Phi.shape
    penalty = torch.eye(p, dtype=Phi.dtype)
    penalty[0, 0] = 0.0
    return torch.linalg.solve(Phi.T @ Phi + n * lam * penalty, Phi.T @ y)
''',
    },
    "k_fold_splits": {
        "drops the remainder: every fold has n // k points": '''
def k_fold_splits(n, k):
    size = n // k
    idx = torch.arange(n)
    out = []
    for j in range(k):
        val = idx[j * size:(j + 1) * size]
        train = torch.cat([idx[:j * size], idx[(j + 1) * size:]])
        out.append((train, val))
    return out
''',
        "puts the whole remainder into the last fold": '''
def k_fold_splits(n, k):
    size = n // k
    idx = torch.arange(n)
    out = []
    for j in range(k):
        stop = n if j == k - 1 else (j + 1) * size
        val = idx[j * size:stop]
        train = torch.cat([idx[:j * size], idx[stop:]])
        out.append((train, val))
    return out
''',
        "training indices include the validation fold": '''
def k_fold_splits(n, k):
    idx = torch.arange(n)
    return [(idx, val) for val in idx.tensor_split(k)]
''',
    },
    "cross_validation_mse": {
        "scores each fold's fit on its own training points": '''
def cross_validation_mse(Phi, y, lam, k):
    errors = []
    for train_idx, val_idx in k_fold_splits(Phi.shape[0], k):
        w = ridge_fit(Phi[train_idx], y[train_idx], lam)
        errors.append(((Phi[train_idx] @ w - y[train_idx]) ** 2).mean())
    return torch.stack(errors).mean()
''',
        "fits once on all points, then scores the folds (leakage)": '''
def cross_validation_mse(Phi, y, lam, k):
    w = ridge_fit(Phi, y, lam)
    errors = [((Phi[val_idx] @ w - y[val_idx]) ** 2).mean() for _, val_idx in k_fold_splits(Phi.shape[0], k)]
    return torch.stack(errors).mean()
''',
        "sums the fold errors instead of averaging them": '''
def cross_validation_mse(Phi, y, lam, k):
    total = 0.0
    for train_idx, val_idx in k_fold_splits(Phi.shape[0], k):
        w = ridge_fit(Phi[train_idx], y[train_idx], lam)
        total = total + ((Phi[val_idx] @ w - y[val_idx]) ** 2).mean()
    return total
''',
    },
    "knn_predict": {
        "topk without largest=False: takes the FARTHEST points": '''
def knn_predict(X_train, y_train, X_query, k):
    d = torch.cdist(X_query, X_train)
    idx = d.topk(k, dim=1).indices
    votes = F.one_hot(y_train[idx], int(y_train.max()) + 1).sum(dim=1)
    return votes.argmax(dim=1)
''',
        "ignores k: always the single nearest neighbour": '''
def knn_predict(X_train, y_train, X_query, k):
    d = torch.cdist(X_query, X_train)
    return y_train[d.argmin(dim=1)]
''',
        "breaks vote ties towards the larger label": '''
def knn_predict(X_train, y_train, X_query, k):
    d = torch.cdist(X_query, X_train)
    idx = d.topk(k, dim=1, largest=False).indices
    votes = F.one_hot(y_train[idx], int(y_train.max()) + 1).sum(dim=1)
    return votes.size(1) - 1 - votes.flip(1).argmax(dim=1)
''',
        "averages the neighbours' labels and rounds": '''
def knn_predict(X_train, y_train, X_query, k):
    d = torch.cdist(X_query, X_train)
    idx = d.topk(k, dim=1, largest=False).indices
    return y_train[idx].float().mean(dim=1).round().long()
''',
    },
    "shuffle_labels": {
        "draws new uniform random labels instead of permuting": '''
def shuffle_labels(y, generator=None):
    return torch.randint(0, int(y.max()) + 1, y.shape, generator=generator)
''',
        "ignores the generator (not reproducible)": '''
def shuffle_labels(y, generator=None):
    return y[torch.randperm(len(y))]
''',
        "shuffles y in place": '''
def shuffle_labels(y, generator=None):
    y[:] = y[torch.randperm(len(y), generator=generator)]
    return y
''',
    },
}
