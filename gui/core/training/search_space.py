"""What "Find a better network" searches and how it scores: one definition for the search in
one process (search.py, the CLI) and the search whose trials are runs of the pool
(workers/search_driver.py).

The space is vocabulary.SEARCH_SPACE narrowed to what the data supports (`search_space`) and
to what a lesson allows (`lesson_space`: a locked or hidden setting is not searched, and the
limits cap units, layers and epochs). A trial is a point of the space (`suggest`, a dict of
plain values) turned into a spec (`trial_spec`); the first trial is the recommended spec
(`default_params`), the next a linear baseline (`opening_points`). A trial is scored on
validation rows only: its validation accuracy (R²
for regression) at the epoch of the lowest validation loss (`history_score`), the epoch whose
weights early stopping restores; the best trial is the best score, but the defaults give way
only to a clear gain (`best_of`). Optuna's MedianPruner (`new_study`) stops a trial whose
curve is below the median of the earlier trials at the same epoch.

So that a short time box holds many trials, each trial is capped (`trial_seconds`,
`trial_fit`): at most a share of the time box (the first trial, the defaults themselves, a
larger one), and after the first, fewer epochs and less patience than the defaults' (early
stopping keeps the best epoch's weights, so a capped trial's best epoch still counts).

Nothing here imports Keras: the app process drives the pool's search with it.

Example:
    space = search_space(info)
    study = new_study(seed=0)
    trial = study.ask()
    spec = trial_spec(base, suggest(trial, space), space)
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import optuna

from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec, size_rule
from gui.core.spec.lesson_rules import EDITABLE, LessonRules
from gui.core.spec.schema import ExperimentSpec, LayerSpec, RegularizerSpec
from gui.core.spec.validate import validation_rows
from gui.core.spec.vocabulary import SEARCH_SPACE

optuna.logging.set_verbosity(optuna.logging.WARNING)

COMPLETE, PRUNED, FAILED = "complete", "pruned", "failed"
LAYER_KEYS = ("layers", "units", "activation", "dropout", "l2")
MAX_LAYERS = "max_layers"  # not a dimension: a lesson's limit on the layer count
VALIDATION_ROWS = "validation_rows"  # not a dimension: the rows trials are scored on
TRIAL_SHARE = 0.12        # a trial trains for at most this share of the time box ...
FIRST_TRIAL_SHARE = 0.35  # ... the first (the defaults) for at most this share ...
MIN_TRIAL_S = 6.0         # ... but never less than this (TensorFlow's first steps)
TRIAL_EPOCHS = 150        # the most epochs a later trial trains ...
TRIAL_PATIENCE = 12       # ... and the patience of its early stopping


def score_metric(task: str) -> str:
    """The Keras metric a trial is scored by: accuracy, or R² for regression."""
    return "r2_score" if task == "regression" else "accuracy"


def score_name(task: str) -> str:
    """The score's name in words and tables: "accuracy" or "r2"."""
    return score_metric(task).replace("r2_score", "r2")


def search_space(info: DataInfo, validation_split: float = 0.2) -> dict:
    """vocabulary.SEARCH_SPACE narrowed to what the data supports: batch sizes smaller
    than the rows a trial fits on, and the first that holds them all (one step an epoch, as
    a small table's recommended batch), and no more units per layer than about four per
    training row (a 30-row table gets no 512-wide layers)."""
    space = dict(SEARCH_SPACE)
    fit_rows = max(1, info.n_train - validation_rows(info.n_train, validation_split))
    sizes = space["batch_size"]
    batches = [b for b in sizes if b < fit_rows] + [b for b in sizes if b >= fit_rows][:1]
    low, high = space["units"]
    space["batch_size"] = tuple(batches)
    space["units"] = (low, int(min(high, max(4 * low, 4 * info.n_train))))
    space[VALIDATION_ROWS] = validation_rows(info.n_train, validation_split)
    return space


def lesson_space(space: dict, base: ExperimentSpec, rules: LessonRules | None) -> dict:
    """`space` within a lesson's rules: a locked or hidden section or setting is not searched
    (its value stays the base's), and the limits cap units and the number of layers.
    Without rules, `space` itself."""
    if rules is None:
        return dict(space)
    out = dict(space)
    hidden = [x for x in base.layers[:-1] if x.type == "Dense"]
    if rules.of("layers") != EDITABLE or not hidden:
        for key in LAYER_KEYS:
            out.pop(key, None)
    else:
        if rules.of("layers.units") != EDITABLE:
            out["units"] = (hidden[0].units, hidden[0].units)
        if rules.of("layers.activation") != EDITABLE:
            out["activation"] = (hidden[0].activation,)
        limits = rules.limits
        if limits.max_units is not None and "units" in out:
            low, high = out["units"]
            high = min(high, limits.max_units)
            out["units"] = (min(low, high), high)
        if limits.max_layers is not None:
            most = max(1, min(out["layers"][1], limits.max_layers - 1))
            out["layers"] = (min(out["layers"][0], most), most)
            out[MAX_LAYERS] = limits.max_layers
    if rules.of("compile") != EDITABLE or rules.of("compile.learning_rate") != EDITABLE:
        out.pop("learning_rate", None)
    if rules.of("fit") != EDITABLE:
        out.pop("batch_size", None)
    return out


