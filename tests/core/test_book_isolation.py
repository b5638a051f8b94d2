"""Every read and write is scoped to one book (DESIGN.md, boundary 2), proven for every public
service function that takes a ``Scope``:

1. someone who is not a member of book A gets ``PermissionDenied`` with a scope for A, and a
   scope for a book that does not exist fails the same way;
2. a member of book B, using B's scope but ids (or names) of A's objects, gets ``NotFound`` —
   the answer for a missing object — and nothing of A changes; B's reads show nothing of A;
3. a viewer of A is refused every write (and nothing changes) but every read works and shows
   what the owner sees; an editor may write but not manage the book.

``OPS`` is the table of calls; an ``own-read`` answers for the acting user (their last
import), so a viewer's answer is their own, not the owner's.
``test_every_scoped_function_is_in_the_table`` fails when a public function taking ``scope``
is added anywhere in ``fintrack_core`` without a row here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import io
import pkgutil
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import fintrack_cli
import fintrack_core
from fintrack_cli import common as cli_common
from fintrack_cli import trades as cli_trades
from fintrack_core import access, audit
from fintrack_core.access import Scope
from fintrack_core.backups import archive as book_archive
from fintrack_core.budgets import forecast, inbox, subscriptions
from fintrack_core.budgets import history as budget_history
from fintrack_core.budgets import service as budgets
from fintrack_core.budgets import status as budget_status
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.db.portfolio_alert_models import PortfolioAlert
from fintrack_core.db.portfolio_models import AssetKind, Price, PriceProvider
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.imports import book_profiles, history
from fintrack_core.imports import service as imports
from fintrack_core.imports.read import read_statement
from fintrack_core.ledger import accounts, books, categories, fx, search, users
from fintrack_core.ledger import overview as ov
from fintrack_core.ledger import transactions as tx
from fintrack_core.notify import settings as notify_settings
from fintrack_core.portfolio import alerts as p_alerts
from fintrack_core.portfolio import assets as p_assets
from fintrack_core.portfolio import gains as p_gains
from fintrack_core.portfolio import income as p_income
from fintrack_core.portfolio import lots as p_lots
from fintrack_core.portfolio import market_value as p_market
from fintrack_core.portfolio import performance as p_perf
from fintrack_core.portfolio import trades as p_trades
from fintrack_core.portfolio import valuation as p_valuation
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.trades import TradeInput
from fintrack_core.prices import latest as prices_latest
from fintrack_core.prices import manual as manual_prices
from fintrack_core.prices import refresh as price_refresh
from fintrack_core.reports import cashflow as r_cashflow
from fintrack_core.reports import categories as r_categories
from fintrack_core.reports import drilldown as r_drilldown
from fintrack_core.reports import exports as r_exports
from fintrack_core.reports import networth as r_networth
from fintrack_core.reports import pivot as r_pivot
from fintrack_core.reports import summary as r_summary
from fintrack_core.reports import trends as r_trends
from fintrack_core.reports import weekly as r_weekly
from fintrack_core.rules import service as rules
from fintrack_core.rules.service import Action, Condition, RuleSpec
from fintrack_core.tokens import personal as personal_tokens
from tests.core.prices.asset_rows import add_asset
from tests.core.prices.fakes import TableProvider

DAY = dt.date(2024, 3, 20)
AS_OF = dt.date(2024, 3, 31)
RATE_DAY = dt.date(2024, 1, 1)

# Strings that exist only in book A: none may appear in anything book B's member is shown.
A_MARKERS = ("Alice Girokonto", "Alice Tagesgeld", "Alice Visa", "Alice Empty", "Alice Old",
             "Alice Hobby Fund", "Alice Grocer", "ACME Payroll", "1.0834", "victor", "eddie",
             "Alice's book", "Alice Depot", "Alice Index Fund")


@dataclass(frozen=True)
class Ids:
    """Ids of book A's objects (identical in every copy of the template database)."""

    account: int  # Alice Girokonto, with transactions
    savings: int
    card: int
    empty_account: int  # no transactions
    closed_account: int
    category: int  # Groceries
    category2: int  # Restaurants
    unused_category: int  # Coffee
    custom_category: int  # Alice Hobby Fund
    transaction: int  # the grocery purchase
    transfer_leg: int
    victor: int  # viewer of A
    # book B's own objects, for calls that mix them with A's ids
    b_account: int
    b_transaction: int  # filed under b_category
    b_category: int  # B's Groceries
    b_unused: int  # B's Coffee
    rule: int = 0  # "Alice Grocer" payee -> Restaurants
    rule2: int = 0  # ACME Payroll on the Girokonto -> tag
    batch: int = 0  # an imported statement of the Girokonto
    budget: int = 0  # monthly Groceries budget
    alert: int = 0  # its 80 % alert of March 2024
    series: str = ""  # the key of "Alice Streaming", paid monthly
    depot: int = 0  # "Alice Depot", an investment account
    asset: int = 0  # AIDX "Alice Index Fund", bought in the depot, with a market price
    spare_asset: int = 0  # an asset without trades
    trade: int = 0  # the buy of AIDX
    priced: int = 0  # AHF, a fund priced on Yahoo as "AHF.DE", with a typed price


@dataclass(frozen=True)
class World:
    db: Database
    owner: Scope  # alice in A
    editor: Scope  # eddie in A
    viewer: Scope  # victor in A
    stranger: Scope  # mallory, owner of B, with A's book id
    nowhere: Scope  # alice with a book id that does not exist
    other: Scope  # mallory in her own book B
    ids: Ids


@dataclass(frozen=True)
class Op:
    """One service call. ``kind`` is read, write, manage (owner only), own-write (a member's
    own settings: any role, viewers too), owner-read (a read
    only owners may make, e.g. the book's audit log) or writer-check (the role check of a
    write alone, changing nothing: editors and owners pass, viewers are refused).

    ``targets_a``: the call names objects of A (ids, or a name for lookups), so from book B it
    must fail with ``foreign_error`` — the error a missing object gives. ``given`` is the name
    a lookup passes in: an error may echo it back without leaking anything.
    """

    name: str
    kind: str
    call: Callable[[Scope, Ids], Any]
    targets_a: bool = True
    foreign_error: type[Exception] = NotFound
    given: str = ""

    @property
    def function(self) -> str:
        return self.name.split("[")[0]

    def __str__(self) -> str:
        return self.name


