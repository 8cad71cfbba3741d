"""The bundled sample datasets (see sample_data/README.md for where each comes from)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parents[3] / "sample_data"


@dataclass(frozen=True)
class Sample:
    name: str
    file: str
    target: str
    description: str
    test_file: str = ""

    def read_bytes(self) -> bytes:
        return (SAMPLE_DIR / self.file).read_bytes()

    def read_test_bytes(self) -> bytes | None:
        return (SAMPLE_DIR / self.test_file).read_bytes() if self.test_file else None


SAMPLES = (
    Sample("Iris flowers", "iris.csv", "species",
           "150 flowers, 4 measurements → species (3 classes)"),
    Sample("Breast cancer", "breast_cancer.csv", "diagnosis",
           "569 tumours, 30 measurements → malignant or benign"),
    Sample("Wine cultivars", "wine.csv", "cultivar",
           "178 wines, 13 chemical measurements → cultivar (3 classes)"),
    Sample("Handwritten digits", "digits.csv", "digit",
           "1,797 8×8 images as 64 pixel columns → digit 0–9"),
    Sample("Diabetes progression", "diabetes.csv", "progression",
           "442 patients, 10 measurements → disease progression after a year"),
    Sample("Restaurant tips", "tips.csv", "tip",
           "244 bills with text columns (day, smoker, …) → tip in dollars"),
    Sample("Life expectancy (train/test pair)", "life_expectancy_train.csv", "lifeExp",
           "Countries 1952–1997 → life expectancy; tested on 2002 and 2007",
           test_file="life_expectancy_test.csv"),
)


def by_name(name: str) -> Sample:
    for sample in SAMPLES:
        if sample.name == name:
            return sample
    raise KeyError(name)
