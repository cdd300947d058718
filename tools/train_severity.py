"""Train the learned severity model (rules/severity_model.tsv) on the tuning part of the
labelled corpora, check that intakebot's own reader gives the same probabilities as the
trainer, and write it. Needs scikit-learn (`pip install -e '.[train]'`); intakebot itself
only reads the file.

    python3 tools/train_severity.py            # train on the tuning part, write the model
    python3 tools/train_severity.py --folds    # also: each blind tuning file scored by a
                                               # model trained on all the others

The held-out part (tests/data/severity/parts.toml) is never read here. --folds is how to
compare settings honestly without touching it: each file is scored by a model that never
saw it, and the lean towards the rules' level and the blocker bias (rules/severity.py
LEAN, BLOCKER_BIAS) are applied as in production.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules import triage_learned  # noqa: E402
from rules.plans import Severity  # noqa: E402
from rules.severity import BLOCKER_BIAS, LEAN, read_mail  # noqa: E402

DATA = ROOT / "tests" / "data" / "severity"
C = 10.0      # inverse regularisation; 3 to 30 scored within a mail of each other (--folds)
MIN_DF = 2    # a word or pair in one mail only is that mail's, not the level's
LEVELS = tuple(Severity)
# the files written blind, before anyone read them: --folds scores these (the others were
# written alongside the rules). The rules were later tuned on tuning-6 to -8, so for those
# three the "as intake" column flatters; the "learned" column is fair for all.
BLIND_FROM = "tuning-6.toml"


def corpus() -> list[tuple[str, list[dict]]]:
    with (DATA / "parts.toml").open("rb") as fh:
        names = tomllib.load(fh)["tuning"]
    out = []
    for name in names:
        with (DATA / name).open("rb") as fh:
            out.append((name, tomllib.load(fh)["mail"]))
    return out


def examples(mails: list[dict]) -> list[tuple[str, Counter[str], Severity | None]]:
    """(label, features, the definitions' level) per mail."""
    out = []
    for m in mails:
        reading, tokens, _, _ = read_mail(m["subject"], m["body"])
        out.append((m["expected"], triage_learned.features(tokens), reading.severity))
    return out


def fit(train: list[tuple[str, Counter[str], Severity | None]]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=lambda grams: list(grams.elements()), min_df=MIN_DF,
                          sublinear_tf=True, lowercase=False)
    x = vec.fit_transform([g for _, g, _ in train])
    clf = LogisticRegression(C=C, max_iter=10_000).fit(x, [label for label, _, _ in train])
    return vec, clf


def write(vec, clf, path: Path, digest: str, n: int) -> None:
    order = [list(clf.classes_).index(level.value) for level in LEVELS]
    idf = vec.idf_
    lines = [
        "# intakebot's learned severity model: multinomial logistic regression over the words",
        "# and word pairs of a mail's own text (tf-idf, sublinear counts, unit length).",
        f"# Written by tools/train_severity.py from {n} labelled mails (C={C:g}, "
        f"min_df={MIN_DF}); do not edit.",
        "# A line per word or pair: idf squared, then idf times each level's weight.",
        "levels\t" + "\t".join(level.value for level in LEVELS),
        "bias\t" + "\t".join(f"{clf.intercept_[i]:.6g}" for i in order),
        f"corpus\t{digest}",
    ]
    for gram, j in sorted(vec.vocabulary_.items()):
        weights = "\t".join(f"{idf[j] * clf.coef_[i, j]:.6g}" for i in order)
        lines.append(f"{gram}\t{idf[j] ** 2:.6g}\t{weights}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def check(path: Path, vec, clf, train) -> float:
    """The largest difference between the trainer's probabilities and intakebot's reader's."""
    model = triage_learned.Model.read(path)
    expected = clf.predict_proba(vec.transform([g for _, g, _ in train]))
    worst = 0.0
    for (_, grams, _), row in zip(train, expected, strict=True):
        got = model.predict(grams)
        if got is None:  # none of the model's words: intakebot does not guess
            continue
        for level, p in zip(clf.classes_, row, strict=True):
            worst = max(worst, abs(got.probs[Severity(level)] - p))
    return worst


def folds(files: list[tuple[str, list]]) -> None:
    names = [name for name, _ in files]
    blind = names[names.index(BLIND_FROM):]
    print(f"{'file (scored by a model that never saw it)':46} {'learned':>14} "
          f"{'as intake':>14} {'blockers':>9}")
    totals = Counter()
    for name in blind:
        train = [e for other, ex in files if other != name for e in ex]
        test = dict(files)[name]
        vec, clf = fit(train)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.tsv"
            write(vec, clf, path, "fold", len(train))
            model = triage_learned.Model.read(path)
        right = leaned = caught = blockers = 0
        for label, grams, reading in test:
            guess = model.predict(grams)
            alone = guess.best() if guess else None
            both = guess.best(reading, LEAN, BLOCKER_BIAS) if guess else reading
            right += alone == label
            leaned += both == label
            if label == "blocker":
                blockers += 1
                caught += both == label
        n = len(test)
        totals.update(n=n, right=right, leaned=leaned, caught=caught, blockers=blockers)
        print(f"{name:46} {right:>4}/{n:<3} {right / n:6.1%} {leaned:>4}/{n:<3} "
              f"{leaned / n:6.1%} {caught:>4}/{blockers:<3}")
    n = totals["n"]
    print(f"{'all':46} {totals['right']:>4}/{n:<3} {totals['right'] / n:6.1%} "
          f"{totals['leaned']:>4}/{n:<3} {totals['leaned'] / n:6.1%} "
          f"{totals['caught']:>4}/{totals['blockers']:<3}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", action="store_true",
                        help="score each blind tuning file by a model trained on the others")
    parser.add_argument("--out", type=Path, default=triage_learned.MODEL)
    args = parser.parse_args()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("tools/train_severity.py needs scikit-learn: pip install -e '.[train]'",
              file=sys.stderr)
        return 2
    files = [(name, examples(mails)) for name, mails in corpus()]
    train = [e for _, ex in files for e in ex]
    if args.folds:
        folds(files)
    vec, clf = fit(train)
    digest = triage_learned.digest((label, grams) for label, grams, _ in train)
    tmp = args.out.with_suffix(".tmp")
    write(vec, clf, tmp, digest, len(train))
    worst = check(tmp, vec, clf, train)
    if worst > 1e-3:
        tmp.unlink()
        print(f"the written model disagrees with the trainer by {worst:.2g}: not written",
              file=sys.stderr)
        return 1
    tmp.replace(args.out)
    right = sum(clf.predict(vec.transform([g]))[0] == label for label, g, _ in train)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
          f"{len(vec.vocabulary_)} words and pairs from {len(train)} mails; "
          f"{right}/{len(train)} of them read right; reader agrees within {worst:.1g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