def _report_data(value: Any) -> Any:
    """A report result as plain data: DataFrames (and dataclasses of them) do not ``==``."""
    if isinstance(value, pd.DataFrame):
        return value.to_json(orient="split", date_format="iso", default_handler=str), value.attrs
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _report_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _archive_text(scope: Scope) -> str:
    """Everything inside the book's archive, as text (checked for A's markers)."""
    buf = io.BytesIO()
    book_archive.export_book(scope, buf)
    with zipfile.ZipFile(buf) as zf:
        return "\n".join(zf.read(n).decode() for n in zf.namelist())


PRICE_CSV = "symbol,date,price\nAHF,2024-03-18,99.10\n"


def _price_feed() -> dict[str, TableProvider]:
    """An offline Yahoo that knows A's fund and the pair of A's USD card."""
    return {"yahoo": TableProvider("yahoo", {"AHF.DE": Decimal("101.60"),
                                             "USDEUR=X": Decimal("0.9231")},
                                   currency="EUR", day=DAY)}


def _input(i: Ids) -> tx.TransactionInput:
    return tx.TransactionInput(i.account, DAY, "-12.50", "Bäckerei", "Bread", i.category)


def _rule(category: int, account: int | None = None) -> RuleSpec:
    """A rule naming one of A's categories (and accounts), as a member of A would write it."""
    conds: tuple[Condition, ...] = (Condition("payee", "contains", "grocer"),)
    if account is not None:
        conds += (Condition("account", "in", (account,)),)
    return RuleSpec("Grocer rule", conds, (Action("set_category", category),))


STATEMENT = b"Date,Description,Amount\n2024-03-20,Corner shop,-7.40\n2024-03-21,Refund,2.00\n"
# An OFX investment statement for "Alice Depot": one buy of AIDX (matched by its ticker).
INVEST_OFX = (b'<?xml version="1.0"?><?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" '
              b'OLDFILEUID="NONE" NEWFILEUID="NONE"?><OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS>'
              b"<INVSTMTRS><CURDEF>EUR</CURDEF><INVTRANLIST><BUYSTOCK><INVBUY><INVTRAN>"
              b"<FITID>D-1</FITID><DTTRADE>20240320</DTTRADE></INVTRAN><SECID>"
              b"<UNIQUEID>IE00AIDX0001</UNIQUEID><UNIQUEIDTYPE>ISIN</UNIQUEIDTYPE></SECID>"
              b"<UNITS>1</UNITS><UNITPRICE>100</UNITPRICE><TOTAL>-100</TOTAL></INVBUY>"
              b"</BUYSTOCK></INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>"
              b"<SECLISTMSGSRSV1><SECLIST><STOCKINFO><SECINFO><SECID><UNIQUEID>IE00AIDX0001"
              b"</UNIQUEID><UNIQUEIDTYPE>ISIN</UNIQUEIDTYPE></SECID><SECNAME>Alice Index Fund"
              b"</SECNAME><TICKER>AIDX</TICKER></SECINFO></STOCKINFO></SECLIST>"
              b"</SECLISTMSGSRSV1></OFX>")
# Book A's own bank profile; its label is a marker that must not show in book B.
ALICE_PROFILE = ('name = "alice_bank"\nlabel = "Alice Girokonto export"\n[match]\n'
                 'header = ["Buchung", "Betrag"]\n[mapping]\ndate = "Buchung"\n'
                 'amount = "Betrag"\n')


def _detected() -> dict[str, object]:
    """What a preview of ``STATEMENT`` found (the input of ``save_profile``)."""
    return dict(read_statement(STATEMENT, "march.csv").detected, format="csv")


def _book_state(scope: Scope) -> tuple[str, int, int]:
    """``read_state`` without the role (a viewer's role differs from the owner's by design)."""
    state = access.read_state(scope)
    return state.base_currency, state.data_version, state.rewrite_version