def searched(space: dict) -> list[str]:
    """The settings `space` varies (the keys of SEARCH_SPACE it holds)."""
    return [key for key in SEARCH_SPACE if key in space]


def suggest(trial: optuna.Trial, space: dict) -> dict:
    """One point of `space`, as plain values (the keys of SEARCH_SPACE it holds)."""
    draw = {
        "layers": lambda r: trial.suggest_int("layers", *r),
        "units": lambda r: trial.suggest_int("units", *r, log=True),
        "activation": lambda r: trial.suggest_categorical("activation", list(r)),
        "dropout": lambda r: trial.suggest_float("dropout", *r),
        "l2": lambda r: trial.suggest_float("l2", *r, log=True),
        "learning_rate": lambda r: trial.suggest_float("learning_rate", *r, log=True),
        "batch_size": lambda r: trial.suggest_categorical("batch_size", list(r)),
    }
    return {key: draw[key](space[key]) for key in searched(space)}


def default_params(base: ExperimentSpec, info: DataInfo, space: dict) -> dict:
    """The point of `space` that is the recommended spec (the first trial)."""
    rule = size_rule(info.n_train)
    hidden = [x for x in base.layers[:-1] if x.type == "Dense"]
    point = {"learning_rate": float(base.compile.learning_rate)}
    if "batch_size" in space:
        point["batch_size"] = min(space["batch_size"],
                                  key=lambda b: abs(b - base.fit.batch_size))
    if "layers" in space:
        units = hidden[0].units if hidden else rule.units
        activation = hidden[0].activation if hidden else "relu"
        point.update(
            layers=int(min(max(len(hidden), space["layers"][0]), space["layers"][1])),
            units=int(min(max(units, space["units"][0]), space["units"][1])),
            activation=(activation if activation in space["activation"]
                        else space["activation"][0]),
            dropout=float(rule.dropout), l2=float(max(rule.l2_for(info.task), space["l2"][0])))
    return {key: point[key] for key in searched(space)}


def opening_points(first: dict, space: dict, more: list[dict] | None = None) -> list[dict]:
    """The points tried before the sampler's own: the recommended spec (`first`), `more`
    (for tests), then a linear baseline where the space allows one: a single hidden layer
    with the linear activation, so the network is a linear model (logistic or ridge
    regression with the L2 penalty), the one to beat on small or nearly linear tables."""
    points = [first, *(more or [])]
    if ("layers" in space and "linear" in space.get("activation", ())
            and space["layers"][0] <= 1):
        points.append({**first, "layers": 1, "activation": "linear", "dropout": 0.0})
    return [{k: v for k, v in point.items() if k in space} for point in points]


def uses_l2(l2: float) -> bool:
    """Whether a trial's L2 penalty is one: at the space's floor it means none."""
    return l2 > SEARCH_SPACE["l2"][0] * 1.0001


def uses_dropout(rate: float) -> bool:
    """Whether a trial's Dropout rate gets a layer: under 0.05 it means none."""
    return rate >= 0.05


def trial_spec(base: ExperimentSpec, params: dict, space: dict | None = None) -> ExperimentSpec:
    """`base` with the hidden layers, learning rate and batch size of `params` (what params
    leaves out stays the base's); an L2 at the space's floor means none, a Dropout rate
    under 0.05 no Dropout layer, and no Dropout layer where a lesson's layer limit
    (space's MAX_LAYERS) would be passed. Trials validate on a split and stop early."""
    spec = copy.deepcopy(base)
    if "layers" in params:
        most = (space or {}).get(MAX_LAYERS)
        count = int(params["layers"])
        dropout = uses_dropout(params["dropout"]) and (most is None or 2 * count + 1 <= most)
        hidden: list[LayerSpec] = []
        for _ in range(count):
            layer = LayerSpec(type="Dense", units=int(params["units"]),
                              activation=params["activation"])
            if uses_l2(params["l2"]):
                layer.kernel_regularizer = RegularizerSpec(kind="l2", l2=float(params["l2"]))
            hidden.append(layer)
            if dropout:
                hidden.append(LayerSpec(type="Dropout", rate=round(float(params["dropout"]), 3)))
        spec.layers = [*hidden, copy.deepcopy(base.layers[-1])]
    if "learning_rate" in params:
        spec.compile.learning_rate = float(params["learning_rate"])
    if "batch_size" in params:
        spec.fit.batch_size = int(params["batch_size"])
    spec.fit = replace(spec.fit, validation="split", early_stopping=True, monitor="val_loss",
                       restore_best_weights=True)
    return spec


