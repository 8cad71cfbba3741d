"""The workspace document as the pages edit it (`Doc`): what a user did, in plain JSON, and
read back with defaults for whatever is missing or unreadable. workspace.py keeps it in sync
with the store; no Streamlit here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from gui.core.data.samples import SAMPLES
from gui.core.spec.data_info import DataInfo
from gui.core.spec.schema import ExperimentSpec, SpecError


@dataclass
class Doc:
    """A workspace's document.

    Args:
        spec: the experiment spec every page edits.
        dataset: {"sample": name} or {"file": sha256, "name": file name}.
        test: the separate test data, in the same form, or None.
        split: "fraction" (hold out rows) or "file" (the test data above).
        edited: the settings the user chose by hand (heads.EDITABLE names).
        basis: the DataInfo the layers and compile settings were shaped for.
        run: the id of the run the pages show (the latest started, or one opened on Runs).
        projector: projector mode (larger, high-contrast text and charts) is on.
    """

    spec: ExperimentSpec = field(default_factory=ExperimentSpec)
    dataset: dict = field(default_factory=lambda: {"sample": SAMPLES[0].name})
    test: dict | None = None
    split: str = "fraction"
    edited: list[str] = field(default_factory=list)
    basis: dict | None = None
    run: int | None = None
    projector: bool = False

    def to_dict(self) -> dict:
        return {"spec": self.spec.to_dict(), "dataset": self.dataset, "test": self.test,
                "split": self.split, "edited": sorted(set(self.edited)),
                "basis": self.basis, "run": self.run, "projector": self.projector}

    @classmethod
    def from_dict(cls, raw: dict) -> Doc:
        """The document as stored; parts that are missing or unreadable get defaults."""
        doc = cls()
        try:
            doc.spec = ExperimentSpec.from_dict(raw["spec"])
        except (KeyError, TypeError, SpecError):
            return doc
        dataset = raw.get("dataset")
        if isinstance(dataset, dict) and ("sample" in dataset or "file" in dataset):
            doc.dataset = dataset
        doc.test = raw.get("test") if isinstance(raw.get("test"), dict) else None
        doc.split = raw.get("split") if raw.get("split") in ("fraction", "file") else "fraction"
        doc.edited = [x for x in raw.get("edited") or [] if isinstance(x, str)]
        basis = raw.get("basis")
        doc.basis = basis if isinstance(basis, dict) else None
        run = raw.get("run")
        doc.run = run if isinstance(run, int) and not isinstance(run, bool) else None
        doc.projector = raw.get("projector") is True
        return doc

    def basis_info(self) -> DataInfo | None:
        try:
            return DataInfo(**self.basis) if self.basis else None
        except TypeError:
            return None

    def set_basis(self, info: DataInfo | None) -> None:
        self.basis = asdict(info) if info is not None else None