OPS: list[Op] = [
    Op("access.read_state", "read", lambda s, i: _book_state(s), False),
    # accounts
    Op("ledger.accounts.find_account", "read",
       lambda s, i: accounts.find_account(s, "Alice Girokonto"),
       given="Alice Girokonto"),
    Op("ledger.accounts.list_accounts", "read", lambda s, i: accounts.list_accounts(s), False),
    Op("ledger.accounts.balances", "read", lambda s, i: accounts.balances(s, AS_OF), False),
    Op("ledger.accounts.balance", "read", lambda s, i: accounts.balance(s, i.account, AS_OF)),
    Op("ledger.accounts.account_view", "read", lambda s, i: accounts.account_view(s, i.account)),
    Op("ledger.accounts.transaction_count", "read",
       lambda s, i: accounts.transaction_count(s, i.account)),
    Op("ledger.accounts.create_account", "write",
       lambda s, i: accounts.create_account(s, "Holiday fund", "savings", "EUR", "100", DAY),
       False),
    Op("ledger.accounts.update_account", "write",
       lambda s, i: accounts.update_account(s, i.account, name="Renamed", institution="N26")),
    Op("ledger.accounts.close_account", "write",
       lambda s, i: accounts.close_account(s, i.account, DAY)),
    Op("ledger.accounts.reopen_account", "write",
       lambda s, i: accounts.reopen_account(s, i.closed_account)),
    Op("ledger.accounts.delete_account", "write",
       lambda s, i: accounts.delete_account(s, i.empty_account)),
    # audit log (owners only; it names A's members and files, so a leak would show)
    Op("audit.book_audit", "owner-read",
       lambda s, i: [e.as_json() for e in audit.book_audit(s).entries], False),
    # books
    Op("ledger.books.get_book", "read",
       lambda s, i: dataclasses.astuple(books.get_book(s))[:3], False),
    Op("ledger.books.list_members", "read", lambda s, i: books.list_members(s), False),
    Op("ledger.books.update_book", "manage", lambda s, i: books.update_book(s, name="Renamed book"),
       False),
    Op("ledger.books.share_book", "manage", lambda s, i: books.share_book(s, "walter", Role.VIEWER),
       False),
    Op("ledger.books.remove_member", "manage", lambda s, i: books.remove_member(s, i.victor)),
    # book archive: the owner's full export
    Op("backups.archive.export_book", "owner-read", lambda s, i: _archive_text(s), False),
    # categories
    Op("ledger.categories.list_categories", "read",
       lambda s, i: categories.list_categories(s), False),
    Op("ledger.categories.usage_count", "read", lambda s, i: categories.usage_count(s, i.category)),
    Op("ledger.categories.category_view", "read",
       lambda s, i: categories.category_view(s, i.category)),
    Op("ledger.categories.create_category[under a parent]", "write",
       lambda s, i: categories.create_category(s, "Organic", parent_id=i.category)),
    Op("ledger.categories.create_category[top level]", "write",
       lambda s, i: categories.create_category(s, "Pets", "expense"), False),
    Op("ledger.categories.rename_category", "write",
       lambda s, i: categories.rename_category(s, i.category, "Supermarket")),
    Op("ledger.categories.move_category", "write",
       lambda s, i: categories.move_category(s, i.unused_category, None)),
    Op("ledger.categories.merge_categories", "write",
       lambda s, i: categories.merge_categories(s, i.unused_category, i.category2)),
    Op("ledger.categories.delete_category", "write",
       lambda s, i: categories.delete_category(s, i.custom_category)),
    # budgets
    Op("budgets.service.list_budgets", "read", lambda s, i: budgets.list_budgets(s), False),
    Op("budgets.service.get_budget", "read", lambda s, i: budgets.get_budget(s, i.budget)),
    Op("budgets.service.add_budget", "write", lambda s, i: budgets.add_budget(
        s, budgets.BudgetInput(i.category2, "120", "weekly", start_day=0))),
    Op("budgets.service.update_budget", "write",
       lambda s, i: budgets.update_budget(s, i.budget, amount="450", rollover=True)),
    Op("budgets.service.delete_budget", "write",
       lambda s, i: budgets.delete_budget(s, i.budget)),
    Op("budgets.status.budget_status", "read",
       lambda s, i: budget_status.budget_status(s, AS_OF), False),
    Op("budgets.status.daily_spending", "read", lambda s, i: _report_data(
        budget_status.daily_spending(s, [(budgets.get_budget(s, i.budget), DAY, AS_OF)]))),
    Op("budgets.history.budget_history", "read",
       lambda s, i: _report_data(budget_history.budget_history(s, i.budget, 6, AS_OF))),
    Op("budgets.history.year_table", "read",
       lambda s, i: _report_data(budget_history.year_table(s, 2024)), False),
    Op("budgets.history.month_budgets", "read",
       lambda s, i: _report_data(budget_history.month_budgets(s, AS_OF)), False),
    Op("budgets.history.income_not_budgeted", "read",
       lambda s, i: budget_history.income_not_budgeted(s, AS_OF), False),
    Op("budgets.inbox.list_alerts", "read", lambda s, i: inbox.list_alerts(s), False),
    Op("budgets.inbox.mark_read", "write", lambda s, i: inbox.mark_read(s, [i.alert])),
    Op("budgets.inbox.dismiss_alerts", "write",
       lambda s, i: inbox.dismiss_alerts(s, [i.alert])),
    Op("budgets.subscriptions.list_subscriptions", "read",
       lambda s, i: subscriptions.list_subscriptions(s), False),
    Op("budgets.subscriptions.upcoming_bills", "read",
       lambda s, i: subscriptions.upcoming_bills(s, 30, dt.date(2024, 4, 1)), False),
    Op("budgets.subscriptions.confirm_series", "write",
       lambda s, i: subscriptions.confirm_series(s, i.series, name="Films")),
    Op("budgets.subscriptions.dismiss_series", "write",
       lambda s, i: subscriptions.dismiss_series(s, i.series)),
    Op("budgets.subscriptions.subscription_alerts", "read",
       lambda s, i: subscriptions.subscription_alerts(s, dt.date(2024, 5, 1)), False),
    Op("budgets.forecast.forecast", "read",
       lambda s, i: _report_data(forecast.forecast(s, 60, dt.date(2024, 3, 20))), False),
    # notifications: each member's own settings, so viewers may save theirs
    Op("notify.settings.get_settings", "read", lambda s, i: notify_settings.get_settings(s),
       False),
    Op("notify.settings.update_settings", "own-write",
       lambda s, i: notify_settings.update_settings(s, weekly=True, weekday=3), False),
    # portfolio alerts: each member's own settings and alerts
    Op("portfolio.alerts.get_alert_settings", "read",
       lambda s, i: p_alerts.get_alert_settings(s), False),
    Op("portfolio.alerts.update_alert_settings", "own-write",
       lambda s, i: p_alerts.update_alert_settings(s, day_move_pct="5", value="1000"), False),
    Op("portfolio.alerts.list_portfolio_alerts", "read",
       lambda s, i: [(a.kind, a.message) for a in p_alerts.list_portfolio_alerts(s)], False),
    Op("portfolio.alerts.mark_portfolio_alerts_read", "own-write",
       lambda s, i: p_alerts.mark_portfolio_alerts_read(s), False),
    Op("reports.weekly.week_figures", "read",
       lambda s, i: r_weekly.week_figures(s, dt.date(2024, 3, 4)), False),
    # exchange rates
    Op("ledger.fx.list_rates", "read", lambda s, i: fx.list_rates(s), False),
    Op("ledger.fx.rate_table", "read",
       lambda s, i: fx.rate_table(s).rate("EUR", "USD", DAY), False),
    Op("ledger.fx.set_rate", "write",
       lambda s, i: fx.set_rate(s, "EUR", "CHF", DAY, "0.9512"), False),
    Op("ledger.fx.delete_rate", "write",
       lambda s, i: fx.delete_rate(s, "EUR", "USD", RATE_DAY), False),
    # prices
    Op("prices.latest.latest_prices", "read",
       lambda s, i: prices_latest.latest_prices(s, today=AS_OF), False),
    Op("prices.latest.latest_price", "read",
       lambda s, i: prices_latest.latest_price(s, i.priced, AS_OF)),
    Op("prices.latest.price_history", "read",
       lambda s, i: prices_latest.price_history(s, i.priced)),
    Op("prices.manual.set_price", "write",
       lambda s, i: manual_prices.set_price(s, i.priced, DAY, "102.25", today=AS_OF)),
    Op("prices.manual.set_price[by symbol]", "write",
       lambda s, i: manual_prices.set_price(s, "AHF", DAY, "102.25", today=AS_OF), given="AHF"),
    Op("prices.manual.import_prices", "write",
       lambda s, i: manual_prices.import_prices(s, PRICE_CSV, today=AS_OF).as_json(), False),
    Op("prices.refresh.check_refresh_allowed", "writer-check",
       lambda s, i: price_refresh.check_refresh_allowed(s), False),
    Op("prices.refresh.refresh_prices", "write",
       lambda s, i: price_refresh.refresh_prices(s, providers=_price_feed()).updated, False),
    Op("prices.refresh.refresh_prices[A's asset]", "write",
       lambda s, i: price_refresh.refresh_prices(s, [i.priced], providers=_price_feed())),
    Op("prices.refresh.backfill_history", "write",
       lambda s, i: price_refresh.backfill_history(s, i.priced, dt.date(2024, 3, 4), DAY,
                                                   providers=_price_feed())),
    # overview
    Op("ledger.overview.overview", "read", lambda s, i: ov.overview(s, AS_OF), False),
    Op("ledger.overview.month_flow", "read", lambda s, i: ov.month_flow(s, DAY), False),
    # search
    Op("ledger.search.list_transactions", "read", lambda s, i: search.list_transactions(s), False),
    Op("ledger.search.list_transactions[account filter]", "read",
       lambda s, i: search.list_transactions(s, TransactionFilter(account_ids=(i.account,)))),
    Op("ledger.search.list_transactions[category filter]", "read",
       lambda s, i: search.list_transactions(s, TransactionFilter(category_ids=(i.category,)))),
    # transactions
    Op("ledger.transactions.add_transaction", "write",
       lambda s, i: tx.add_transaction(s, _input(i))),
    Op("ledger.transactions.add_transaction_once", "write",
       lambda s, i: tx.add_transaction_once(s, _input(i))),
    Op("ledger.transactions.get_transaction", "read",
       lambda s, i: tx.get_transaction(s, i.transaction)),
    Op("ledger.search.transactions_after", "read",
       lambda s, i: search.transactions_after(s, limit=2), False),
    Op("ledger.search.transactions_after[account filter]", "read",
       lambda s, i: search.transactions_after(s, TransactionFilter(account_ids=(i.account,)))),
    # API tokens: a read-write token needs a role that writes
    Op("tokens.personal.create_token", "write",
       lambda s, i: personal_tokens.create_token(s, "sync", "read-write").token.scope, False),
    Op("ledger.transactions.update_transaction", "write",
       lambda s, i: tx.update_transaction(s, i.transaction, payee="Edited", notes="changed")),
    Op("ledger.transactions.update_transactions", "write",
       lambda s, i: tx.update_transactions(s, [(i.transaction, {"payee": "Edited"})])),
    Op("ledger.transactions.delete_transaction", "write",
       lambda s, i: tx.delete_transaction(s, i.transaction)),
    Op("ledger.transactions.delete_transaction[transfer leg]", "write",
       lambda s, i: tx.delete_transaction(s, i.transfer_leg)),
    Op("ledger.transactions.transfer", "write",
       lambda s, i: tx.transfer(s, i.account, i.savings, "10", DAY)),
    Op("ledger.transactions.transfer[cross-currency]", "write",
       lambda s, i: tx.transfer(s, i.account, i.card, "10", DAY, received="10.83")),
    Op("ledger.transactions.bulk_set_category", "write",
       lambda s, i: tx.bulk_set_category(s, [i.transaction], i.category2)),
    Op("ledger.transactions.bulk_delete", "write", lambda s, i: tx.bulk_delete(s, [i.transaction])),
    # rules
    Op("rules.service.list_rules", "read", lambda s, i: rules.list_rules(s), False),
    Op("rules.service.load_rules", "read", lambda s, i: rules.load_rules(s), False),
    Op("rules.service.rules_for_import", "read", lambda s, i: rules.rules_for_import(s), False),
    Op("rules.service.get_rule_mode", "read", lambda s, i: rules.get_rule_mode(s), False),
    Op("rules.service.preview_rule", "read", lambda s, i: rules.preview_rule(s, i.rule)),
    Op("rules.service.preview_rule[unsaved spec]", "read",
       lambda s, i: rules.preview_rule(s, _rule(i.unused_category))),
    Op("rules.service.rule_from_transaction", "read",
       lambda s, i: rules.rule_from_transaction(s, i.transaction)),
    Op("rules.service.create_rule", "write", lambda s, i: rules.create_rule(s, RuleSpec(
        "Bakery", (Condition("payee", "contains", "bäckerei"),),
        (Action("rename_payee", "Bäckerei"),))), False),
    Op("rules.service.create_rule[A's category]", "write",
       lambda s, i: rules.create_rule(s, _rule(i.unused_category))),
    Op("rules.service.create_rule[A's account]", "write",
       lambda s, i: rules.create_rule(s, _rule(i.unused_category, i.account))),
    Op("rules.service.update_rule", "write",
       lambda s, i: rules.update_rule(s, i.rule, _rule(i.unused_category))),
    Op("rules.service.delete_rule", "write", lambda s, i: rules.delete_rule(s, i.rule)),
    Op("rules.service.reorder_rules", "write",
       lambda s, i: rules.reorder_rules(s, [i.rule2, i.rule])),
    Op("rules.service.set_rule_mode", "write", lambda s, i: rules.set_rule_mode(s, "all"), False),
    Op("rules.service.reapply_rules", "write", lambda s, i: rules.reapply_rules(s), False),
    Op("rules.service.reapply_rules[account filter]", "write",
       lambda s, i: rules.reapply_rules(s, TransactionFilter(account_ids=(i.account,)))),
    # statement imports
    Op("imports.service.import_statement", "write",
       lambda s, i: imports.import_statement(s, STATEMENT, "march.csv", [i.account])),
    Op("imports.service.import_statement[dry run]", "read",
       lambda s, i: imports.import_statement(s, STATEMENT, "march.csv", [i.account],
                                             dry_run=True).as_json()),
    # investment statements: reached through import_statement, import_investments' only caller
    Op("imports.invest_import.import_investments", "write",
       lambda s, i: imports.import_statement(s, INVEST_OFX, "depot.ofx", [i.depot])),
    Op("imports.service.import_statement[investment dry run]", "read",
       lambda s, i: imports.import_statement(s, INVEST_OFX, "depot.ofx", [i.depot],
                                             dry_run=True).as_json()),
    Op("imports.service.list_batches", "read", lambda s, i: imports.list_batches(s), False),
    Op("imports.history.last_import_accounts", "own-read",
       lambda s, i: history.last_import_accounts(s), False),
    # the book's own bank profiles
    Op("imports.book_profiles.list_profiles", "read",
       lambda s, i: book_profiles.list_profiles(s), False),
    Op("imports.book_profiles.export_profile", "read",
       lambda s, i: book_profiles.export_profile(s, "alice_bank")),
    Op("imports.book_profiles.import_profile", "write",
       lambda s, i: book_profiles.import_profile(
           s, ALICE_PROFILE.replace("alice_bank", "corner_bank"), "corner_bank.toml"), False),
    Op("imports.book_profiles.import_profile[replace]", "write",
       lambda s, i: book_profiles.import_profile(
           s, ALICE_PROFILE.replace("export", "CSV"), "alice_bank.toml", replace=True),
       False),  # from book B: a new profile of B's; A's of the same name stays as it is
    Op("imports.book_profiles.save_profile", "write",
       lambda s, i: book_profiles.save_profile(s, "corner_shop", _detected()), False),
    Op("imports.book_profiles.delete_profile", "write",
       lambda s, i: book_profiles.delete_profile(s, "alice_bank")),
    Op("imports.service.undo_batch", "write", lambda s, i: imports.undo_batch(s, i.batch)),
    # reports (DuckDB copy of the book): reads without ids of A
    Op("reports.categories.category_breakdown", "read",
       lambda s, i: _report_data(r_categories.category_breakdown(s)), False),
    Op("reports.categories.top_payees", "read",
       lambda s, i: _report_data(r_categories.top_payees(s)), False),
    Op("reports.categories.month_over_month", "read",
       lambda s, i: _report_data(r_categories.month_over_month(s, DAY)), False),
    Op("reports.categories.spending_by_weekday", "read",
       lambda s, i: _report_data(r_categories.spending_by_weekday(s)), False),
    Op("reports.categories.spending_by_day_of_month", "read",
       lambda s, i: _report_data(r_categories.spending_by_day_of_month(s)), False),
    Op("reports.cashflow.cashflow_sankey", "read",
       lambda s, i: _report_data(r_cashflow.cashflow_sankey(s)), False),
    Op("reports.networth.net_worth", "read",
       lambda s, i: _report_data(r_networth.net_worth(s, RATE_DAY, AS_OF)), False),
    Op("reports.pivot.pivot", "read",
       lambda s, i: _report_data(r_pivot.pivot(s, "category", "tag", "sum")), False),
    Op("reports.drilldown.drilldown", "read",
       lambda s, i: _report_data(r_drilldown.drilldown(s)), False),
    Op("reports.summary.monthly_summary", "read",
       lambda s, i: _report_data(r_summary.monthly_summary(s, DAY)), False),
    Op("reports.trends.trends", "read",
       lambda s, i: _report_data(r_trends.trends(s, RATE_DAY, AS_OF)), False),
    Op("reports.exports.export_transactions", "read",
       lambda s, i: len(r_exports.export_transactions(s, None, "csv")), False),
    Op("reports.exports.write_transactions", "read",
       lambda s, i: r_exports.write_transactions(s, None, "csv", io.BytesIO()), False),
    # portfolio
    Op("portfolio.assets.list_assets", "read", lambda s, i: p_assets.list_assets(s), False),
    Op("portfolio.assets.get_asset", "read", lambda s, i: p_assets.get_asset(s, i.asset)),
    Op("portfolio.assets.add_asset", "write",
       lambda s, i: p_assets.add_asset(s, AssetInput("BTC", "crypto", "EUR")), False),
    Op("portfolio.assets.update_asset", "write",
       lambda s, i: p_assets.update_asset(s, i.asset, name="Renamed fund")),
    Op("portfolio.assets.delete_asset", "write",
       lambda s, i: p_assets.delete_asset(s, i.spare_asset)),
    Op("portfolio.trades.list_trades", "read", lambda s, i: p_trades.list_trades(s), False),
    Op("portfolio.trades.list_trades[account filter]", "read",
       lambda s, i: p_trades.list_trades(s, i.depot)),
    Op("portfolio.trades.get_trade", "read", lambda s, i: p_trades.get_trade(s, i.trade)),
    Op("portfolio.trades.add_trade", "write", lambda s, i: p_trades.add_trade(
        s, TradeInput(i.depot, i.asset, DAY, "buy", "1", "100"))),
    Op("portfolio.trades.update_trade", "write",
       lambda s, i: p_trades.update_trade(s, i.trade, price="101")),
    Op("portfolio.trades.delete_trade", "write", lambda s, i: p_trades.delete_trade(s, i.trade)),
    Op("portfolio.lots.holdings", "read", lambda s, i: p_lots.holdings(s), False),
    Op("portfolio.lots.holdings[account]", "read",
       lambda s, i: p_lots.holdings(s, account_id=i.depot)),
    Op("portfolio.lots.get_cost_basis", "read", lambda s, i: p_lots.get_cost_basis(s, i.depot)),
    Op("portfolio.lots.set_cost_basis", "write",
       lambda s, i: p_lots.set_cost_basis(s, i.depot, "lifo")),
    Op("portfolio.gains.realised_gains", "read",
       lambda s, i: p_gains.realised_gains(s, 2024), False),
    Op("portfolio.gains.income_received", "read", lambda s, i: p_gains.income_received(s),
       False),
    Op("portfolio.gains.export_realised_gains", "read",
       lambda s, i: p_gains.export_realised_gains(s, 2024, "csv"), False),
    Op("portfolio.valuation.valuation", "read", lambda s, i: p_valuation.valuation(s, AS_OF),
       False),
    Op("portfolio.valuation.performers", "read",
       lambda s, i: p_valuation.performers(s, 3, AS_OF), False),
    Op("portfolio.valuation.unrealised_gains", "read",
       lambda s, i: p_valuation.unrealised_gains(s, AS_OF), False),
    Op("portfolio.performance.performance", "read",
       lambda s, i: p_perf.performance(s, "custom", RATE_DAY, AS_OF), False),
    Op("portfolio.performance.value_history", "read",
       lambda s, i: _report_data(p_perf.value_history(s, "custom", RATE_DAY, AS_OF)), False),
    Op("portfolio.performance.value_history[benchmark]", "read",
       lambda s, i: _report_data(p_perf.value_history(s, "custom", RATE_DAY, AS_OF,
                                                      benchmark_asset_id=i.asset))),
    Op("portfolio.market_value.holdings_market_value", "read",
       lambda s, i: p_market.holdings_market_value(s, [RATE_DAY, AS_OF]), False),
    Op("portfolio.performance.performance_and_history", "read",
       lambda s, i: tuple(_report_data(part) for part in p_perf.performance_and_history(
           s, "custom", RATE_DAY, AS_OF, benchmark_asset_id=i.asset))),
    Op("portfolio.income.income_summary", "read", lambda s, i: p_income.income_summary(s),
       False),
    Op("portfolio.income.projected_income", "read",
       lambda s, i: p_income.projected_income(s, AS_OF), False),
    # CLI helpers: name lookups, which answer "no such name" exactly as for a missing one
    Op("fintrack_cli.common.resolve_account", "read",
       lambda s, i: cli_common.resolve_account(s, "Alice Girokonto"),
       foreign_error=ValidationError, given="Alice Girokonto"),
    Op("fintrack_cli.trades.resolve_asset", "read",
       lambda s, i: cli_trades.resolve_asset(s, "AIDX"),
       foreign_error=ValidationError, given="AIDX"),
    Op("fintrack_cli.common.resolve_category", "read",
       lambda s, i: cli_common.resolve_category(s, "Alice Hobby Fund"),
       foreign_error=ValidationError, given="Alice Hobby Fund"),
]

