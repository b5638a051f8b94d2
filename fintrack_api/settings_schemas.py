"""JSON shapes of a member's own settings in a book: notifications and portfolio alerts.

They are each member's own (``fintrack_core.notify.settings``, ``portfolio.alerts``), so a
viewer reads and changes theirs as on the Settings page; a read-only token changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fintrack_api.portfolio_schemas import exact, rounded
from fintrack_api.schemas import Money, Strict
from fintrack_core.notify.settings import NotifySettings
from fintrack_core.portfolio.alerts import AlertSettings

Percent = Annotated[int, Field(ge=1, le=1000)]


class NotificationSettings(BaseModel):
    budget_alerts: bool = Field(examples=[True])
    subscription_alerts: bool = Field(examples=[True], description="Missed payments, price "
                                                                   "changes")
    channel: Literal["in-app", "email"] = Field(
        examples=["in-app"], description="email: alerts and the weekly report are also "
                                         "mailed (when the server has mail set up)")
    weekly: bool = Field(examples=[False], description="The weekly summary by e-mail")
    weekday: int = Field(examples=[0], description="0 = Monday ... 6 = Sunday")
    thresholds: list[int] = Field(examples=[[80, 100]],
                                  description="Alert thresholds for budgets added without "
                                              "their own (percent)")

    @classmethod
    def of(cls, s: NotifySettings) -> NotificationSettings:
        return cls(budget_alerts=s.budget_alerts, subscription_alerts=s.subscription_alerts,
                   channel=s.channel, weekly=s.weekly,  # type: ignore[arg-type]
                   weekday=s.weekday, thresholds=list(s.thresholds))


class NotificationSettingsPatch(Strict):
    budget_alerts: bool | None = None
    subscription_alerts: bool | None = None
    channel: Literal["in-app", "email"] | None = None
    weekly: bool | None = None
    weekday: int | None = Field(None, ge=0, le=6)
    thresholds: list[Percent] | None = Field(None, min_length=1, max_length=5,
                                             examples=[[75, 100]])


class PortfolioAlertSettings(BaseModel):
    """``null``: that alert is off. Amounts are in the book's base currency."""

    currency: str = Field(examples=["EUR"])
    day_move_pct: str | None = Field(examples=["5"], description="An asset moves more than "
                                                                 "this % in a day")
    value: Money | None = Field(description="The portfolio's value crosses this")
    gain: Money | None = Field(description="A sale gains or loses more than this")

    @classmethod
    def of(cls, a: AlertSettings) -> PortfolioAlertSettings:
        return cls(currency=a.currency,
                   day_move_pct=None if a.day_move_pct is None else exact(a.day_move_pct),
                   value=rounded(a.value, a.currency), gain=rounded(a.gain, a.currency))


class PortfolioAlertSettingsPatch(Strict):
    """Decimal strings; ``null`` turns that alert off."""

    day_move_pct: str | None = Field(None, max_length=40, examples=["5"])
    value: str | None = Field(None, max_length=40, examples=["50000"])
    gain: str | None = Field(None, max_length=40, examples=["1000"])
