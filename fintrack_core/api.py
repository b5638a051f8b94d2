"""The core's stable names for the interfaces (dashboard, CLI, API), in one place.

Why a facade (as Beancount's ``api.py``): interfaces should depend on what the domain
promises, not on where it keeps things. The enums, the database handle and the schema calls
are bound here; ``db/models`` stays an implementation detail that no interface imports.
"""

from __future__ import annotations

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database, database_url
from fintrack_core.db.models import AccountType, CategoryKind, Role, RuleMode
from fintrack_core.db.portfolio_models import AssetKind, CostBasisMethod, PriceProvider, TradeKind
from fintrack_core.db.schema import current_revision, upgrade
from fintrack_core.errors import (
    Busy,
    Conflict,
    FinTrackError,
    NotFound,
    PermissionDenied,
    ValidationError,
)

__all__ = [
    "AccountType", "AssetKind", "Busy", "CategoryKind", "Conflict", "CostBasisMethod", "Database",
    "FinTrackError", "NotFound", "PermissionDenied", "PriceProvider", "Role", "RuleMode", "Scope",
    "TradeKind", "ValidationError", "current_revision", "database_url", "upgrade",
]