READS = [op for op in OPS if op.kind == "read"]
OWNER_READS = [op for op in OPS if op.kind == "owner-read"]
WRITES = [op for op in OPS if op.kind in ("write", "manage")]
OWN_WRITES = [op for op in OPS if op.kind == "own-write"]
WRITER_CHECKS = [op for op in OPS if op.kind == "writer-check"]
FOREIGN = [op for op in OPS if op.targets_a]


def _build(db: Database) -> tuple[dict[str, int], Ids]:
    """Book A (Alice, with an editor and a viewer) and book B (Mallory), with real data."""
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    user_ids = {"alice": alice.id}
    for name in ("victor", "eddie", "mallory", "walter"):
        user_ids[name] = users.create_user(db, name, f"{name[::-1]}-pass-phrase",
                                           name.title(), acting_user_id=alice.id).id
    book_a = books.list_books(db, alice.id)[0].id
    a = Scope(db, alice.id, book_a)
    books.share_book(a, "victor", Role.VIEWER)
    books.share_book(a, "eddie", Role.EDITOR)
    start = dt.date(2024, 1, 1)
    giro = accounts.create_account(a, "Alice Girokonto", "checking", "EUR", "1500", start)
    savings = accounts.create_account(a, "Alice Tagesgeld", "savings", "EUR", "5000", start)
    card = accounts.create_account(a, "Alice Visa", "credit_card", "USD", "0", start)
    empty = accounts.create_account(a, "Alice Empty", "cash", "EUR", "0", start)
    closed = accounts.create_account(a, "Alice Old Savings", "savings", "EUR", "0", start)
    accounts.close_account(a, closed.id, dt.date(2024, 2, 1))
    cats = {c.name: c.id for c in categories.list_categories(a)}
    hobby = categories.create_category(a, "Alice Hobby Fund", "expense")
    tx.add_transaction(a, tx.TransactionInput(giro.id, dt.date(2024, 3, 1), "2500",
                                              "ACME Payroll", "Salary", cats["Salary"]))
    grocery = tx.add_transaction(a, tx.TransactionInput(
        giro.id, dt.date(2024, 3, 5), "-64.37", "Alice Grocer", "Weekly shop",
        cats["Groceries"], tags=["food"]))
    tr = tx.transfer(a, giro.id, savings.id, "300", dt.date(2024, 3, 15))
    fx.set_rate(a, "EUR", "USD", RATE_DAY, "1.0834")
    grocer_rule = rules.create_rule(a, RuleSpec(
        "Alice Grocer → Restaurants", (Condition("payee", "contains", "alice grocer"),),
        (Action("set_category", cats["Restaurants"]),)))
    payroll_rule = rules.create_rule(a, RuleSpec(
        "ACME Payroll", (Condition("payee", "equals", "ACME Payroll"),
                         Condition("account", "in", (giro.id,))), (Action("add_tags", "salary"),)))
    # The file name holds a marker: a listing of B's imports must not show it.
    kiosk = imports.import_statement(a, b"Date,Description,Amount\n2024-03-10,Kiosk,-3.20\n",
                                     "Alice Girokonto March.csv", [giro.id])
    budget = budgets.add_budget(a, budgets.BudgetInput(cats["Groceries"], "70", "monthly",
                                                       starts_on=start))
    tx.add_transaction(a, tx.TransactionInput(giro.id, dt.date(2024, 3, 6), "-1.00",
                                              "Alice Bakery", category_id=cats["Groceries"]))
    [alert] = inbox.list_alerts(a, include_dismissed=True)
    for month in (1, 2, 3):
        tx.add_transaction(a, tx.TransactionInput(giro.id, dt.date(2024, month, 20), "-9.99",
                                                  "Alice Streaming"))
    [series] = subscriptions.list_subscriptions(a).series
    book_profiles.import_profile(a, ALICE_PROFILE, "alice_bank.toml")
    ahf = add_asset(db, book_a, "AHF", AssetKind.FUND, "EUR", PriceProvider.YAHOO, "AHF.DE")
    manual_prices.set_price(a, ahf, dt.date(2024, 3, 15), "100.40", today=AS_OF)
    depot = accounts.create_account(a, "Alice Depot", "investment", "EUR", "0", start)
    tx.transfer(a, giro.id, depot.id, "500", dt.date(2024, 3, 11))
    fund = p_assets.add_asset(a, AssetInput("AIDX", "etf", "EUR", name="Alice Index Fund"))
    spare = p_assets.add_asset(a, AssetInput("ASPARE", "etf", "EUR"))
    buy = p_trades.add_trade(a, TradeInput(depot.id, fund.id, dt.date(2024, 3, 12), "buy", "2",
                                           "100", fees="1"))
    p_trades.add_trade(a, TradeInput(depot.id, fund.id, dt.date(2024, 3, 14), "dividend",
                                     amount="1.50"))
    with db.write() as s:
        s.add(Price(book_id=None, provider="yahoo", provider_id="AIDX", date=dt.date(2024, 3, 19),
                    close="110", currency="EUR", source="test",
                    fetched_at=dt.datetime(2024, 3, 19, 18, tzinfo=dt.UTC).replace(tzinfo=None)))
    fired = dt.datetime(2024, 3, 19, 18, tzinfo=dt.UTC).replace(tzinfo=None)
    with db.write() as s:  # one unread portfolio alert each for Alice and Victor (viewer)
        for who in ("alice", "victor"):
            s.add(PortfolioAlert(user_id=user_ids[who], book_id=book_a, key="move:AIDX:x",
                                 kind="day_move", day=dt.date(2024, 3, 19),
                                 message="AIDX rose 10.0 %",
                                 fired_at=fired))
    b = Scope(db, user_ids["mallory"], books.list_books(db, user_ids["mallory"])[0].id)
    m_acc = accounts.create_account(b, "Mallory checking", "checking", "GBP", "20", start)
    b_cats = {c.name: c.id for c in categories.list_categories(b)}
    tesco = tx.add_transaction(b, tx.TransactionInput(m_acc.id, dt.date(2024, 3, 3), "-5.00",
                                                      "Tesco", category_id=b_cats["Groceries"]))
    user_ids["book_a"], user_ids["book_b"] = book_a, b.book_id
    return user_ids, Ids(giro.id, savings.id, card.id, empty.id, closed.id, cats["Groceries"],
                         cats["Restaurants"], cats["Coffee"], hobby.id, grocery.id,
                         tr.in_leg.id, user_ids["victor"], m_acc.id, tesco.id,
                         b_cats["Groceries"], b_cats["Coffee"], grocer_rule.id, payroll_rule.id,
                         kiosk.batch_id or 0, budget.id, alert.id, series.series.key,
                         depot.id, fund.id, spare.id, buy.id, priced=ahf)


