"""How the safety layer generalises to wording it was not tuned on, estimated from dev data only:
`.venv/bin/python benchmarks/safety_generalisation.py` (~2 min; `--no-written`: leave the written
training text out, to see what it adds).

Leave-one-corpus-out (LOCO) over tests/safety/corpus_dev*.tsv: for each corpus, the learned layer
(aptichat/safety/learned.py) is trained on every other corpus plus the written training text and
scores the left-out one. Printed per left-out corpus: distress recall, over-trigger on its `none`
messages and abuse recall for
- rules: today's rules (tuned on EVERY dev corpus, so 1.0 here says nothing about new wording; the
  honest figure for them is the first measurement in tests/safety/README.md and the blind v2 result);
- rules + exemplars: the same, with the exemplar layer (its banks were also extended after dev misses);
- model: the learned layer alone, LOCO (the honest column: it never saw the corpus it is scored on);
- rules + exemplars + model: what assess() does with the local embedder, at the shipped thresholds
  (chosen by this LOCO: pooled over-trigger <= 0.03).

A second table is the honest estimate for the layers together: the rules and exemplars frozen at
commit 16bb2ea (before corpus_dev5..8 were tuned on: dev5 was then the v1 blind corpus, dev6-8 did not
exist), read from git into a scratch folder and run in a subprocess, alone and OR-ed with the LOCO model
on dev5..dev8 (`--frozen-at`, `--no-frozen` to skip). The held-out corpora in tests/safety_holdout are
never read.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aptichat.safety import training

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]


FROZEN_AT = "16bb2ea"
FRESH_FOR_FROZEN = ("corpus_dev5.tsv", "corpus_dev6.tsv", "corpus_dev7.tsv", "corpus_dev8.tsv")
# Run inside the old package: the rules alone and with the old exemplar layer, per message.
_FROZEN_SCRIPT = """
import json, sys
sys.path.insert(0, ".")
from aptichat.embeddings.local import LocalEmbedder
from aptichat.safety import assess
embedder = LocalEmbedder(threads=1)
messages = json.load(sys.stdin)
print(json.dumps([[assess(m).category.value, assess(m, embedder).category.value] for m in messages]))
"""


def frozen_verdicts(commit: str, messages: list[str]) -> list[tuple[str, str]]:
    """(rules, rules + exemplars) categories from the aptichat package as it was at `commit`."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", commit, "aptichat"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", scratch], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": scratch}
        done = subprocess.run(
            [sys.executable, "-c", _FROZEN_SCRIPT],
            cwd=scratch,
            input=json.dumps(messages),
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    return [(a, b) for a, b in json.loads(done.stdout.strip().splitlines()[-1])]


def _model_alone(s: training.Scored, threshold: float) -> str:
    return "distress" if s.p_distress >= threshold else "none"


def _all_layers(s: training.Scored, threshold: float) -> str:
    return s.verdict(threshold, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-written", action="store_true", help="train on the dev corpora only")
    parser.add_argument("--frozen-at", default=FROZEN_AT, help="commit whose rules and exemplars are frozen")
    parser.add_argument("--no-frozen", action="store_true", help="skip the frozen-rules table")
    args = parser.parse_args()
    from aptichat.safety import learned, training

    corpora = training.dev_corpora()
    written = [] if args.no_written else training.written_training()
    embeddings, embedder = training.local_embeddings()
    scored = training.loco(corpora, written, embeddings, embedder)
    threshold, abuse_threshold = training.choose_thresholds(scored)
    shipped = learned.classifier()
    print(
        f"written training rows: {len(written)}; LOCO-chosen thresholds: distress {threshold}, abuse {abuse_threshold}"
    )
    if shipped is not None:
        print(f"shipped model thresholds: distress {shipped.threshold}, abuse {shipped.abuse_threshold}")
    columns = {
        "rules": lambda s: s.verdict(threshold, abuse_threshold, exemplar_layer=False, model=False),
        "rules+exemplars": lambda s: s.verdict(threshold, abuse_threshold, model=False),
        "model (LOCO)": lambda s: (
            "distress" if s.p_distress >= threshold else ("abuse" if s.p_abuse >= abuse_threshold else "none")
        ),
        "all (LOCO model)": lambda s: s.verdict(threshold, abuse_threshold),
    }
    print(f"{'left-out corpus':<24}" + "".join(f"{c:>30}" for c in columns))
    print(f"{'':<24}" + "".join(f"{'recall / over / abuse':>30}" for _ in columns))
    for name in [*corpora, "pooled"]:
        rows = [s for s in scored if name == "pooled" or s.corpus == name]
        cells = []
        for verdict in columns.values():
            r = training.rates(rows, verdict)
            cells.append(f"{r.recall:.3f} / {r.over_trigger:.3f} / {r.abuse_recall:.3f}")
        d, n, a = training.rates(rows, columns["rules"]).counts
        print(f"{name + f' ({d}/{n}/{a})':<24}" + "".join(f"{c:>30}" for c in cells))
    print("\nLOCO sweep of the distress threshold (model alone and all layers, pooled):")
    for t in training.THRESHOLD_GRID:
        alone = training.rates(scored, functools.partial(_model_alone, threshold=t))
        both = training.rates(scored, functools.partial(_all_layers, threshold=t))
        print(f"  {t:.2f}: model recall {alone.recall:.3f} over {alone.over_trigger:.3f}; "
              f"all recall {both.recall:.3f} over {both.over_trigger:.3f}")  # fmt: skip
    missed = [s for s in scored if s.label == "distress" and s.p_distress < threshold]
    print(f"\nmodel-alone LOCO misses: {len(missed)} (by corpus: "
          + ", ".join(f"{c} {sum(s.corpus == c for s in missed)}" for c in corpora) + ")")  # fmt: skip

    if args.no_frozen:
        return
    fresh = [s for s in scored if s.corpus in FRESH_FOR_FROZEN]
    old = dict(
        zip([s.message for s in fresh], frozen_verdicts(args.frozen_at, [s.message for s in fresh]), strict=True)
    )

    def with_model(s: training.Scored, frozen: str) -> str:
        if frozen != "none":
            return frozen
        if s.p_distress >= threshold:
            return "distress"
        return "abuse" if s.p_abuse >= abuse_threshold else "none"

    frozen_columns = {
        f"rules@{args.frozen_at}": lambda s: old[s.message][0],
        f"rules+exemplars@{args.frozen_at}": lambda s: old[s.message][1],
        "frozen rules+model (LOCO)": lambda s: with_model(s, old[s.message][0]),
        "frozen all+model (LOCO)": lambda s: with_model(s, old[s.message][1]),
    }
    print(f"\nFresh wording for frozen layers: corpora written after {args.frozen_at}, never tuned on by it")
    print(f"{'corpus':<24}" + "".join(f"{c:>34}" for c in frozen_columns))
    for name in [*FRESH_FOR_FROZEN, "pooled"]:
        rows = [s for s in fresh if name == "pooled" or s.corpus == name]
        cells = []
        for verdict in frozen_columns.values():
            r = training.rates(rows, verdict)
            cells.append(f"{r.recall:.3f} / {r.over_trigger:.3f} / {r.abuse_recall:.3f}")
        print(f"{name:<24}" + "".join(f"{c:>34}" for c in cells))


if __name__ == "__main__":
    main()
