"""Declarative feature tests: ``*.feature.yaml`` files collected as pytest items.

``collector`` is the pytest plugin; ``schema`` reads and checks a file into the ``model``;
``steps`` runs a case. The file format is documented in ``suites/features/FORMAT.md``.
"""

from __future__ import annotations

from pytest_deploygate.features.model import Case, Feature
from pytest_deploygate.features.nodes import FeatureSchemaError
from pytest_deploygate.features.schema import load_feature

__all__ = ["Case", "Feature", "FeatureSchemaError", "load_feature"]