@pytest.fixture(scope="module")
def template(_templates: dict[str, Any],
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Ids]:
    folder = tmp_path_factory.mktemp("isolation-template")
    shutil.copyfile(_templates["empty"], folder / "fintrack.db")
    db = Database(f"sqlite:///{folder / 'fintrack.db'}")
    user_ids, ids = _build(db)
    db.dispose()
    return folder / "fintrack.db", user_ids, ids


@pytest.fixture
def world(template: tuple[Path, dict[str, int], Ids], tmp_path: Path) -> World:
    source, u, ids = template
    shutil.copyfile(source, tmp_path / "fintrack.db")
    db = Database(f"sqlite:///{tmp_path / 'fintrack.db'}")
    a = u["book_a"]
    return World(db, Scope(db, u["alice"], a), Scope(db, u["eddie"], a),
                 Scope(db, u["victor"], a), Scope(db, u["mallory"], a),
                 Scope(db, u["alice"], 987_654), Scope(db, u["mallory"], u["book_b"]), ids)


def _leaks(value: object, given: str = "") -> list[str]:
    """A's marker strings in what was shown (except the name the caller typed in)."""
    shown = repr(value).replace(given, "") if given else repr(value)
    return [m for m in A_MARKERS if m in shown]


# --- the table itself -------------------------------------------------------------------------


