"""Do LayerLab's defaults train well? Test scores with defaults only, against scikit-learn.

For each dataset, one run:

  LayerLab  the path of `python -m gui train` with no --spec: the table as CSV bytes read by
            data_ref.read_table_as, `prepare` with the default DataSpec (target given),
            heads.recommended_spec (the rules in size_rules.SIZE_RULES), TrainingJob.run,
            the deployable model (target in its own units) on the test rows
  sklearn   on the same prepared arrays (same split, imputation, one-hot encoding) with the
            features standardised on the training rows: the better test score of a linear
            model (LogisticRegression / Ridge, defaults) and an MLP (MLPClassifier /
            MLPRegressor, defaults but max_iter=500 and seeded by the split's seed; the
            regressor on a standardised target),
            both fitted on all the training rows (LayerLab holds out a validation share)

With --search SECONDS, also "Find a better network" for that long from the defaults, as the
Model page runs it: trials are runs trained by a pool of worker processes (one, started and
ready before the first search), driven by workers/search_driver.py, scored on validation rows
only; the best trial's saved model is then scored on the test rows, beside scikit-learn's
HistGradientBoosting (defaults), the usual winner on tables. --in-process searches in this
process instead (gui.core.training.search, as `python -m gui search` does).

Both sides see the same split: `--seeds` repeats each dataset with other split (and
training) seeds, and the table shows each side's mean over them (sklearn: the model with
the better mean), since a small table's few test rows make one split's score noisy.

Scores: accuracy for classification, R² for regression (test rows). The margin is
LayerLab − sklearn best; ≥ 0 means LayerLab is level or better. The datasets are ones that
packages ship (scikit-learn's loaders and generators, the bundled sample_data/ tables made
from plotly's), so nothing is downloaded. Timings are wall-clock and vary with the load.

    python benchmarks/default_quality.py            # every dataset (a few minutes)
    python benchmarks/default_quality.py --only iris,tips
    python benchmarks/default_quality.py --largest 20000   # skip the bigger synthetic tables
    python benchmarks/default_quality.py --only tips,wine --search 60
    python benchmarks/default_quality.py --only tips,wine --search 60 --in-process
    python benchmarks/default_quality.py --largest 3000 --seeds 42,1,2   # means over 3 splits
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn import datasets as skd  # noqa: E402

from gui.core.spec.schema import DataSpec  # noqa: E402

SAMPLES = ROOT / "sample_data"
DEFAULT_SEED = DataSpec.split_seed  # the default split's (and training's) seed


# ---- the datasets: (name, frame, target, test frame or None) -------------------------------

def _frame(bunch, target: str) -> pd.DataFrame:
    frame = pd.DataFrame(bunch.data, columns=list(bunch.feature_names))
    frame[target] = bunch.target
    return frame


def _with_missing(frame: pd.DataFrame, target: str, share: float, seed: int) -> pd.DataFrame:
    """`share` of the feature cells blanked at random (the target is kept)."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for col in out.columns:
        if col != target:
            out[col] = out[col].astype(object).where(rng.random(len(out)) >= share, None)
            if pd.api.types.is_numeric_dtype(frame[col]):
                out[col] = pd.to_numeric(out[col])
    return out


def _mixed(rows: int, seed: int) -> pd.DataFrame:
    """A titanic-like table: numbers, text categories and missing values, a binary target."""
    X, y = skd.make_classification(rows, n_features=6, n_informative=4, random_state=seed)
    frame = pd.DataFrame(X[:, :4], columns=["age", "fare", "score", "distance"])
    frame["deck"] = pd.cut(X[:, 4], 4, labels=["A", "B", "C", "D"]).astype(str)
    frame["port"] = np.where(X[:, 5] > 0, "north", "south")
    frame["survived"] = np.where(y == 1, "yes", "no")
    return _with_missing(frame, "survived", 0.1, seed)


