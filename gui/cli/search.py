"""`python -m gui search`: a time-boxed network search; writes the best model and its trials."""

from __future__ import annotations

import sys

from gui.cli.common import (
    TARGET_HELP,
    CLIError,
    choose_target,
    left_out_note,
    load_spec,
    quiet_stderr,
    read_data,
    save_trained,
    test_scores_line,
    writable_folder,
)
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec
from gui.core.spec.schema import DataSpec


def add_search(subparsers) -> None:
    p = subparsers.add_parser(
        "search", help="find a better network for a CSV in a time box",
        description="Try networks around the recommended one (width, depth, activation, "
                    "dropout, L2, learning rate, batch size) for --minutes, scored on "
                    "validation rows held out of the training rows (the test rows stay "
                    "unseen), and save the best: model.keras, spec.json, "
                    "preprocessing.json and trials.csv.")
    p.add_argument("--data", required=True, help="training data, read as `train` reads it")
    p.add_argument("--target", help=TARGET_HELP)
    p.add_argument("--test", help="separate test file (default: split off the spec's "
                                  "test_fraction)")
    p.add_argument("--spec", help="spec JSON to start from (its data choices, output layer "
                                  "and compile settings are kept; default: the recommended "
                                  "spec)")
    p.add_argument("--minutes", type=float, default=1.0, help="the time box (default 1)")
    p.add_argument("--trials", type=int, help="stop after this many trials")
    p.add_argument("--epochs", type=int, help="the most epochs per trial (default: the "
                                              "recommended for the data's size)")
    p.add_argument("--seed", type=int, default=0, help="the search's seed (default 0)")
    p.add_argument("--out", required=True, help="folder for the best model, its spec and "
                                               "trials.csv")
    p.add_argument("--quiet", action="store_true", help="do not print a line per trial")
    p.set_defaults(func=run_search, header=None, sheet=None)


def run_search(args) -> int:
    from gui.core.data.dataset import prepare

    if not args.minutes > 0:
        raise CLIError(f"--minutes must be more than 0; received {args.minutes}.")
    if args.trials is not None and args.trials < 1:
        raise CLIError(f"--trials must be at least 1; received {args.trials}.")
    spec = load_spec(args.spec) if args.spec else None
    out = writable_folder(args.out)  # before minutes of searching
    data = spec.data if spec else DataSpec()
    data.target = args.target or data.target
    loaded, test = read_data(args, data)
    choose_target(loaded.frame, data, loaded.name)
    prepared = prepare(loaded.frame, data, test.frame if test else None)
    left = left_out_note(loaded.frame, data)
    if left:
        print(f"note: {left}", file=sys.stderr)
    for warning in prepared.warnings:
        print(f"note: {warning}", file=sys.stderr)
    info = DataInfo.from_prepared(prepared)
    base = recommended_spec(info, data) if spec is None else spec
    if args.epochs is not None:
        base.fit.epochs = args.epochs
    if spec is not None:
        problems = validate(spec, info)
        if problems:
            raise CLIError("the spec cannot train on this data: "
                           + " ".join(f"{p.where}: {p.message}" for p in problems))
    with quiet_stderr():
        from gui.core.training import search

    print(f"Searching for {args.minutes:g} minute(s) on {len(prepared.X_train)} training rows "
          f"({prepared.task}, {prepared.n_inputs} inputs); scored on a validation share of "
          f"them, the {len(prepared.X_test)} test rows unseen.", flush=True)

    def said(trial, result) -> None:
        if not args.quiet:
            best = result.best_score
            print(f"Trial {trial.number}: {trial.state}, validation {result.metric} "
                  f"{trial.score:.4f} after {trial.epochs} epochs ({trial.seconds:.1f} s); "
                  f"best so far {best:.4f}", flush=True)

    result = search.search(prepared, args.minutes, base=base, seed=args.seed,
                           max_trials=args.trials, on_trial=said)
    if result.best is None:
        raise CLIError("no trial finished in the time given: give more --minutes.")
    if base.fit.validation == "none":
        print(f"Trained the best network again on all {len(prepared.X_train)} training rows "
              "(too few rows to hold validation rows back, as the defaults do).", flush=True)
    job = result.best_job
    job.prepared = prepared  # the test rows, seen only now, as on the Evaluate page
    metrics = job.evaluate_test()
    print(f"Best: trial {result.best.number}, validation {result.metric} "
          f"{result.best_score:.4f} (the recommended spec: "
          f"{result.trials[0].score:.4f}). "
          + test_scores_line(metrics, prepared.preprocessor))
    try:
        written = save_trained(job.deploy_model(), job.spec, prepared.preprocessor, out)
        result.trials_table().to_csv(out / "trials.csv", index=False)
    except OSError as exc:
        raise CLIError(f"cannot write to {out}: {exc.strerror or exc}") from None
    print("Wrote " + ", ".join(str(p) for p in [*written, out / "trials.csv"]))
    return 0