def _scoped_functions() -> set[str]:
    found = set()
    for package in (fintrack_core, fintrack_cli):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if (inspect.isfunction(obj) and obj.__module__ == module.__name__
                        and not name.startswith("_")):
                    params = list(inspect.signature(obj).parameters)
                    if params and params[0] == "scope":
                        found.add(f"{info.name.removeprefix('fintrack_core.')}.{name}")
    return found


def test_every_scoped_function_is_in_the_table() -> None:
    """A new public service function taking ``scope`` must get a row in ``OPS``."""
    scoped = _scoped_functions()
    missing = scoped - {op.function for op in OPS}
    assert not missing, f"add these to OPS in {Path(__file__).name}: {sorted(missing)}"
    stale = {op.function for op in OPS} - scoped
    assert not stale, f"OPS names functions that no longer take a scope: {sorted(stale)}"
    assert len(scoped) >= 35


def test_every_row_works_for_the_owner(world: World, snapshot: Callable[..., Any]) -> None:
    """The calls are valid: the refusals below are about access, never about bad arguments."""
    for op in OPS:
        fresh = _copy_of(world)
        before = snapshot(fresh.db)
        op.call(fresh.owner, fresh.ids)
        if op in WRITES or op in OWN_WRITES:
            assert snapshot(fresh.db) != before, f"{op} changed nothing"
        else:
            assert snapshot(fresh.db) == before, f"{op} changed something"
        fresh.db.dispose()


