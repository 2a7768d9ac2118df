"""A gradient-boosted tree ensemble read from JSON and evaluated with numpy.

The answerability decision needs conjunctions ("a value of the asked kind AND about the
asked thing") that a linear model cannot express. The trees are fitted by scikit-learn's
`GradientBoostingClassifier` at training time only (`from_sklearn`, through its public
`estimators_[i, 0].tree_` arrays); at answer time they are plain arrays in the parameter
file, so loading executes nothing (no pickle) and scikit-learn is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rag.core.errors import ModelError


def columns_of(features: tuple[str, ...], names: tuple[str, ...]) -> tuple[int, ...] | None:
    """Where `features` stand in rows of `names` (None: they are those rows); a ModelError
    names a feature the rows lack."""
    missing = [f for f in features if f not in names]
    if missing:
        raise ModelError(f"the reader's features lack {', '.join(missing)}")
    cols = tuple(names.index(f) for f in features)
    return None if cols == tuple(range(len(names))) else cols


@dataclass(frozen=True)
class Tree:
    feature: np.ndarray  # per node: the column it splits on (-2 at a leaf)
    threshold: np.ndarray  # go left when x[feature] <= threshold
    left: np.ndarray  # child node ids, -1 at a leaf
    right: np.ndarray
    value: np.ndarray  # per node: the leaf's contribution (used at leaves only)

    def predict(self, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), dtype=np.int64)
        rows = np.arange(len(x))
        for _ in range(len(self.feature)):  # a tree's depth is below its node count
            inner = self.left[node] >= 0
            if not inner.any():
                break
            f = np.where(inner, self.feature[node], 0)
            go_left = x[rows, f] <= self.threshold[node]
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
        return self.value[node]

    def to_json(self) -> dict:
        return {"feature": self.feature.tolist(), "threshold": self.threshold.tolist(),
                "left": self.left.tolist(), "right": self.right.tolist(), "value": self.value.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "Tree":
        tree = cls(np.asarray(data["feature"], np.int64), np.asarray(data["threshold"], np.float64),
                   np.asarray(data["left"], np.int64), np.asarray(data["right"], np.int64),
                   np.asarray(data["value"], np.float64))
        n = len(tree.feature)
        if not all(len(a) == n for a in (tree.threshold, tree.left, tree.right, tree.value)) or n == 0:
            raise ValueError("tree arrays of unequal length")
        if ((tree.left >= n) | (tree.right >= n)).any():
            raise ValueError("a tree's child points outside it")
        return tree


@dataclass(frozen=True)
class Trees:
    """sigmoid(platt_a * (init + rate * sum of the trees' leaves) + platt_b): the ensemble's
    log-odds, with a Platt scale fitted on held-out folds so that its outputs are
    calibrated probabilities."""

    features: tuple[str, ...]
    trees: tuple[Tree, ...]
    init: float
    rate: float
    platt: tuple[float, float] = (1.0, 0.0)
    columns: tuple[int, ...] | None = None  # where its features stand in the rows it is given

    def reading(self, names: tuple[str, ...]) -> "Trees":
        return replace(self, columns=columns_of(self.features, names))

    def raw(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if self.columns is not None:
            x = x[:, list(self.columns)]
        return self.init + self.rate * sum(t.predict(x) for t in self.trees)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.platt[0] * self.raw(x) + self.platt[1]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    def to_json(self) -> dict:
        return {"kind": "trees", "features": list(self.features), "init": self.init, "rate": self.rate,
                "platt": list(self.platt), "trees": [t.to_json() for t in self.trees]}

    @classmethod
    def from_json(cls, data: dict) -> "Trees":
        return cls(tuple(data["features"]), tuple(Tree.from_json(t) for t in data["trees"]), float(data["init"]),
                   float(data["rate"]), tuple(float(v) for v in data.get("platt", (1.0, 0.0))))

    @classmethod
    def from_sklearn(cls, model, features: tuple[str, ...], platt: tuple[float, float] = (1.0, 0.0)) -> "Trees":
        """The ensemble of a fitted binary `GradientBoostingClassifier` (log-loss, its
        default prior init): the same decision function, as arrays."""
        prior = float(np.clip(model.init_.class_prior_[1], 1e-12, 1 - 1e-12))
        trees = []
        for est in model.estimators_[:, 0]:
            t = est.tree_
            trees.append(Tree(t.feature.astype(np.int64), t.threshold.astype(np.float64),
                              t.children_left.astype(np.int64), t.children_right.astype(np.int64),
                              t.value[:, 0, 0].astype(np.float64)))
        return cls(features, tuple(trees), float(np.log(prior / (1 - prior))), float(model.learning_rate), platt)
