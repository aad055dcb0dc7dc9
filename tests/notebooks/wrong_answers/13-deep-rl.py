"""Plausible wrong answers for week 13 (deep reinforcement learning), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/13-deep-rl/13-deep-rl.ipynb``. Each must lose points on that
exercise's test cells.
"""

_BUFFER_HEAD = '''
class ReplayBuffer:
    def __init__(self, capacity, obs_dim):
        self.capacity = capacity
        self.obs = torch.zeros(capacity, obs_dim)
        self.actions = torch.zeros(capacity, dtype=torch.int64)
        self.rewards = torch.zeros(capacity)
        self.next_obs = torch.zeros(capacity, obs_dim)
        self.terminated = torch.zeros(capacity, dtype=torch.bool)
        self.truncated = torch.zeros(capacity, dtype=torch.bool)
        self.position = 0
        self.size = 0

    def __len__(self):
        return self.size
'''

_BUFFER_PUSH = '''
    def push(self, obs, action, reward, next_obs, terminated, truncated):
        i = self.position
        self.obs[i] = torch.as_tensor(obs, dtype=torch.float32)
        self.actions[i] = int(action)
        self.rewards[i] = float(reward)
        self.next_obs[i] = torch.as_tensor(next_obs, dtype=torch.float32)
        self.terminated[i] = bool(terminated)
        self.truncated[i] = bool(truncated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)
'''

