"""Small models trained once per test process, the way TrainingJob trains them.

Shared by the export / predict / evaluate / hostile-model tests and the page tests (which
write them into a workspace as finished runs: tests/ui/runs_helper.py). Each helper returns
a `Trained` (cached): the training-space model, the deployable model, the spec and the
PreparedData. Models are tiny and train for a few epochs only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import keras

from gui.core.data import dataset
from gui.core.data.formats import csv_io
from gui.core.model import build
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec, LayerSpec
from tests.conftest import SAMPLES

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                 "petal width (cm)"]


@dataclass
class Trained:
    model: object
    deploy: object
    spec: ExperimentSpec
    prepared: dataset.PreparedData
    frame: object  # the whole CSV as read
    history: dict = field(default_factory=dict)


def train(csv: str, target: str, epochs: int = 4, units: int = 8, frame=None,
          **data) -> Trained:
    """Train on the sample `csv` (or on `frame`, named `csv`)."""
    if frame is None:
        frame = csv_io.read_csv((SAMPLES / csv).read_bytes(), csv).frame
    data_spec = DataSpec(source=csv, target=target, **data)
    prepared = dataset.prepare(frame, data_spec)
    spec = default_spec(prepared.task, prepared.n_classes, data_spec)
    spec.layers = [LayerSpec(type="Dense", units=units, activation="relu"), spec.layers[-1]]
    spec.fit = replace(spec.fit, epochs=epochs, batch_size=32, seed=1)
    keras.utils.set_random_seed(1)
    model = build.build_model(spec, prepared.preprocessor)
    y = build.training_targets(prepared.y_train, spec, prepared.n_classes)
    history = model.fit(prepared.X_train, y, epochs=epochs, batch_size=32, verbose=0,
                        validation_split=0.2).history
    deploy = build.with_unscaled_output(model, prepared.preprocessor)
    return Trained(model, deploy, spec, prepared, frame,
                   {k: [float(x) for x in v] for k, v in history.items()})


@functools.cache
def iris() -> Trained:
    """Multiclass, all-numeric, no missing values: the model takes the raw CSV columns."""
    return train("iris.csv", "species", epochs=8, units=16)


@functools.cache
def cancer() -> Trained:
    """Binary (malignant / benign)."""
    return train("breast_cancer.csv", "diagnosis", epochs=4)


@functools.cache
def tips() -> Trained:
    """Regression with text columns and a standardised target (un-scaled by the model)."""
    return train("tips.csv", "tip", epochs=4, scaling="minmax", scale_target=True)


def plain_sequential(n_inputs: int = 4, n_outputs: int = 1) -> keras.Model:
    """A Keras model made outside LayerLab: no metadata, numeric inputs."""
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input(shape=(n_inputs,)),
                              keras.layers.Dense(6, activation="relu"),
                              keras.layers.Dense(n_outputs)])
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)  # saved whole, as after a fit
    return model
