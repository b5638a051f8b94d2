"""The caller's own settings in a book: notifications (as on the Settings page) and
portfolio alerts. Any member may change their own, viewers too; a read-only token may not
(``deps.book_scope``), and nobody can reach another member's."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import BookScope
from fintrack_api.problems import responses
from fintrack_api.schemas import changes_of
from fintrack_api.settings_schemas import (
    NotificationSettings,
    NotificationSettingsPatch,
    PortfolioAlertSettings,
    PortfolioAlertSettingsPatch,
)
from fintrack_core.notify.settings import get_settings, update_settings
from fintrack_core.portfolio.alerts import get_alert_settings, update_alert_settings

router = APIRouter(prefix="/books/{book_id}", tags=["settings"])
READS = responses(401, 404, 422)
CHANGES = responses(401, 403, 404, 412, 422)


@router.get("/notification-settings", response_model=NotificationSettings, responses=READS,
            summary="Your notification settings for this book")
def notifications(scope: BookScope, response: Response) -> NotificationSettings:
    found = NotificationSettings.of(get_settings(scope))
    with_etag(response, found)
    return found


@router.patch("/notification-settings", response_model=NotificationSettings,
              responses=CHANGES, summary="Change some of your notification settings")
def change_notifications(scope: BookScope, body: NotificationSettingsPatch, request: Request,
                         response: Response) -> NotificationSettings:
    check_if_match(request, NotificationSettings.of(get_settings(scope)))
    changes = changes_of(body)
    if "thresholds" in changes:
        changes["thresholds"] = tuple(changes["thresholds"])
    changed = NotificationSettings.of(update_settings(scope, **changes))
    with_etag(response, changed)
    return changed


@router.get("/portfolio-alert-settings", response_model=PortfolioAlertSettings,
            responses=READS, summary="Your portfolio alerts for this book")
def portfolio_alerts(scope: BookScope, response: Response) -> PortfolioAlertSettings:
    found = PortfolioAlertSettings.of(get_alert_settings(scope))
    with_etag(response, found)
    return found


@router.patch("/portfolio-alert-settings", response_model=PortfolioAlertSettings,
              responses=CHANGES, summary="Change your portfolio alerts; null turns one off")
def change_portfolio_alerts(scope: BookScope, body: PortfolioAlertSettingsPatch,
                            request: Request, response: Response) -> PortfolioAlertSettings:
    check_if_match(request, PortfolioAlertSettings.of(get_alert_settings(scope)))
    changes = changes_of(body, frozenset({"day_move_pct", "value", "gain"}))
    changed = PortfolioAlertSettings.of(update_alert_settings(scope, **changes))
    with_etag(response, changed)
    return changed
