"""`python -m gui train`: train on a file (or as a run of a workspace), save the model."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from gui.cli.common import (
    TARGET_HELP,
    CLIError,
    choose_target,
    file_bytes,
    import_training,
    left_out_note,
    load_spec,
    read_data,
    save_trained,
    test_scores_line,
    writable_folder,
)
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec
from gui.core.spec.vocabulary import FAILED, STOPPED

KEEP_ALIVE_S = 30.0  # a --workspace run notes its workspace in use this often (the app's
# pools stop the runs of workspaces that no page has used for minutes)


def add_train(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a model on a CSV and save it",
        description="Train a LayerLab model on a CSV file and save it with its spec.")
    p.add_argument("--data", required=True, help="training data: a CSV/TSV/TXT, Excel "
                                                 "(.xlsx) or Parquet file")
    first_row = p.add_mutually_exclusive_group()
    first_row.add_argument("--header", dest="header", action="store_const", const="yes",
                           help="the first row names the columns (default: the spec's "
                                "choice, which detects it)")
    first_row.add_argument("--no-header", dest="header", action="store_const", const="no",
                           help="the first row is data: the columns are named column_1 … "
                                "column_N")
    p.add_argument("--sheet", help="the worksheet of an .xlsx file (default: the spec's, or "
                                   "the first)")
    p.add_argument("--target", help=TARGET_HELP)
    p.add_argument("--test", help="separate test file, read like --data (default: split "
                                  "off the spec's "
                                  "test_fraction of the training rows)")
    p.add_argument("--spec", help="spec JSON exported from LayerLab (default: the "
                                  "recommended network and training for the task and the "
                                  "data's size)")
    p.add_argument("--epochs", type=int, help="override the spec's epochs")
    p.add_argument("--out", required=True, help="folder for model.keras, spec.json and "
                                               "preprocessing.json")
    p.add_argument("--h5", action="store_true", help="also write the legacy model.h5")
    p.add_argument("--quiet", action="store_true", help="do not print the epoch log")
    p.add_argument("--workspace", metavar="TOKEN",
                   help="record the run in this workspace (the ?w= token of its link): it "
                        "shows on the Runs page, live while it trains, and Stop there stops "
                        "it; the data files are stored in the workspace. Uses the same store "
                        "as the app (LAYERLAB_HOME / LAYERLAB_DATABASE_URL). Write "
                        "--workspace=TOKEN for an older token that starts with '-'")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from gui.core.data.dataset import prepare
    from gui.core.workers.engines import RayConfigError, check_ray_address, ray_address

    if ray_address():  # the app's setting, said; this command trains here either way
        try:
            check_ray_address()
            print(f"note: LAYERLAB_RAY_ADDRESS is set ({ray_address()}): the app's runs "
                  "train on that Ray cluster; this command trains here, in this process.",
                  file=sys.stderr)
        except RayConfigError as exc:
            print(f"note: this command trains here, in this process; but the app's runs "
                  f"would not train: {exc}", file=sys.stderr)
    if args.workspace is not None and not args.workspace.strip():
        raise CLIError("--workspace was given an empty token (an unset shell variable?): "
                       "give the ?w= token of the workspace's link, or leave --workspace out.")
    if args.workspace:
        workspace_store(args.workspace)  # said before the data is read
    out = writable_folder(args.out)  # before minutes of training
    if args.spec:
        spec = load_spec(args.spec)
        if args.target:
            spec.data.target = args.target
    else:
        spec = None
    data = spec.data if spec else DataSpec(target=args.target or "")
    data.header = args.header or data.header
    data.sheet = args.sheet if args.sheet is not None else data.sheet
    loaded, test = read_data(args, data)
    choose_target(loaded.frame, data, loaded.name)
    prepared = prepare(loaded.frame, data, test.frame if test else None)
    left = left_out_note(loaded.frame, data)
    if left:
        print(f"note: {left}", file=sys.stderr)
    loaded.frame = test = None  # the arrays are all training needs: a million rows is ~150 MB less
    if spec is None:
        spec = recommended_spec(DataInfo.from_prepared(prepared), data)
    if args.epochs is not None:
        spec.fit.epochs = args.epochs
    for warning in prepared.warnings:
        print(f"note: {warning}", file=sys.stderr)

    training = import_training()
    problems = validate(spec, DataInfo.from_prepared(prepared))
    if problems:
        raise CLIError("the spec cannot train on this data: "
                       + " ".join(f"{p.where}: {p.message}" for p in problems))
    print(f"Training on {len(prepared.X_train)} rows ({prepared.task}, "
          f"{prepared.n_inputs} inputs), testing on {len(prepared.X_test)} rows.", flush=True)
    echo = None if args.quiet else (lambda line: print(line, flush=True))
    stop = threading.Event()  # Ctrl-C, or Stop on the workspace's pages
    with ctrl_c_stops(stop) as pressed:
        if args.workspace:
            job, prepared = train_in_workspace(args, spec, echo, stop)
        else:
            job = training.TrainingJob(spec, prepared, on_epoch=echo)
            done = threading.Event()

            def relay():  # the stop asked (Ctrl-C) reaches the job between its batches
                while not done.is_set():
                    if stop.wait(0.1):
                        job.stop()
                        return

            threading.Thread(target=relay, daemon=True).start()
            job.run()
            done.set()
    if job.status == FAILED:
        raise CLIError(job.error)
    if job.note:
        print(job.note)
    if job.status == STOPPED:  # Ctrl-C, or asked on the workspace's pages (Stop)
        how = "Ctrl-C" if pressed.is_set() else "Stop on the workspace's pages"
        print(f"Stopped after {job.epochs_done} of {spec.fit.epochs} epochs ({how}); the "
              "model keeps the weights it had.", flush=True)
    metrics = job.evaluate_test()
    print(test_scores_line(metrics, prepared.preprocessor))
    try:
        written = save_trained(job.deploy_model(), job.spec, prepared.preprocessor, out,
                               h5=args.h5)
    except OSError as exc:
        raise CLIError(f"cannot write to {out}: {exc.strerror or exc}") from None
    print("Wrote " + ", ".join(str(p) for p in written))
    return 130 if pressed.is_set() else 0  # interrupted, as a shell expects, model saved


@contextlib.contextmanager
def ctrl_c_stops(stop: threading.Event):
    """While training: a first Ctrl-C stops it as Stop on the pages does (the model keeps
    its weights and is saved); a second quits at once. Yields the event set by a press."""
    pressed = threading.Event()

    def on_ctrl_c(signum, frame):
        if pressed.is_set():
            raise KeyboardInterrupt
        pressed.set()
        stop.set()
        print("\nStopping at the end of this batch; the model keeps the weights it has and "
              "is saved (Ctrl-C again quits at once, saving nothing).", file=sys.stderr,
              flush=True)

    try:
        before = signal.signal(signal.SIGINT, on_ctrl_c)
    except ValueError:  # not the main thread: Ctrl-C stays Python's
        yield pressed
        return
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, before)


def workspace_store(token: str):
    """(the store, its runs) for a run of workspace `token`, or a CLIError in words: no such
    workspace, a student's lesson copy, a run already training. Checked before the data
    is read (a store that cannot be opened is said at once)."""
    from gui.core.store.lessons import Lessons
    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store, StoreError

    try:
        store = Store.from_env()
        if not store.exists(token):
            raise CLIError("no workspace has the token given with --workspace: copy it from "
                           "the app's address (?w=…), with the same LAYERLAB_HOME or "
                           "LAYERLAB_DATABASE_URL as the app.")
        copy = Lessons(store).of_copy(token)
        if copy is not None:
            raise CLIError(f"that workspace is {copy[1].name}'s copy of lesson {copy[0].code}: "
                           "its runs train from its own pages, where the lesson's limits "
                           "apply and its hidden test rows stay hidden (this command would "
                           "train on the file given, hidden rows and all).")
        runs = Runs(store)
        if runs.active(token) is not None:
            raise CLIError("that workspace is training a run already: wait for it or stop "
                           "it on the Runs page, then train again.")
    except StoreError as exc:
        raise CLIError(f"the workspace store: {exc}") from None
    return store, runs


def train_in_workspace(args, spec: ExperimentSpec, echo, stop: threading.Event):
    """Train as a run of workspace `args.workspace`, by the same code as a pool's worker:
    the files are stored in the workspace, the run is created and claimed by this process,
    its record follows every epoch, and a Stop asked on the Runs page (or `stop`) ends it."""
    import socket
    import time

    from gui.core.store.workspaces import StoreError
    from gui.core.workers import worker

    try:
        store, runs = workspace_store(args.workspace)
        data = {"dataset": _stored(store, args.workspace, args.data),
                "test": _stored(store, args.workspace, args.test) if args.test else None}
        run_id = runs.create(args.workspace, spec, data)
        # the run the workspace's pages show, as a Train click makes it (an open Train page
        # follows it live; a workspace never opened gets its defaults on its first page)
        store.update_state(args.workspace, lambda state: {**state, "run": run_id}
                           if state.get("spec") else state)
        owner = f"{socket.gethostname()}:{os.getpid()}:cli"
        if not runs.claim(run_id, owner):
            raise CLIError("a training pool took the run first: it trains there and shows on "
                           "the Runs page.")
    except StoreError as exc:
        raise CLIError(f"the workspace store: {exc}") from None
    name = runs.get(args.workspace, run_id).name  # "Run 2": as its Runs page lists it
    print(f"Recording {name} in workspace {args.workspace[:6]}… (its Runs page lists it)",
          flush=True)
    finished = threading.Event()

    def watch_stop():
        touched = 0.0
        while not finished.wait(0.2):
            if run_id in runs.stop_requests([run_id]):
                stop.set()
                return
            if time.monotonic() - touched > KEEP_ALIVE_S:  # this command is the workspace's
                store.touch(args.workspace)  # use: an app's idle rule must not stop its run
                touched = time.monotonic()

    watcher = threading.Thread(target=watch_stop, daemon=True)
    watcher.start()
    try:
        trained = worker.train(runs, run_id, stop, lambda: None, on_epoch=echo)
    finally:
        finished.set()
        watcher.join(timeout=1)
    if trained is None:
        raise CLIError(runs.get_any(run_id).error or "the run could not start.")
    return trained.job, trained.prepared


def _stored(store, token: str, path: str) -> dict:
    raw, name = file_bytes(path)
    record = store.add_file(token, name, raw)
    return {"file": record.sha256, "name": name}