def trial_seconds(minutes: float, number: int) -> float:
    """The most seconds trial `number` (0: the first) may train in a `minutes` time box: a
    share of it (the first, the defaults, a larger one), at least MIN_TRIAL_S, at most the
    box. A trial stopped at its cap keeps its best epoch's weights and score."""
    box = minutes * 60.0
    share = FIRST_TRIAL_SHARE if number == 0 else TRIAL_SHARE
    return min(box, max(MIN_TRIAL_S, share * box))


def trial_fit(spec: ExperimentSpec, number: int) -> ExperimentSpec:
    """`spec` with the epochs and patience of trial `number`: the first (the defaults) as
    they are; a later one at most TRIAL_EPOCHS epochs and TRIAL_PATIENCE patience, so a
    trial that stops improving gives its time to the next."""
    if number == 0:
        return spec
    return replace(spec, fit=replace(spec.fit, epochs=min(spec.fit.epochs, TRIAL_EPOCHS),
                                     patience=min(spec.fit.patience, TRIAL_PATIENCE)))


def with_score_metric(base: ExperimentSpec, task: str) -> ExperimentSpec:
    """A copy of `base` whose metrics include the score's."""
    base = copy.deepcopy(base)
    key = score_metric(task)
    if key not in base.compile.metrics:
        base.compile.metrics = [*base.compile.metrics, key]
    return base


def history_score(history: dict, task: str) -> float:
    """A trial's score: its validation score at the epoch of the lowest validation loss
    (NaN before any finite one)."""
    losses = history.get("val_loss", [])
    scores = history.get(f"val_{score_metric(task)}", [])
    finite = [i for i, x in enumerate(losses[:len(scores)])
              if x is not None and math.isfinite(x)]
    if not finite:
        return float("nan")
    return float(scores[min(finite, key=lambda i: losses[i])])


def noise(rows: int) -> float:
    """How far a validation score on `rows` rows moves by luck: 0.5 / √rows (the widest
    standard error of an accuracy; 0.08 on 40 rows, 0.005 on 10,000)."""
    return 0.5 / math.sqrt(max(1, rows))


def best_of(trials: list, rows: int | None = None):
    """The best of `trials` (each with .number, .state, .score), in the order they ran:
    the complete one with the highest validation score, except that the first trial (the
    defaults) gives way only to a score above its own by more than `noise(rows)` — on a
    small table a trial that was merely luckier on the few validation rows must not
    replace the defaults. None when no trial completed."""
    best = None
    for trial in trials:
        if trial.state != COMPLETE or trial.score is None or not math.isfinite(trial.score):
            continue
        gate = noise(rows) if best is not None and best.number == 0 and rows else 0.0
        if best is None or trial.score > best.score + gate:
            best = trial
    return best


def new_study(seed: int = 0, pruner: optuna.pruners.BasePruner | None = None) -> optuna.Study:
    """An Optuna study that maximises the score: TPE sampling from `seed`, and (by default)
    MedianPruner after 2 trials and 5 epochs."""
    return optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner or optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=5))


@dataclass
class SearchPlan:
    """What a search tries: from `base`, the points of `space`, `first` the first."""

    base: ExperimentSpec
    space: dict
    first: dict


def plan(info: DataInfo, current: ExperimentSpec, rules: LessonRules | None = None
         ) -> SearchPlan:
    """The search for a workspace whose design is `current`: from the recommended spec for
    the data (its first trial), except for the sections a lesson locks or hides, which
    stay `current`'s; within the lesson's limits; scored by `score_metric`."""
    base = recommended_spec(info, current.data)
    if rules is not None:
        for section in ("layers", "compile", "fit"):
            if rules.of(section) != EDITABLE:
                setattr(base, section, copy.deepcopy(getattr(current, section)))
        if rules.limits.max_epochs is not None:
            base.fit.epochs = min(base.fit.epochs, rules.limits.max_epochs)
    base = with_score_metric(base, info.task)
    space = lesson_space(search_space(info, base.fit.validation_split), base, rules)
    return SearchPlan(base, space, default_params(base, info, space))


def adopt(current: ExperimentSpec, best: ExperimentSpec, space: dict) -> ExperimentSpec:
    """`current` with what the search varied taken from the best trial's spec `best`: the
    layer stack, the learning rate, the batch size with the trial's epochs, validation and
    early stopping; the data choices and everything a lesson keeps stay `current`'s. A design
    that holds no validation rows back (a small table's recommended spec) keeps doing so,
    with its epochs: the trials validated only because a search must, and the network is
    to train on every row, as the CLI's search refits it (search.refit_on_every_row)."""
    spec = copy.deepcopy(current)
    if "layers" in space:
        spec.layers = copy.deepcopy(best.layers)
    if "learning_rate" in space:
        spec.compile.learning_rate = best.compile.learning_rate
    if "batch_size" in space and current.fit.validation == "none":
        spec.fit = replace(spec.fit, batch_size=best.fit.batch_size)
    elif "batch_size" in space:
        spec.fit = replace(spec.fit, batch_size=best.fit.batch_size,
                           validation=best.fit.validation, early_stopping=True,
                           monitor=best.fit.monitor, restore_best_weights=True,
                           epochs=best.fit.epochs, patience=best.fit.patience)
    return spec
