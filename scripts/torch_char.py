#!/usr/bin/env python3
"""PyTorch reference for rnnlab's character-level LSTM (configs/char-small.yaml, char-large.yaml): the
same network, data and schedule, as a measuring tool for characters/s and bits per character.

Matches rnnlab in the points that matter for the numbers:
  * data: PTB's word files read as characters, each line stripped of its outer spaces and closed by one
    end-of-line token (rnnlab's data.tokenizer chars, data.eos line); vocabulary = the training file's
    characters sorted by (-count, char), plus <unk> for characters the training file lacks.
  * batching as the TensorFlow PTB tutorial (and rnnlab's TokenWindows): batch_size contiguous rows,
    windows of num_steps, the LSTM state carried (detached) from window to window, zeroed each epoch.
  * embedding -> num_layers LSTM -> linear; dropout (1 - keep_prob) on the embedding output, between LSTM
    layers and on the top output; every weight uniform(-init_scale, init_scale).
  * cost = cross entropy summed over the window's time steps and averaged over the batch (DL4J's and the
    tutorial's scale), gradients clipped by global norm max_grad_norm, Adam.
  * lr = learning_rate * lr_decay ** max(epoch - max_epoch, 0) for 1-based epochs.
  * bits per character = mean cross entropy (nats) / ln 2 over every prediction of the split, state
    carried (rnnlab's `eval --split test` with batch 1).

Usage:  torch_char.py --data datasets/ptb --config small [--bench-steps N] [--max-epochs E] [--threads T]
With --bench-steps it trains N windows after 5 of warm-up and prints one BENCH line (characters/s), like
../shared/reference/torch_ptb.py, so scripts/bench-train.sh-style loops can read it.
"""
import argparse
import collections
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "small": dict(layers=2, hidden=256, embedding=64, keep_prob=1.0, init_scale=0.08, batch_size=32,
                  num_steps=100, epochs=3, learning_rate=0.002, max_epoch=2, lr_decay=0.5, max_grad_norm=5),
    "large": dict(layers=3, hidden=512, embedding=64, keep_prob=0.9, init_scale=0.05, batch_size=32,
                  num_steps=100, epochs=6, learning_rate=0.002, max_epoch=3, lr_decay=0.5, max_grad_norm=5),
}
EOS, UNK = "<eos>", "<unk>"


def read_chars(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            out.extend(line.strip())
            out.append(EOS)
    return out


def load(data_dir):
    train = read_chars(os.path.join(data_dir, "ptb.train.txt"))
    counts = collections.Counter(train)
    vocab = [UNK] + [c for c, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    ids = {c: i for i, c in enumerate(vocab)}
    splits = [train, read_chars(os.path.join(data_dir, "ptb.valid.txt")),
              read_chars(os.path.join(data_dir, "ptb.test.txt"))]
    return [torch.tensor([ids.get(c, 0) for c in s], dtype=torch.long) for s in splits], len(vocab)


def batchify(data, batch_size):
    n = data.numel() // batch_size
    return data[: batch_size * n].view(batch_size, n)


class CharLM(nn.Module):
    def __init__(self, vocab, cfg):
        super().__init__()
        p = 1.0 - cfg["keep_prob"]
        self.embedding = nn.Embedding(vocab, cfg["embedding"])
        self.drop = nn.Dropout(p)
        self.lstm = nn.LSTM(cfg["embedding"], cfg["hidden"], cfg["layers"],
                            dropout=p if cfg["layers"] > 1 else 0.0, batch_first=True)
        self.decoder = nn.Linear(cfg["hidden"], vocab)
        self.layers, self.hidden = cfg["layers"], cfg["hidden"]
        for w in self.parameters():
            nn.init.uniform_(w, -cfg["init_scale"], cfg["init_scale"])

    def init_state(self, batch):
        z = torch.zeros(self.layers, batch, self.hidden)
        return z, z.clone()

    def forward(self, x, state):
        out, state = self.lstm(self.drop(self.embedding(x)), state)
        return self.decoder(self.drop(out)), state


def train_window(model, opt, x, y, state, clip):
    state = tuple(h.detach() for h in state)
    logits, state = model(x, state)
    cost = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)) * x.size(1)
    opt.zero_grad()
    cost.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return cost.item() / x.size(1), state


def evaluate(model, data, window=1000):
    """Mean cross entropy (nats) over every prediction of one stream (batch 1, state carried)."""
    model.eval()
    stream = data.view(1, -1)
    state = model.init_state(1)
    total, n = 0.0, 0
    with torch.no_grad():
        for s in range(0, stream.size(1) - 1, window):
            k = min(window, stream.size(1) - 1 - s)
            logits, state = model(stream[:, s:s + k], state)
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), stream[:, s + 1:s + 1 + k].reshape(-1),
                                     reduction="sum").item()
            n += k
    return total / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="datasets/ptb", help="folder with ptb.{train,valid,test}.txt")
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--max-epochs", type=int, default=None)
    ap.add_argument("--bench-steps", type=int, default=0, help="only measure: N windows after 5 of warm-up")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = CONFIGS[args.config]
    (train, valid, test), vocab = load(args.data)
    print("torch %s | threads %d | config %s %s | chars: train %d valid %d test %d | vocabulary %d"
          % (torch.__version__, torch.get_num_threads(), args.config, cfg, train.numel(), valid.numel(),
             test.numel(), vocab), flush=True)
    model = CharLM(vocab, cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"])
    bs, ns = cfg["batch_size"], cfg["num_steps"]
    data = batchify(train, bs)
    windows = (data.size(1) - 1) // ns
    if args.bench_steps:
        model.train()
        state = model.init_state(bs)
        for i in range(5 + args.bench_steps):
            if i == 5:
                t0, c0 = time.time(), time.process_time()
            s = (i % windows) * ns
            _, state = train_window(model, opt, data[:, s:s + ns], data[:, s + 1:s + 1 + ns], state,
                                    cfg["max_grad_norm"])
        secs, cpu = time.time() - t0, time.process_time() - c0
        chars = args.bench_steps * ns * bs
        print("BENCH words=%d seconds=%.2f words/sec=%.0f cpu-seconds=%.2f words/cpu-sec=%.0f threads=%d"
              % (chars, secs, chars / secs, cpu, chars / cpu, torch.get_num_threads()), flush=True)
        return
    epochs = cfg["epochs"] if args.max_epochs is None else min(cfg["epochs"], args.max_epochs)
    start = time.time()
    for epoch in range(1, epochs + 1):
        lr = cfg["learning_rate"] * cfg["lr_decay"] ** max(epoch - cfg["max_epoch"], 0)
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        state = model.init_state(bs)
        total, t0 = 0.0, time.time()
        for k in range(windows):
            s = k * ns
            cost, state = train_window(model, opt, data[:, s:s + ns], data[:, s + 1:s + 1 + ns], state,
                                       cfg["max_grad_norm"])
            total += cost
        secs = time.time() - t0
        valid_bpc = evaluate(model, valid) / math.log(2)
        print("epoch %d | lr %.5f | train bpc %.4f | valid bpc %.4f | %.0f chars/s | %.1f s"
              % (epoch, lr, total / windows / math.log(2), valid_bpc, windows * ns * bs / secs, secs),
              flush=True)
    print("test bpc %.4f | total %.1f s" % (evaluate(model, test) / math.log(2), time.time() - start), flush=True)


if __name__ == "__main__":
    main()
