"""Spec → a runnable, readable Python script that trains the same Keras model from the CSV.

The script does what LayerLab does, in the style of the Keras tutorials: read the CSV with
pandas, pick the target and feature columns, handle missing values, one-hot encode text
columns, split with the same seed and test fraction, build a `keras.Sequential` whose first
layer holds the same feature scaling, compile, fit, evaluate and `model.save("model.keras")`.

Every string that comes from the spec or the data (column names, file names, layer options)
is written with `repr()`, so a hostile column name stays a string literal and never becomes
code; identifiers (initializer and optimizer classes) are checked against Keras' registries
first, by `validate`.

Example:
    text = python_script(spec, prepared.preprocessor)
    Path("train_iris.py").write_text(text)   # python train_iris.py iris.csv --epochs 5
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from gui.core.data.formats.number_text import read_numbers
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.layer_kinds import SCALING_SCRIPT, kind_of, optimizer_call
from gui.core.spec.schema import ExperimentSpec, LayerSpec, SpecError
from gui.core.spec.vocabulary import MAX_CATEGORIES, ONE_HOT_LOSSES


def _num(value) -> str:
    """A number as Python source (repr keeps every digit of a float)."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    return repr(float(value))


def layer_source(layer: LayerSpec) -> str:
    """One layer as `keras.layers.X(...)` source, non-default arguments only: the Call
    build.layer makes, without its seed and name (the script seeds Keras once)."""
    try:
        return kind_of(layer).call(layer).source()
    except ValueError as exc:  # validate() catches unknown types and names first
        raise SpecError(str(exc)) from exc


def optimizer_source(spec: ExperimentSpec) -> str:
    """The optimizer build.optimizer makes, as source."""
    return optimizer_call(spec.compile).source()


def _list(values) -> str:
    """A list of strings as source, one item a line when long."""
    items = [repr(str(v)) for v in values]
    one_line = "[" + ", ".join(items) + "]"
    if len(one_line) <= 70:
        return one_line
    return "[\n" + "".join(f"    {item},\n" for item in items) + "]"


def _has_header(data, prep) -> bool:
    """Did the training file name its columns? "auto" was decided when it was read: LayerLab
    names a headerless file's columns column_1 … column_N, and only then."""
    if data.header in ("yes", "no"):
        return data.header == "yes"
    used = [data.target, *prep.numeric_, *prep.text_]
    return not all(re.fullmatch(r"column_\d+", str(name)) for name in used)


