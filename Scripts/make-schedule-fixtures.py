#!/usr/bin/env python3
"""Writes Tests/Fixtures/training/schedules.json: the learning rate of every step under
transformers' schedulers (cosine, linear and constant, with warmup), as the Trainer builds them
(warmup steps = ceil(warmup_ratio · total steps)), for the LearningRateSchedule tests.

    python3 Scripts/make-schedule-fixtures.py
"""
import json
import math
import os

import torch
from transformers import get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "training", "schedules.json")


def rates(kind, peak, warmup_ratio, total):
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    warmup = math.ceil(warmup_ratio * total)
    make = {"cosine": lambda: get_cosine_schedule_with_warmup(optimizer, warmup, total),
            "linear": lambda: get_linear_schedule_with_warmup(optimizer, warmup, total),
            "constant": lambda: get_constant_schedule_with_warmup(optimizer, warmup)}[kind]
    scheduler = make()
    out = []
    for _ in range(total):
        out.append(optimizer.param_groups[0]["lr"])   # the rate the next optimizer step uses
        optimizer.step()
        scheduler.step()
    return out


def main():
    cases = []
    for kind in ["cosine", "linear", "constant"]:
        for warmup_ratio, total in [(0.1, 37), (0.0, 10), (0.25, 8)]:
            cases.append({"kind": kind, "peak": 5e-6, "warmup_ratio": warmup_ratio, "total": total,
                          "rates": rates(kind, 5e-6, warmup_ratio, total)})
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, indent=1)
    print(f"wrote {OUT}: {len(cases)} schedules")


if __name__ == "__main__":
    main()
