"""Cost of the safety layer in front of every answer (on demand, not pytest):
`.venv/bin/python benchmarks/safety.py` (`--quick`: fewer messages).

Prints, over the dev corpora of tests/safety (every message of them, labels ignored):
- assess() with the rules only: median and max per message, after one warm pass (the typo cache full,
  as in a running server);
- messages at the API's 2,000-character cap (repetitive text, the shape that makes a regex backtrack):
  the slowest of them;
- assess() with the local MiniLM embedder (the semantic layer), on the safe messages (the ones it runs
  on: the rules settle most distress first), after its exemplar banks are built.
- the learned layer's cost (aptichat/safety/learned.py): the same safe messages through the embedding
  layers with and without it, side by side in one process, score cache emptied before each pass (CPU time;
  target: < 10 ms per message on top of the exemplar layer).
These figures were timing asserts in tests/safety/test_safety.py until 2026-12-02 (median < 1 ms,
long messages < 250 ms, with the embedder median < 250 ms); speed targets live here, not in tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]
CORPORA = sorted((REPO / "tests" / "safety").glob("corpus_dev*.tsv"))
LONG = ("i am so tired of all of this and " * 60, "a " * 1000, "my life " * 250, "roof jump " * 200)


def messages() -> list[tuple[str, str]]:
    rows = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and not line.startswith("label\t"):
                label, message = line.split("\t", 1)
                rows.append((label, message))
    return rows


def timed(fn, items):  # type: ignore[no-untyped-def]
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="at most 200 messages, 40 with the embedder")
    args = parser.parse_args()
    from aptichat.embeddings.local import LocalEmbedder
    from aptichat.safety import assess

    rows = messages()
    texts = [m for _, m in rows][: 200 if args.quick else None]
    for text in texts:  # warm: the typo cache full, as in a running server
        assess(text)
    rules = timed(assess, texts)
    print(f"assess(), rules: median {statistics.median(rules) * 1000:.3f} ms, max {max(rules) * 1000:.3f} ms "
          f"over {len(texts)} messages (target: median < 1 ms)")  # fmt: skip
    long = timed(assess, [m[:2000] for m in LONG])
    print(f"assess(), 2,000-character messages: slowest {max(long) * 1000:.1f} ms (target < 250 ms)")
    embedder = LocalEmbedder(threads=1)
    embedder.embed_query("warm up")
    safe = [m for label, m in rows if label == "none"][: 40 if args.quick else 120]
    assess(safe[0], embedder)  # the exemplar banks are built once
    semantic = timed(lambda m: assess(m, embedder), safe)
    print(f"assess(), rules + local embedder: median {statistics.median(semantic) * 1000:.1f} ms, "
          f"max {max(semantic) * 1000:.1f} ms over {len(safe)} safe messages (target: median < 250 ms)")  # fmt: skip

    from aptichat.safety import learned, semantic

    shipped = learned.classifier

    def judged(m: str) -> None:
        semantic.judge(m, embedder)

    cpu: dict[str, list[float]] = {"exemplars only": [], "exemplars + learned": []}
    for _ in range(2):  # alternate, so machine load falls on both alike
        for name, loader in (("exemplars only", lambda: None), ("exemplars + learned", shipped)):
            learned.classifier = loader  # type: ignore[assignment]
            semantic._sentence_scores.pop_where(lambda _key: True)
            start = time.process_time()
            for m in safe:
                judged(m)
            cpu[name].append((time.process_time() - start) / len(safe))
    learned.classifier = shipped  # type: ignore[assignment]
    base, both = min(cpu["exemplars only"]), min(cpu["exemplars + learned"])
    print(f"embedding layers, CPU per safe message: exemplars only {base * 1000:.1f} ms, with the learned layer "
          f"{both * 1000:.1f} ms (+{(both - base) * 1000:.1f} ms; target < 10 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