def _synthetic(kind: str, rows: int, seed: int = 0) -> pd.DataFrame:
    if kind == "classification":
        X, y = skd.make_classification(rows, n_features=12, n_informative=6, n_classes=2,
                                       flip_y=0.02, random_state=seed)
    elif kind == "multiclass":
        X, y = skd.make_classification(rows, n_features=10, n_informative=6, n_classes=4,
                                       n_clusters_per_class=1, random_state=seed)
    elif kind == "friedman":
        X, y = skd.make_friedman1(rows, n_features=8, noise=1.0, random_state=seed)
    else:
        X, y = skd.make_regression(rows, n_features=10, n_informative=6, noise=20.0,
                                   random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["target"] = y
    return frame


def datasets(largest: int):
    diabetes = _frame(skd.load_diabetes(scaled=False), "progression")
    tips = pd.read_csv(SAMPLES / "tips.csv")
    out = [
        ("iris", _frame(skd.load_iris(), "species"), "species", None),
        ("wine", _frame(skd.load_wine(), "cultivar"), "cultivar", None),
        ("breast_cancer", _frame(skd.load_breast_cancer(), "diagnosis"), "diagnosis", None),
        ("digits", _frame(skd.load_digits(), "digit"), "digit", None),
        ("diabetes", diabetes, "progression", None),
        ("diabetes 32 rows", diabetes.sample(32, random_state=3).reset_index(drop=True),
         "progression", None),
        ("tips (text)", tips, "tip", None),
        ("tips (text, 10% missing)", _with_missing(tips, "tip", 0.1, 1), "tip", None),
        ("life expectancy (test file)", pd.read_csv(SAMPLES / "life_expectancy_train.csv"),
         "lifeExp", pd.read_csv(SAMPLES / "life_expectancy_test.csv")),
        ("mixed text+missing 400", _mixed(400, 5), "survived", None),
    ]
    for kind, sizes in (("classification", (30, 300, 3000, 30000, 100000)),
                        ("multiclass", (1000,)),
                        ("friedman", (30, 500, 5000, 50000)),
                        ("linear regression", (40, 2000))):
        for rows in sizes:
            if rows <= largest:
                out.append((f"synthetic {kind} {rows}", _synthetic(kind, rows), "target", None))
    return out


# ---- LayerLab: the CLI's path -----------------------------------------------------------------

def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def layerlab(frame, target, test_frame, seed: int = DEFAULT_SEED):
    """(prepared, test score, seconds, spec, job) with the defaults, as `python -m gui
    train`; `seed` is the split's and the training's (DEFAULT_SEED: the defaults')."""
    from gui.core.data import data_ref
    from gui.core.data.dataset import prepare
    from gui.core.spec.data_info import DataInfo
    from gui.core.spec.heads import recommended_spec
    from gui.core.spec.schema import DataSpec
    from gui.core.training.job import TrainingJob

    data = DataSpec(target=target, split_seed=seed)
    loaded = data_ref.read_table_as(_csv(frame), "data.csv", data)
    test = (data_ref.read_test(_csv(test_frame), "test.csv", loaded)
            if test_frame is not None else None)
    prepared = prepare(loaded.frame, data, test.frame if test is not None else None)
    spec = recommended_spec(DataInfo.from_prepared(prepared), data)
    spec.fit.seed = seed
    began = time.perf_counter()
    job = TrainingJob(spec, prepared)
    job.run()
    seconds = time.perf_counter() - began
    if job.model is None:
        return prepared, float("nan"), seconds, spec, job
    raw = np.asarray(job.deploy_model().predict(prepared.X_test, verbose=0,
                                                 batch_size=4096))
    return prepared, score(prepared, raw), seconds, spec, job


def score(prepared, output: np.ndarray) -> float:
    """Accuracy, or R² in the target's own units, of the model's output on the test rows."""
    from sklearn.metrics import accuracy_score, r2_score

    if prepared.task == "regression":
        truth = prepared.preprocessor.decode_target(prepared.y_test)
        return float(r2_score(truth, output.reshape(-1)))
    if prepared.task == "binary" and output.shape[-1] == 1:
        guess = (output.reshape(-1) >= 0.5).astype(int)
    else:
        guess = output.argmax(axis=-1)
    return float(accuracy_score(prepared.y_test, guess))


# ---- scikit-learn on the same arrays --------------------------------------------------------

def split_seed(prepared) -> int:
    """The seed of `prepared`'s split (its DataSpec's), which also seeds scikit-learn's models,
    as it seeds LayerLab's training in `layerlab`: every script that compares with
    scikit-learn (this one, search_quality.py) then fits the same models on a split."""
    return prepared.preprocessor.spec.split_seed


def sklearn_best(prepared) -> tuple[float, str, float, dict]:
    """(best test score, which model, seconds, {model: score}) of a linear model and an MLP
    (the MLP seeded by the split's seed: `split_seed`)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    began, seed = time.perf_counter(), split_seed(prepared)
    X, X_test = prepared.X_train, prepared.X_test
    if prepared.task == "regression":
        y = prepared.preprocessor.decode_target(prepared.y_train)
        truth = prepared.preprocessor.decode_target(prepared.y_test)
        models = {"Ridge": Ridge(),
                  "MLPRegressor": TransformedTargetRegressor(
                      MLPRegressor(max_iter=500, random_state=seed), transformer=StandardScaler())}
        measure = r2_score
    else:
        y, truth = prepared.y_train, prepared.y_test
        models = {"LogisticRegression": LogisticRegression(max_iter=2000),
                  "MLPClassifier": MLPClassifier(max_iter=500, random_state=seed)}
        measure = accuracy_score
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model in models.items():
            pipe = make_pipeline(StandardScaler(), model).fit(X, y)
            scores[name] = float(measure(truth, pipe.predict(X_test)))
    best = max(scores, key=scores.get)
    return scores[best], best, time.perf_counter() - began, scores


def searched(prepared, spec, seconds: float) -> tuple[float, int]:
    """(test score of the search's best model, trials run) after `seconds` of the search
    in this process (gui.core.training.search, the CLI's)."""
    from gui.core.training import search

    result = search.search(prepared, seconds / 60.0, base=spec)
    if result.best_job is None:
        return float("nan"), len(result.trials)
    raw = np.asarray(result.best_job.deploy_model().predict(prepared.X_test, verbose=0,
                                                             batch_size=4096))
    return score(prepared, raw), len(result.trials)


class PoolSearch:
    """The Model page's search: a store in a throw-away folder, a pool of training workers
    (started and ready before any search, as in the app) and the search driver; each
    search's trials are runs that the workers train."""

    def __init__(self, slots: int = 1):
        import tempfile

        from gui.core.store.workspaces import Store
        from gui.core.workers.pool import TrainingPool
        from gui.core.workers.search_driver import SearchDriver

        self.store = Store(Path(tempfile.mkdtemp(prefix="layerlab-bench-")))
        self.pool = TrainingPool(self.store, slots=slots, idle_seconds=3600)
        self.driver = SearchDriver(self.store, wake=self.pool.wake)
        while self.pool.ready_workers < slots:
            time.sleep(0.2)

    def run(self, frame, target, test_frame, seconds: float) -> tuple[float, int, int]:
        """(test score of the best trial's saved model, trials, of which pruned)."""
        from gui.core.data import data_ref
        from gui.core.model.build import with_unscaled_output
        from gui.core.saving.load import load_run_model
        from gui.core.spec.data_info import DataInfo
        from gui.core.spec.heads import recommended_spec
        from gui.core.spec.schema import DataSpec, ExperimentSpec
        from gui.core.store.runs import Runs
        from gui.core.store.searches import Searches
        from gui.core.training.search_space import plan

        token = self.store.create()
        train = self.store.add_file(token, "data.csv", _csv(frame))
        test = (self.store.add_file(token, "test.csv", _csv(test_frame))
                if test_frame is not None else None)
        data = {"dataset": {"file": train.sha256, "name": "data.csv"},
                "test": {"file": test.sha256, "name": "test.csv"} if test else None}
        spec = ExperimentSpec(data=DataSpec(target=target))
        prepared = data_ref.prepare(self.store, token, spec, data)  # as the worker reads it
        info = DataInfo.from_prepared(prepared)
        chosen = plan(info, recommended_spec(info, spec.data))
        searches = Searches(self.store)
        search_id = searches.create(token, chosen.base, data, chosen.space, chosen.first,
                                    info.task, seconds / 60.0)
        self.driver.wake()
        while (record := searches.get(token, search_id)).active:
            time.sleep(0.5)
        pruned = sum(t.state == "pruned" for t in record.trials)
        if record.best_run is None:
            return float("nan"), len(record.trials), pruned
        model, _, _ = load_run_model(Runs(self.store).model_path(token, record.best_run))
        deploy = with_unscaled_output(model, prepared.preprocessor)
        raw = np.asarray(deploy.predict(prepared.X_test, verbose=0, batch_size=4096))
        return score(prepared, raw), len(record.trials), pruned

    def close(self) -> None:
        self.driver.close()
        self.pool.close()


def boosting(prepared) -> float:
    """scikit-learn's HistGradientBoosting (defaults, seeded by the split's seed) on the same
    arrays: its test score."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    seed = split_seed(prepared)
    if prepared.task == "regression":
        y = prepared.preprocessor.decode_target(prepared.y_train)
        model = HistGradientBoostingRegressor(random_state=seed).fit(prepared.X_train, y)
        return score(prepared, model.predict(prepared.X_test))
    model = HistGradientBoostingClassifier(random_state=seed).fit(prepared.X_train,
                                                                   prepared.y_train)
    probabilities = model.predict_proba(prepared.X_test)
    return score(prepared, probabilities if probabilities.shape[1] > 2
                 else probabilities[:, 1:])


# ---- the table -------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names (substrings) of datasets to run")
    parser.add_argument("--largest", type=int, default=100_000,
                        help="skip synthetic tables with more rows than this")
    parser.add_argument("--search", type=float, default=0,
                        help="also search for this many seconds per dataset (0: no search)")
    parser.add_argument("--in-process", action="store_true",
                        help="search in this process (the CLI's search), not with the pool")
    parser.add_argument("--seeds", default="42",
                        help="comma-separated seeds: each dataset is split and trained once "
                             "per seed, and both sides' scores are the means over the seeds")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in (args.only or "").split(",") if w.strip()]
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    rows = []
    header = (f"{'dataset':<34} {'rows':>7} {'task':<10} {'LayerLab':>8} {'sklearn':>8} "
              f"{'margin':>7}  {'best sklearn':<18} {'epochs':>6} {'units':>9} {'LL s':>6} "
              f"{'sk s':>5}")
    print(f"seeds {seeds}: scores are means over the seeds (same split for both sides)")
    print(header, flush=True)
    pool_search = PoolSearch() if args.search and not args.in_process else None
    for name, frame, target, test in datasets(args.largest):
        if wanted and not any(w in name for w in wanted):
            continue
        ours, theirs, epochs, seconds, sk_seconds = [], {}, [], 0.0, 0.0
        for seed in seeds:
            prepared, score_, took, spec, job = layerlab(frame, target, test, seed)
            _, _, sk_took, each = sklearn_best(prepared)
            ours.append(score_)
            epochs.append(job.epochs_done)
            seconds, sk_seconds = seconds + took, sk_seconds + sk_took
            for model, value in each.items():
                theirs.setdefault(model, []).append(value)
        means = {model: float(np.mean(values)) for model, values in theirs.items()}
        which = max(means, key=means.get)
        mean_ours = float(np.mean(ours))
        margin = mean_ours - means[which]
        units = "-".join(str(layer.units) for layer in spec.layers if layer.type == "Dense")
        n_rows = len(frame) + (len(test) if test is not None else 0)
        print(f"{name:<34} {n_rows:>7} {prepared.task:<10} {mean_ours:>8.3f} "
              f"{means[which]:>8.3f} {margin:>+7.3f}  {which:<18} "
              f"{round(float(np.mean(epochs))):>6} {units:>9} {seconds:>6.1f} "
              f"{sk_seconds:>5.1f}", flush=True)
        if args.search:
            if pool_search is None:
                found, trials = searched(prepared, spec, args.search)
                how = "in-process search"
            else:
                found, trials, pruned = pool_search.run(frame, target, test, args.search)
                how = f"pool search ({pruned} pruned)"
            print(f"{'':<34} {how} {args.search:g} s: {trials} trials, test {found:.3f} "
                  f"(defaults {score_:.3f}, sklearn best {max(each.values()):.3f}, "
                  f"HistGradientBoosting {boosting(prepared):.3f}; last seed)", flush=True)
        rows.append(margin)
    if pool_search is not None:
        pool_search.close()
    level = sum(m >= -1e-9 for m in rows)
    print(f"\nLayerLab level or better on {level} of {len(rows)} datasets; "
          f"worst margin {min(rows):+.3f}." if rows else "no dataset matched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
