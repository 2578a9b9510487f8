"""Congruence measures of vocational psychology, person x entry, for the validity benchmark's candidates.

Each function takes people's six RIASEC scores `x` (people x 6, R I A S E C order) and entries'
profiles `p` (entries x 6) and returns a people x entries matrix, higher = more congruent. They are
candidates compared by `benchmarks/validity.py --compare` (docs/decisions/0009), not the product's
ranking (that is `aptichat_pipelines/legacy/sql_matching.py`).

The three-letter code indices work on the top three letters of each profile (ties broken in R, I, A,
S, E, C order), as the literature defines them:
- Iachan (1984) M: position-weighted agreement, 22/10/4 | 10/5/2 | 4/2/1 (0-28).
- Brown & Gore (1994) C: 3 x first-letter + 2 x second + 1 x third agreement, each 3 same letter,
  2 adjacent on Holland's hexagon, 1 alternate, 0 opposite (0-18).
- Zener & Schnuelle (1976): 6 same three letters in order, 5 first two in order, 4 same three letters
  in another order, 3 same first letter, 2 the person's first two letters among the entry's three,
  1 the person's first letter among them, 0 none; the first rule that applies (the order of
  the R package `holland`'s `con_zs_holland`, with its gaps filled by that order).
The graded ones: Spearman's rank correlation of the six values, the cosine of ipsatised scores with
the profile as it is, Tucker's congruence coefficient (cosine, nothing centred), and the cosine of
the two profiles' positions on Prediger's (1982) People/Things and Data/Ideas dimensions.
(The cosine of *both* ipsatised profiles is Pearson's r, the product's measure.)
"""

from __future__ import annotations

import numpy as np

# Iachan (1984) M index: agreement of two three-letter codes, position weights by position pair
_IACHAN = np.array([[22, 10, 4], [10, 5, 2], [4, 2, 1]], dtype=float)
# steps around Holland's hexagon (R I A S E C): 0 same, 1 adjacent, 2 alternate, 3 opposite
_HEX = np.array([[min(abs(i - j), 6 - abs(i - j)) for j in range(6)] for i in range(6)])
# Prediger (1982): People (+) / Things (-) and Data (+) / Ideas (-) as weights on R I A S E C
_PEOPLE_THINGS = np.array([-2.0, -1.0, 1.0, 2.0, 1.0, -1.0])
_DATA_IDEAS = np.array([0.0, -1.73, -1.73, 0.0, 1.73, 1.73])


def top3(x: np.ndarray) -> np.ndarray:
    """Indices of each row's three highest letters, best first (ties in R, I, A, S, E, C order)."""
    return np.argsort(-x, axis=1, kind="stable")[:, :3]


def rowcorr(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pearson r of every row of x (people x 6) with every row of p (entries x 6); 0 for a flat row."""
    return cosine(ipsatised(x), ipsatised(p))


def cosine(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Cosine of every row of x with every row of p; 0 for a zero row."""
    xn = np.linalg.norm(x, axis=1, keepdims=True)
    pn = np.linalg.norm(p, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (x / xn) @ (p / pn).T
    return np.nan_to_num(out, nan=0.0)


def ipsatised(x: np.ndarray) -> np.ndarray:
    """Each row minus its own mean: what stands out for that person (entry), not their level."""
    return x - x.mean(1, keepdims=True)


def iachan(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    a, b = top3(x), top3(p)
    out = np.zeros((len(x), len(p)))
    for i in range(3):
        for j in range(3):
            out += _IACHAN[i, j] * (a[:, i][:, None] == b[:, j][None, :])
    return out


def brown_gore(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    a, b = top3(x), top3(p)
    out = np.zeros((len(x), len(p)))
    for i in range(3):
        out += (3 - i) * (3 - _HEX[a[:, i][:, None], b[:, i][None, :]])
    return out


def zener_schnuelle(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    a, b = top3(x), top3(p)
    pa = [a[:, i][:, None] for i in range(3)]
    pb = [b[:, i][None, :] for i in range(3)]

    def among(letter: np.ndarray) -> np.ndarray:
        return (letter == pb[0]) | (letter == pb[1]) | (letter == pb[2])

    rules = (
        (6, (pa[0] == pb[0]) & (pa[1] == pb[1]) & (pa[2] == pb[2])),
        (5, (pa[0] == pb[0]) & (pa[1] == pb[1])),
        (4, among(pa[0]) & among(pa[1]) & among(pa[2])),
        (3, pa[0] == pb[0]),
        (2, among(pa[0]) & among(pa[1])),
        (1, among(pa[0])),
    )
    out = np.zeros((len(x), len(p)))
    done = np.zeros(out.shape, dtype=bool)
    for value, applies in rules:
        hit = np.broadcast_to(applies, out.shape) & ~done
        out[hit] = value
        done |= hit
    return out


def ranks(x: np.ndarray) -> np.ndarray:
    """Each row's values replaced by their ranks 1-6 (ties share their average rank)."""
    below = (x[:, None, :] < x[:, :, None]).sum(2)
    equal = (x[:, None, :] == x[:, :, None]).sum(2)
    return below + (equal + 1) / 2.0


def spearman(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return rowcorr(ranks(x), ranks(p))


def prediger_cosine(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    def plane(v: np.ndarray) -> np.ndarray:
        return np.stack([v @ _PEOPLE_THINGS, v @ _DATA_IDEAS], 1)

    return cosine(plane(x), plane(p))