def python_script(spec: ExperimentSpec, prep) -> str:
    """A standalone script that trains `spec`'s model on the CSV the way LayerLab does.

    Args:
        spec: the experiment; it must pass `validate` (raises SpecError listing problems).
        prep: the fitted preprocess.Preprocessor: which columns are numbers and which text.

    Returns:
        Python source. It takes the CSV path (default: the spec's file name), `--test-csv`,
        `--epochs` and `--output` on the command line.
    """
    info = DataInfo(task=prep.task, n_inputs=prep.n_inputs, n_classes=len(prep.classes_))
    problems = validate(spec, info)
    if problems:
        raise SpecError("The spec has problems to fix before it can be exported:\n"
                        + "\n".join(f"- {p}" for p in problems))
    data, fit, compile = spec.data, spec.fit, spec.compile
    task = prep.task
    one_hot_target = compile.loss in ONE_HOT_LOSSES
    scaling = prep.scaling_["kind"]
    lines: list[str] = []
    emit = lines.append

    emit('"""Train a neural network on a CSV file with Keras, as designed in LayerLab.')
    emit("")
    emit("Steps: read the CSV, prepare the columns, split train/test, build the network")
    emit("(feature scaling is its first layer), compile, fit, evaluate, save model.keras.")
    emit("")
    emit("Run:  python this_script.py [data.csv] [--test-csv test.csv] [--epochs N]")
    emit('"""')
    emit("")
    emit("import argparse")
    emit("import sys")
    emit("from pathlib import Path")
    emit("")
    emit("import keras")
    emit("import numpy as np")
    emit("import pandas as pd")
    emit("from sklearn.impute import SimpleImputer")
    emit("from sklearn.model_selection import train_test_split")
    emit("from sklearn.preprocessing import LabelEncoder, MinMaxScaler, StandardScaler")
    emit("")
    emit("# ---- The experiment, as chosen in LayerLab ----")
    emit(f"DATA_FILE = {data.source or 'data.csv'!r}")
    emit(f"TEST_FILE = {data.test_source or None!r}  # None: hold out TEST_FRACTION of the rows")
    kind = Path(data.source).suffix.lower()
    if kind == ".xlsx":
        emit(f"SHEET = {data.sheet or 0!r}  # the worksheet (0: the first); pandas reads it "
             "with openpyxl")
    elif kind != ".parquet":
        emit(f"DELIMITER = {data.delimiter!r}")
        emit(f"ENCODING = {data.encoding!r}")
    csv = kind not in (".xlsx", ".parquet")
    emit(f"DECIMAL_COMMA = {csv and (data.delimiter or ',') != ','!r}  # 1,5 is 1.5 in "
         "such a file")
    if kind != ".parquet":
        emit(f"HEADER = {_has_header(data, prep)!r}  # does the first row name the columns")
    emit(f"TARGET = {data.target!r}")
    emit(f"NUMERIC_FEATURES = {_list(prep.numeric_)}")
    emit(f"TEXT_FEATURES = {_list(prep.text_)}  # one-hot encoded")
    codes = [c for c in prep.text_ if c in data.categorical]
    if codes:
        emit(f"CODE_FEATURES = {_list(codes)}  # numbers treated as categories")
    emit(f"MISSING = {data.missing!r}  # 'drop' rows, or fill with 'mean' / 'median' / "
         "'most_frequent'")
    emit(f"MAX_CATEGORIES = {int(MAX_CATEGORIES)}  # one-hot keeps each text column's most "
         "frequent categories")
    emit(f"TEST_FRACTION = {_num(data.test_fraction)}")
    emit(f"SPLIT_SEED = {int(data.split_seed)}")
    emit(f"SEED = {int(fit.seed)}")
    emit(f"EPOCHS = {int(fit.epochs)}")
    emit(f"BATCH_SIZE = {int(fit.batch_size)}")
    emit("")
    emit("parser = argparse.ArgumentParser(description='Train the LayerLab model on a CSV.')")
    emit("parser.add_argument('csv', nargs='?', default=DATA_FILE, help='training data CSV')")
    emit("parser.add_argument('--test-csv', default=TEST_FILE, help='separate test data CSV')")
    emit("parser.add_argument('--epochs', type=int, default=EPOCHS)")
    emit("parser.add_argument('--output', default='model.keras', help='where to save the "
         "model')")
    emit("args = parser.parse_args()")
    emit("keras.utils.set_random_seed(SEED)  # run again, it trains the same model again")
    emit("FEATURES = NUMERIC_FEATURES + TEXT_FEATURES")
    emit("")
    emit("")
    emit("# ---- 0. Numbers written as text, read as LayerLab reads them ----")
    for line in inspect.getsource(read_numbers).rstrip().splitlines():
        emit(line)
    emit("")
    emit("")
    emit("# ---- 1. Read the CSV and keep the columns we use ----")
    emit("def read(path, what='training data'):")
    emit("    if not Path(path).is_file():  # one sentence, not a traceback")
    emit("        if what == 'test data':")
    emit("            sys.exit(f'No file {path!r} in {Path.cwd()}: pass the test file as '")
    emit("                     '--test-csv path/to/file, or leave it out to split the "
         "training data.')")
    emit("        sys.exit(f'No file {path!r} in {Path.cwd()}: pass the training data file "
         "as the '")
    emit("                 f'first argument, e.g. python {sys.argv[0]} "
         "path/to/{Path(DATA_FILE).name}')")
    if kind == ".xlsx":
        emit("    frame = pd.read_excel(path, sheet_name=SHEET, header=0 if HEADER else None)")
    elif kind == ".parquet":
        emit("    frame = pd.read_parquet(path)")
    else:
        emit("    frame = pd.read_csv(path, sep=DELIMITER, encoding=ENCODING, "
             "skipinitialspace=True,")
        emit("                        header=0 if HEADER else None)")
    if kind != ".parquet":
        emit("    if not HEADER:  # LayerLab names a headerless file's columns column_1 … N")
        emit("        frame.columns = [f'column_{i}' for i in range(1, frame.shape[1] + 1)]")
    emit("    frame.columns = [str(c).strip() for c in frame.columns]")
    emit("    frame = frame[FEATURES + [TARGET]].copy()")
    emit("    # Numbers stored as text (\"1,234\", \"12%\", a decimal comma in a file not")
    emit("    # separated by commas) become numbers; stray values become missing.")
    emit("    for column in NUMERIC_FEATURES:")
    emit("        frame[column] = read_numbers(frame[column], DECIMAL_COMMA).astype(float)")
    if codes:
        emit("    # Codes are category names: 3 and 3.0 are both the category '3'.")
        emit("    for column in CODE_FEATURES:")
        emit("        numbers = pd.to_numeric(frame[column], errors='coerce')")
        emit("        whole = numbers.notna() & (numbers % 1 == 0)")
        emit("        text = frame[column].astype(object).where(frame[column].isna(),")
        emit("                                                  frame[column].astype(str))")
        emit("        text[whole] = numbers[whole].astype('int64').astype(str)")
        emit("        fraction = numbers.notna() & ~whole")
        emit("        text[fraction] = numbers[fraction].astype(str)")
        emit("        frame[column] = text")
    if task == "regression":
        emit("    frame[TARGET] = read_numbers(frame[TARGET], DECIMAL_COMMA)")
    emit("    frame = frame.dropna(subset=[TARGET])  # rows without a target teach nothing")
    emit("    if MISSING == 'drop':")
    emit("        frame = frame.dropna(subset=FEATURES)")
    emit("    return frame")
    emit("")
    emit("")
    emit("data = read(args.csv)")
    emit("if args.test_csv:")
    emit("    # The training rows in an order drawn by the seed, as LayerLab takes them: the")
    emit("    # validation share is the last rows, which in file order would be all of one kind")
    emit("    # in a file sorted by date, place or class.")
    emit("    train = data.iloc[np.random.RandomState(SPLIT_SEED).permutation(len(data))]")
    emit("    test = read(args.test_csv, 'test data')")
    emit("else:")
    if task == "regression":
        emit("    stratify = None")
    else:
        emit("    # Keep the class proportions in both parts when every class has 2+ rows.")
        emit("    counts = data[TARGET].value_counts()")
        emit("    enough = counts.min() >= 2 and round(len(data) * TEST_FRACTION) >= len(counts)")
        emit("    # The classes numbered in order of first appearance, as LayerLab numbers them:")
        emit("    # sklearn draws the rows class by class, so the order picks which rows.")
        emit("    stratify = pd.factorize(data[TARGET])[0] if enough else None")
    emit("    train, test = train_test_split(data, test_size=TEST_FRACTION, "
         "random_state=SPLIT_SEED,")
    emit("                                   stratify=stratify)")
    emit("print(f'{len(train)} training rows, {len(test)} test rows')")
    emit("")
    emit("# ---- 2. Fill missing values and one-hot encode text (learned on train rows) ----")
    emit("strategy = MISSING if MISSING != 'drop' else 'median'")
    emit("imputer = SimpleImputer(strategy=strategy, keep_empty_features=True)")
    emit("if NUMERIC_FEATURES:")
    emit("    imputer.fit(train[NUMERIC_FEATURES].to_numpy(dtype=float))")
    emit("categories, most_frequent = {}, {}")
    emit("for column in TEXT_FEATURES:")
    emit("    counts = train[column].dropna().astype(str).value_counts()")
    emit("    most_frequent[column] = str(counts.index[0]) if len(counts) else ''")
    emit("    categories[column] = sorted(counts.index[:MAX_CATEGORIES])")
    emit("")
    emit("")
    emit("def encode(frame):")
    emit('    """Raw feature columns → one float32 row of numbers per example."""')
    emit("    parts = []")
    emit("    if NUMERIC_FEATURES:")
    emit("        parts.append(imputer.transform(frame[NUMERIC_FEATURES].to_numpy(dtype=float)))")
    emit("    for column in TEXT_FEATURES:")
    emit("        values = frame[column].astype(object).where(frame[column].notna(),")
    emit("                                                    most_frequent[column]).astype(str)")
    emit("        # One 0/1 column per category; unseen categories are all zeros.")
    emit("        onehot = pd.get_dummies(pd.Categorical(values, "
         "categories=categories[column]))")
    emit("        parts.append(onehot.to_numpy(dtype=float))")
    emit("    return np.hstack(parts).astype('float32')")
    emit("")
    emit("")
    emit("X_train, X_test = encode(train), encode(test)")
    if task == "regression":
        emit("y_train = train[TARGET].to_numpy(dtype='float32')")
        emit("y_test = test[TARGET].to_numpy(dtype='float32')")
        if data.scale_target:
            emit("# Standardise the target for training (mean 0, std 1); the saved model "
                 "un-scales.")
            emit("target_min = float(y_train.astype('float64').mean())")
            emit("target_range = float(y_train.astype('float64').std()) or 1.0")
            emit("y_train = (y_train - target_min) / target_range")
            emit("y_test = (y_test - target_min) / target_range")
    else:
        emit("# Class names → numbers 0, 1, 2, ... (in sorted order, as LabelEncoder does).")
        emit("text_target = not pd.api.types.is_numeric_dtype(train[TARGET])")
        emit("")
        emit("")
        emit("def classes_of(frame):")
        emit("    return frame[TARGET].astype(str) if text_target else frame[TARGET]")
        emit("")
        emit("")
        emit("labels = LabelEncoder().fit(classes_of(train))")
        emit("y_train = labels.transform(classes_of(train))")
        emit("y_test = labels.transform(classes_of(test))")
        emit("print('Classes:', list(labels.classes_))")
        if one_hot_target:
            emit(f"# {compile.loss} compares one-hot rows: class 2 of 3 → [0, 0, 1].")
            emit("y_train = keras.utils.to_categorical(y_train, "
                 "num_classes=len(labels.classes_))")
            emit("y_test = keras.utils.to_categorical(y_test, "
                 "num_classes=len(labels.classes_))")
    emit("print('Inputs per row after encoding:', X_train.shape[1])")
    emit("")
    emit("# ---- 3. Build the network: scaling layer first, so the model takes raw values ----")
    for line in SCALING_SCRIPT[scaling]:
        emit(line)
    emit("model = keras.Sequential([")
    emit("    keras.Input(shape=(X_train.shape[1],)),")
    if scaling != "none":
        emit("    scaling,")
    for layer in spec.layers:
        emit(f"    {layer_source(layer)},")
    emit("])")
    emit("model.summary()")
    emit("")
    emit("# ---- 4. Compile and train ----")
    emit("model.compile(")
    emit(f"    optimizer={optimizer_source(spec)},")
    emit(f"    loss={compile.loss!r},")
    emit(f"    metrics={_list(compile.metrics)},")
    emit(")")
    callbacks = []
    if fit.early_stopping:
        emit("early_stopping = keras.callbacks.EarlyStopping(")
        emit(f"    monitor={fit.monitor!r}, patience={int(fit.patience)}, "
             f"restore_best_weights={bool(fit.restore_best_weights)!r})")
        callbacks.append("early_stopping")
    fit_args = ["X_train", "y_train", "epochs=args.epochs", "batch_size=BATCH_SIZE"]
    if fit.validation == "split":
        fit_args.append(f"validation_split={_num(fit.validation_split)}")
    elif fit.validation == "test":
        fit_args.append("validation_data=(X_test, y_test)")
    if not fit.shuffle:
        fit_args.append("shuffle=False")
    if callbacks:
        fit_args.append(f"callbacks=[{', '.join(callbacks)}]")
    emit("history = model.fit(")
    emit("    " + ", ".join(fit_args[:4]) + ",")
    if fit_args[4:]:
        emit("    " + ", ".join(fit_args[4:]) + ",")
    emit(")")
    emit("")
    emit("# ---- 5. Evaluate on the test rows and save ----")
    emit("results = model.evaluate(X_test, y_test, return_dict=True, verbose=0)")
    emit("print('Test:', {name: round(float(value), 4) for name, value in results.items()})")
    if task == "regression" and data.scale_target:
        emit("# The saved model returns the target in its own units.")
        emit("model = keras.Sequential([keras.Input(shape=(X_train.shape[1],)), *model.layers,")
        emit("                          keras.layers.Rescaling(scale=target_range, "
             "offset=target_min)])")
    emit("model.save(args.output)")
    emit("print('Saved', args.output)")
    return "\n".join(lines) + "\n"