def _copy_of(world: World) -> World:
    """A private copy of the world's database (so one test may run many writes)."""
    path = Path(world.db.engine.url.database or "")
    target = path.with_name(f"copy-{next(_COPIES)}.db")
    world.db.dispose()
    shutil.copyfile(path, target)
    db = Database(f"sqlite:///{target}")
    scopes = {f.name: dataclasses.replace(getattr(world, f.name), db=db)
              for f in dataclasses.fields(world) if isinstance(getattr(world, f.name), Scope)}
    return dataclasses.replace(world, db=db, **scopes)


_COPIES = iter(range(1_000_000))


# --- 1. non-members ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=str)
def test_a_non_member_is_denied(world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match="not a member") as err:
        op.call(world.stranger, world.ids)
    assert _leaks(str(err.value)) == []
    assert snapshot(world.db) == before


@pytest.mark.parametrize("op", OPS, ids=str)
def test_a_book_that_does_not_exist_is_denied_the_same_way(
        world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match="not a member"):
        op.call(world.nowhere, world.ids)
    assert snapshot(world.db) == before


# --- 2. members of another book ---------------------------------------------------------------


@pytest.mark.parametrize("op", FOREIGN, ids=str)
def test_another_books_ids_are_not_found(world: World, op: Op,
                                         snapshot: Callable[..., Any]) -> None:
    book_a = world.owner.book_id
    before = snapshot(world.db, book_a)
    with pytest.raises(op.foreign_error) as err:
        op.call(world.other, world.ids)
    assert type(err.value) is op.foreign_error
    assert _leaks(str(err.value), op.given) == []
    assert snapshot(world.db, book_a) == before


