"""Regenerate the bundled sample CSVs from data that ships inside installed packages.

Run: .venv/bin/python sample_data/make_samples.py  (nothing is downloaded)
"""

from pathlib import Path

import pandas as pd
import plotly.data
from sklearn import datasets

HERE = Path(__file__).parent


def from_sklearn(loader, target: str, names=None) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    frame = bunch.frame.rename(columns={"target": target})
    if names is not None:
        frame[target] = [names[i] for i in frame[target]]
    return frame


def main() -> None:
    iris = datasets.load_iris()
    from_sklearn(datasets.load_iris, "species", iris.target_names).to_csv(
        HERE / "iris.csv", index=False)
    wine = datasets.load_wine()
    from_sklearn(datasets.load_wine, "cultivar", wine.target_names).to_csv(
        HERE / "wine.csv", index=False)
    cancer = datasets.load_breast_cancer()
    from_sklearn(datasets.load_breast_cancer, "diagnosis", cancer.target_names).to_csv(
        HERE / "breast_cancer.csv", index=False, float_format="%.6g")
    def diabetes(as_frame):  # in the original units, not sklearn's pre-scaled ones
        return datasets.load_diabetes(as_frame=as_frame, scaled=False)

    from_sklearn(diabetes, "progression").to_csv(
        HERE / "diabetes.csv", index=False, float_format="%.6g")
    from_sklearn(datasets.load_digits, "digit").astype(int).to_csv(
        HERE / "digits.csv", index=False)
    plotly.data.tips().to_csv(HERE / "tips.csv", index=False)
    gap = plotly.data.gapminder()[["country", "continent", "year", "pop", "gdpPercap",
                                   "lifeExp"]]
    gap[gap.year <= 1997].to_csv(HERE / "life_expectancy_train.csv", index=False)
    gap[gap.year > 1997].to_csv(HERE / "life_expectancy_test.csv", index=False)


if __name__ == "__main__":
    main()
