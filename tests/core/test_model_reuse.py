"""A training process's kept model (model_reuse): a run of the same network trains the kept
model, reset to the fresh model's starting values and its optimizer's first state, and draws
the same curves as a fresh model, to the last digit, with Dropout, BatchNormalization, early
stopping and the worker's release between runs; anything else gets a model of its own."""

from __future__ import annotations

import copy

import pytest

from gui.core.spec.schema import LayerSpec
from gui.core.spec.vocabulary import DONE
from gui.core.training import model_reuse
from gui.core.training.job import TrainingJob
from gui.core.workers.worker import release
from tests.core.test_training import _iris, _synthetic


@pytest.fixture(autouse=True)
def nothing_kept():
    model_reuse.forget()
    yield
    model_reuse.forget()


def trained(spec, prepared, reuse: bool = True) -> TrainingJob:
    job = TrainingJob(spec, prepared, reuse_model=reuse)
    job.run()
    assert job.status == DONE, job.error
    return job


def with_dropout_and_batch_norm(spec):
    spec = copy.deepcopy(spec)
    spec.layers = [spec.layers[0], LayerSpec(type="BatchNormalization"),
                   LayerSpec(type="Dropout", rate=0.3), *spec.layers[1:]]
    spec.fit.epochs = 6
    return spec


@pytest.mark.parametrize("make", [lambda s: s, with_dropout_and_batch_norm])
def test_a_run_of_the_same_network_trains_the_kept_model_with_the_same_curves(make):
    spec, prepared = _iris()
    spec = make(spec)
    fresh = trained(spec, prepared, reuse=False).history  # nothing kept, nothing reused
    first = trained(spec, prepared)
    release()  # what a worker does after each run
    second = trained(spec, prepared)
    assert second.model is first.model  # the kept model: no new trace
    assert first.history == fresh and second.history == fresh  # to the last digit
    assert int(second.model.optimizer.iterations.numpy()) == int(
        first.model.optimizer.iterations.numpy())  # its step count started again at 0


def test_early_stopping_s_restored_weights_do_not_leak_into_the_next_run():
    spec, prepared = _synthetic(300)
    spec.fit.epochs, spec.fit.patience = 40, 2
    fresh = trained(spec, prepared, reuse=False)
    trained(spec, prepared)
    again = trained(spec, prepared)
    assert again.history == fresh.history and again.note == fresh.note


def test_another_network_seed_or_data_gets_a_model_of_its_own():
    spec, prepared = _iris()
    first = trained(spec, prepared)
    other_seed = copy.deepcopy(spec)
    other_seed.fit.seed = 7
    seeded = trained(other_seed, prepared)
    assert seeded.model is not first.model
    assert seeded.history == trained(other_seed, prepared, reuse=False).history
    wider = copy.deepcopy(spec)
    wider.layers[0].units = 9
    assert trained(wider, prepared).model is not seeded.model
    scaled, rescaled = _iris(scaling="minmax")[1], None  # the same network, other scaling
    rescaled = trained(wider, scaled)
    assert rescaled.model is not first.model and rescaled.model is not seeded.model
    assert rescaled.history == trained(wider, scaled, reuse=False).history
