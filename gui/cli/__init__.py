"""LayerLab without the browser: the same core, driven from the command line.

    python -m gui train --data train.csv --target species --epochs 20 --out runs/iris
    python -m gui train --data train.csv --spec spec.json --test test.csv --out runs/life
    python -m gui predict runs/iris/model.keras --data rows.csv --out predictions.csv
    python -m gui search --data train.csv --target species --minutes 1 --out runs/best
    python -m gui export runs/iris/model.keras --format onnx --out iris-onnx

`train` reads the CSV exactly like the data page, trains with the spec (a spec JSON exported
from the GUI runs unchanged) or with the default network for the task, prints Keras' epoch
log and the test metrics, and writes model.keras, spec.json and preprocessing.json to --out.
Problems with the input end with exit status 1 and one line on stderr, never a traceback.

Each subcommand is one `add_<name>(subparsers)` function in SUBCOMMANDS that registers its
parser and sets `func`, in a module of its own (train, search, predict, export; what they
share is in common.py); adding a subcommand is writing such a module and listing it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from gui.cli.common import PROG, CLIError
from gui.cli.export import add_export
from gui.cli.predict import add_predict
from gui.cli.search import add_search
from gui.cli.train import add_train
from gui.core.data.formats.loaded import DataError
from gui.core.spec.schema import SpecError
from gui.core.workers.engines import RayConfigError

SUBCOMMANDS: list[Callable] = [add_train, add_search, add_predict, add_export]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="LayerLab on the command line: the GUI's core, no browser.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv`, run the subcommand; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CLIError, DataError, SpecError, RayConfigError) as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