@pytest.mark.parametrize("op", [op for op in OPS if not op.targets_a], ids=str)
def test_calls_in_another_book_touch_and_show_nothing_of_a(
        world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    book_a = world.owner.book_id
    before = snapshot(world.db, book_a)
    result = op.call(world.other, world.ids)
    if op.kind in ("read", "owner-read", "own-read"):
        assert _leaks(result) == []
    assert snapshot(world.db, book_a) == before


MIXED: list[tuple[str, Callable[[Scope, Ids], Any]]] = [
    ("add_transaction: own account, A's category", lambda s, i: tx.add_transaction(
        s, tx.TransactionInput(i.b_account, DAY, "-5", "Tesco", category_id=i.category))),
    ("update_transaction: A's category", lambda s, i: tx.update_transaction(
        s, i.b_transaction, category_id=i.category2)),
    ("update_transaction: A's account", lambda s, i: tx.update_transaction(
        s, i.b_transaction, account_id=i.account, amount="-5.80")),
    ("update_transactions: own row, then A's row", lambda s, i: tx.update_transactions(
        s, [(i.b_transaction, {"payee": "Mine"}), (i.transaction, {"payee": "Theirs"})])),
    ("update_transactions: A's category", lambda s, i: tx.update_transactions(
        s, [(i.b_transaction, {"category_id": i.category2})])),
    ("transfer: to A's account", lambda s, i: tx.transfer(
        s, i.b_account, i.account, "5", DAY, received="5.85")),
    ("create_category: under A's parent", lambda s, i: categories.create_category(
        s, "Snacks", parent_id=i.category)),
    ("move_category: under A's parent", lambda s, i: categories.move_category(
        s, i.b_unused, i.category)),
    ("merge_categories: into A's category", lambda s, i: categories.merge_categories(
        s, i.b_unused, i.category2)),
    ("merge_categories: A's into own", lambda s, i: categories.merge_categories(
        s, i.category, i.b_category)),
    ("delete_category: move to A's category", lambda s, i: categories.delete_category(
        s, i.b_category, move_to_id=i.category2)),
    ("bulk_set_category: A's category", lambda s, i: tx.bulk_set_category(
        s, [i.b_transaction], i.category2)),
    ("bulk_set_category: own and A's rows", lambda s, i: tx.bulk_set_category(
        s, [i.b_transaction, i.transaction], None)),
    ("bulk_delete: own and A's rows", lambda s, i: tx.bulk_delete(
        s, [i.b_transaction, i.transaction])),
    ("list_transactions: own and A's account", lambda s, i: search.list_transactions(
        s, TransactionFilter(account_ids=(i.b_account, i.account)))),
    ("create_rule: own account, A's category", lambda s, i: rules.create_rule(
        s, _rule(i.category2, i.b_account))),
    ("create_rule: own category, A's account", lambda s, i: rules.create_rule(
        s, _rule(i.b_category, i.account))),
    ("preview_rule: own category, A's account", lambda s, i: rules.preview_rule(
        s, _rule(i.b_category, i.account))),
    ("reapply_rules: own and A's account", lambda s, i: rules.reapply_rules(
        s, TransactionFilter(account_ids=(i.b_account, i.account)))),
]


@pytest.mark.parametrize("call", [c for _, c in MIXED], ids=[n for n, _ in MIXED])
def test_mixing_own_objects_with_another_books_ids_is_not_found(
        world: World, call: Callable[[Scope, Ids], Any], snapshot: Callable[..., Any]) -> None:
    """Nothing is written in either book: the call is refused as a whole."""
    before = snapshot(world.db)
    with pytest.raises(NotFound):
        call(world.other, world.ids)
    assert snapshot(world.db) == before


# --- 3. roles inside the book -----------------------------------------------------------------


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_a_viewer_cannot_write(world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match="viewer"):
        op.call(world.viewer, world.ids)
    assert snapshot(world.db) == before


@pytest.mark.parametrize("op", READS, ids=str)
def test_a_viewer_reads_what_the_owner_reads(world: World, op: Op) -> None:
    seen = op.call(world.viewer, world.ids)
    assert seen == op.call(world.owner, world.ids)
    assert seen not in (None, [], {}, 0)


@pytest.mark.parametrize("op", OWN_WRITES, ids=str)
def test_a_viewer_writes_their_own_settings_and_nothing_of_the_book(
        world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db, world.owner.book_id)
    assert op.call(world.viewer, world.ids) == op.call(world.owner, world.ids)
    after = snapshot(world.db, world.owner.book_id)
    assert after != before
    changed = {t for t in after if after[t] != before[t]}
    assert changed
    assert changed <= {"notification_settings", "portfolio_alert_settings", "portfolio_alerts"}


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_an_editor_writes_but_does_not_manage(world: World, op: Op,
                                              snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    if op.kind == "manage":
        with pytest.raises(PermissionDenied, match="editor"):
            op.call(world.editor, world.ids)
        assert snapshot(world.db) == before
    else:
        op.call(world.editor, world.ids)
        assert snapshot(world.db) != before


@pytest.mark.parametrize("op", WRITER_CHECKS, ids=str)
def test_a_write_check_refuses_viewers_passes_editors_and_changes_nothing(
        world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match="viewer"):
        op.call(world.viewer, world.ids)
    op.call(world.editor, world.ids)
    op.call(world.owner, world.ids)
    assert snapshot(world.db) == before  # not even the book's data version moved


@pytest.mark.parametrize("op", [op for op in OPS if op.kind == "own-read"], ids=str)
def test_a_users_own_reads_answer_for_that_user(world: World, op: Op) -> None:
    """Reads of what the acting user did (the accounts of their last import): any member
    may make them, and gets their own answer, not the owner's."""
    assert op.call(world.owner, world.ids) == [world.ids.account]
    assert op.call(world.viewer, world.ids) == []


@pytest.mark.parametrize("op", OWNER_READS, ids=str)
def test_owner_only_reads_are_refused_to_editors_and_viewers(
        world: World, op: Op, snapshot: Callable[..., Any]) -> None:
    before = snapshot(world.db)
    for scope, role in ((world.viewer, "viewer"), (world.editor, "editor")):
        with pytest.raises(PermissionDenied, match=f"your role in this book is {role}"):
            op.call(scope, world.ids)
    assert snapshot(world.db) == before  # not even the book's data version moved
    assert op.call(world.owner, world.ids) not in (None, [], {}, 0)