_BUFFER_SAMPLE = '''
    def sample(self, batch_size, generator):
        idx = torch.randint(self.size, (batch_size,), generator=generator)
        return (self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                self.terminated[idx], self.truncated[idx])
'''

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "discounted_returns": {
        "discounts from the start of the episode (gamma**k instead of gamma**(k - t))": '''
def discounted_returns(rewards, gamma):
    k = torch.arange(rewards.shape[0], dtype=rewards.dtype, device=rewards.device)
    return (rewards * gamma ** k).flip(0).cumsum(0).flip(0)
''',
        "accumulates forwards: the return of the rewards up to t": '''
def discounted_returns(rewards, gamma):
    returns = torch.zeros_like(rewards)
    running = 0.0
    for t in range(rewards.shape[0]):
        running = gamma * running + rewards[t]
        returns[t] = running
    return returns
''',
        "off by one: G_t leaves out r_t (writes before adding)": '''
def discounted_returns(rewards, gamma):
    returns = torch.zeros_like(rewards)
    running = 0.0
    for t in reversed(range(rewards.shape[0])):
        returns[t] = running
        running = rewards[t] + gamma * running
    return returns
''',
        "builds a new tensor from a list: always float32 on the CPU": '''
def discounted_returns(rewards, gamma):
    out, running = [], 0.0
    for r in reversed(rewards.tolist()):
        running = r + gamma * running
        out.append(running)
    return torch.tensor(out[::-1], dtype=torch.float32)
''',
    },
    "bellman_q": {
        "ignores the terminal mask (bootstraps from V at terminal states)": '''
def bellman_q(T, R, V, terminal, gamma):
    return (T * (R + gamma * V)).sum(dim=-1)
''',
        "adds the rewards of all next states without weighting them by T": '''
def bellman_q(T, R, V, terminal, gamma):
    future = torch.where(terminal, torch.zeros_like(V), V)
    return R.sum(dim=-1) + gamma * (T * future).sum(dim=-1)
''',
        "returns the state values max_a Q instead of Q": '''
def bellman_q(T, R, V, terminal, gamma):
    future = torch.where(terminal, torch.zeros_like(V), V)
    return (T * (R + gamma * future)).sum(dim=-1).max(dim=1).values
''',
        "discounts the immediate reward too": '''
def bellman_q(T, R, V, terminal, gamma):
    future = torch.where(terminal, torch.zeros_like(V), V)
    return (T * gamma * (R + future)).sum(dim=-1)
''',
    },
    "linear_epsilon": {
        "no floor: keeps decreasing after decay_steps": '''
def linear_epsilon(step, start, end, decay_steps):
    return float(start + step / decay_steps * (end - start))
''',
        "exponential instead of linear decay": '''
def linear_epsilon(step, start, end, decay_steps):
    return float(start * (end / start) ** min(step / decay_steps, 1.0))
''',
        "the max(end, ...) shortcut: wrong for a rising schedule": '''
def linear_epsilon(step, start, end, decay_steps):
    return float(max(end, start - (start - end) * step / decay_steps))
''',
        "returns a 0-d tensor instead of a float": '''
def linear_epsilon(step, start, end, decay_steps):
    return torch.tensor(start + min(step / decay_steps, 1.0) * (end - start))
''',
    },
    "q_learning_update": {
        "no terminal masking: bootstraps from a terminal next state": '''
def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    delta = r + gamma * Q[s_next].max().item() - Q[s, a].item()
    Q[s, a] += alpha * delta
    return float(delta)
''',
        "SARSA-like: bootstraps from Q[s_next, a] instead of the max": '''
def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else gamma * Q[s_next, a].item()
    delta = r + future - Q[s, a].item()
    Q[s, a] += alpha * delta
    return float(delta)
''',
        "returns the target instead of the TD error": '''
def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    target = r + (0.0 if terminated else gamma * Q[s_next].max().item())
    Q[s, a] += alpha * (target - Q[s, a].item())
    return float(target)
''',
        "updates a copy of the table (not in place)": '''
def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    Q = Q.clone()
    future = 0.0 if terminated else gamma * Q[s_next].max().item()
    delta = r + future - Q[s, a].item()
    Q[s, a] += alpha * delta
    return float(delta)
''',
    },
    "policy_gradient_loss": {
        "wrong sign: minimising the return": '''
def policy_gradient_loss(log_probs, returns, baseline=None, normalize=False):
    adv = returns.detach() if baseline is None else returns.detach() - baseline.detach()
    if normalize:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    return (log_probs * adv).mean()
''',
        "baseline not detached: the policy loss trains the value network": '''
def policy_gradient_loss(log_probs, returns, baseline=None, normalize=False):
    adv = returns if baseline is None else returns - baseline
    if normalize:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    return -(log_probs * adv).mean()
''',
        "sums over the steps instead of averaging": '''
def policy_gradient_loss(log_probs, returns, baseline=None, normalize=False):
    adv = returns.detach() if baseline is None else returns.detach() - baseline.detach()
    if normalize:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    return -(log_probs * adv).sum()
''',
        "normalises the returns, then subtracts the baseline": '''
def policy_gradient_loss(log_probs, returns, baseline=None, normalize=False):
    adv = returns.detach()
    if normalize:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    if baseline is not None:
        adv = adv - baseline.detach()
    return -(log_probs * adv).mean()
''',
    },
    "ReplayBuffer": {
        "the write position never wraps around: no overwriting when full": _BUFFER_HEAD + '''
    def push(self, obs, action, reward, next_obs, terminated, truncated):
        i = self.position
        self.obs[i] = torch.as_tensor(obs, dtype=torch.float32)
        self.actions[i] = int(action)
        self.rewards[i] = float(reward)
        self.next_obs[i] = torch.as_tensor(next_obs, dtype=torch.float32)
        self.terminated[i] = bool(terminated)
        self.truncated[i] = bool(truncated)
        self.position = i + 1
        self.size = min(self.size + 1, self.capacity)
''' + _BUFFER_SAMPLE,
        "samples from the whole capacity, including empty slots": _BUFFER_HEAD + _BUFFER_PUSH + '''
    def sample(self, batch_size, generator):
        idx = torch.randint(self.capacity, (batch_size,), generator=generator)
        return (self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                self.terminated[idx], self.truncated[idx])
''',
        "ignores the generator: uses torch's global random numbers": _BUFFER_HEAD + _BUFFER_PUSH + '''
    def sample(self, batch_size, generator):
        idx = torch.randint(self.size, (batch_size,))
        return (self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                self.terminated[idx], self.truncated[idx])
''',
        "stores the actions as floats": _BUFFER_HEAD.replace(
            "self.actions = torch.zeros(capacity, dtype=torch.int64)", "self.actions = torch.zeros(capacity)"
        ) + _BUFFER_PUSH + _BUFFER_SAMPLE,
        "a list that keeps growing, sampled with its own index per field": '''
class ReplayBuffer:
    def __init__(self, capacity, obs_dim):
        self.capacity = capacity
        self.data = []

    def push(self, obs, action, reward, next_obs, terminated, truncated):
        self.data.append((obs, action, reward, next_obs, terminated, truncated))

    def __len__(self):
        return len(self.data)

    def sample(self, batch_size, generator):
        fields = list(zip(*self.data))
        out = []
        for values, dtype in zip(fields, [torch.float32, torch.int64, torch.float32, torch.float32, torch.bool, torch.bool]):
            idx = torch.randint(len(self.data), (batch_size,), generator=generator)
            out.append(torch.as_tensor(np.array([values[i] for i in idx.tolist()]), dtype=dtype))
        return tuple(out)
''',
    },
    "td_targets": {
        "masks with terminated or truncated: a time limit treated as a terminal state": '''
def td_targets(rewards, next_q, terminated, truncated, gamma):
    done = terminated | truncated
    with torch.no_grad():
        return rewards + gamma * (~done).to(rewards.dtype) * next_q.max(dim=1).values
''',
        "no detach: the targets carry the target network's gradient": '''
def td_targets(rewards, next_q, terminated, truncated, gamma):
    return rewards + gamma * (~terminated).to(rewards.dtype) * next_q.max(dim=1).values
''',
        "the mean over next actions instead of the max": '''
def td_targets(rewards, next_q, terminated, truncated, gamma):
    with torch.no_grad():
        return rewards + gamma * (~terminated).to(rewards.dtype) * next_q.mean(dim=1)
''',
    },
}
