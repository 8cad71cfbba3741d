"""Does a 60-second "Find a better network" beat the defaults and scikit-learn?

For each dataset (default_quality.py's), in one run:

  defaults  `python -m gui train`'s path with defaults only (default_quality.layerlab)
  search    `python -m gui search --data … --target … --minutes M --out …` as a separate
            process (the CLI, as a user runs it): trials in one process, each capped at a
            share of the time box, the first the defaults; scored on validation rows, the
            test rows unseen until the best model is scored on them (the CLI's "Test:" line)
  sklearn   on the same split: the better of a linear model and an MLP
            (default_quality.sklearn_best), and HistGradientBoosting (defaults)

Both LayerLab paths use the default split (default_quality.DEFAULT_SEED), so all four see the
same test rows; scikit-learn's models are seeded by the split's seed (default_quality.split_seed),
as in default_quality.py, so both scripts fit the same scikit-learn models on a split.
Scores: accuracy for classification, R² for regression (the CLI's R² is on the scaled
target, which R² does not change). Timings vary with the machine's load: on a busy machine
fewer trials fit in the time box.

    python benchmarks/search_quality.py --only "linear regression 40,breast,tips (text)"
    python benchmarks/search_quality.py --largest 5000 --minutes 1
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import default_quality as dq  # noqa: E402 - the datasets and the scikit-learn side
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def cli_search(frame, target, test_frame, minutes: float) -> tuple[float, int, int, float]:
    """(test score, trials, of which pruned, seconds) of `python -m gui search`."""
    with tempfile.TemporaryDirectory(prefix="layerlab-search-") as tmp:
        folder = Path(tmp)
        (folder / "data.csv").write_bytes(dq._csv(frame))
        command = [sys.executable, "-m", "gui", "search", "--data", str(folder / "data.csv"),
                   "--target", target, "--minutes", str(minutes), "--quiet",
                   "--out", str(folder / "best")]
        if test_frame is not None:
            (folder / "test.csv").write_bytes(dq._csv(test_frame))
            command += ["--test", str(folder / "test.csv")]
        began = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        found = re.search(r"Test: .*?\b(accuracy|r2_score): (-?[0-9.]+)", done.stdout)
        if done.returncode != 0 or found is None:
            print(f"  the search failed: {(done.stderr or done.stdout).strip()[-300:]}")
            return float("nan"), 0, 0, seconds
        trials = pd.read_csv(folder / "best" / "trials.csv")
        return (float(found.group(2)), len(trials), int((trials["state"] == "pruned").sum()),
                seconds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names (substrings) of datasets to run")
    parser.add_argument("--largest", type=int, default=100_000,
                        help="skip synthetic tables with more rows than this")
    parser.add_argument("--minutes", type=float, default=1.0, help="the search's time box")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in (args.only or "").split(",") if w.strip()]
    print(f"{'dataset':<30} {'rows':>6} {'task':<10} {'defaults':>8} {'search':>7} "
          f"{'trials':>6} {'pruned':>6} {'skl best':>8} {'HGB':>6} {'vs dflt':>7} "
          f"{'vs skl':>7} {'vs HGB':>7} {'search s':>8}", flush=True)
    margins = []
    for name, frame, target, test in dq.datasets(args.largest):
        if wanted and not any(w in name for w in wanted):
            continue
        prepared, defaults, _, _, _ = dq.layerlab(frame, target, test)
        sk, _, _, _ = dq.sklearn_best(prepared)
        hgb = dq.boosting(prepared)
        found, trials, pruned, seconds = cli_search(frame, target, test, args.minutes)
        n_rows = len(frame) + (len(test) if test is not None else 0)
        margins.append((found - defaults, found - sk, found - hgb))
        print(f"{name:<30} {n_rows:>6} {prepared.task:<10} {defaults:>8.3f} {found:>7.3f} "
              f"{trials:>6} {pruned:>6} {sk:>8.3f} {hgb:>6.3f} {found - defaults:>+7.3f} "
              f"{found - sk:>+7.3f} {found - hgb:>+7.3f} {seconds:>8.1f}", flush=True)
    if margins:
        for i, what in enumerate(("the defaults", "sklearn's best", "HistGradientBoosting")):
            ahead = sum(m[i] >= -1e-9 for m in margins)
            print(f"search level or better than {what} on {ahead} of {len(margins)}; "
                  f"worst margin {min(m[i] for m in margins):+.3f}")
        close = sum(m[2] >= -0.01 for m in margins)
        print(f"within 0.01 of HistGradientBoosting or better on {close} of {len(margins)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
