"""The portfolio tables (revision 0012): a book's assets, the trades in its investment
accounts, and the prices they are valued at. See ``fintrack_core.portfolio``.

Why decimals are stored as text: quantities need at least 8 places (crypto) and unit prices
any number of places; SQLite has no exact decimal type (NUMERIC becomes a float), so the
exact ``Decimal`` string is stored, as ``fx_rates.rate`` is. Cash amounts (a trade's cash leg
and fees) stay integer minor units like every other amount.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import Base, _enum


class AssetKind(enum.StrEnum):
    STOCK = "stock"
    ETF = "etf"
    FUND = "fund"
    BOND = "bond"
    CRYPTO = "crypto"
    CASH_LIKE = "cash_like"
    OTHER = "other"  # a house, a private fund: priced by hand


class PriceProvider(enum.StrEnum):
    YAHOO = "yahoo"          # yfinance: stocks, ETFs, funds, FX pairs ("EURUSD=X")
    COINGECKO = "coingecko"  # pycoingecko: crypto, by CoinGecko id ("bitcoin")
    MANUAL = "manual"        # prices typed in or imported from a CSV, per book


class TradeKind(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"
    DIVIDEND = "dividend"        # cash paid out
    REINVEST = "reinvest"        # a dividend reinvested: units added at the price paid
    INTEREST = "interest"
    FEE = "fee"
    SPLIT = "split"              # quantity = the ratio (new units per old unit, e.g. 3 or 0.5)
    TRANSFER_IN = "transfer_in"  # units arrive with their cost (price = cost per unit)
    TRANSFER_OUT = "transfer_out"


class CostBasisMethod(enum.StrEnum):
    FIFO = "fifo"
    LIFO = "lifo"
    AVERAGE = "average"


class Asset(Base):
    """Something a book holds in its investment accounts, with where its price comes from."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("book_id", "symbol", name="uq_assets_book_symbol"),
        Index("uq_assets_id_book", "id", "book_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    symbol: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[AssetKind] = mapped_column(_enum(AssetKind, "asset_kind"))
    currency: Mapped[str] = mapped_column(String(3))
    provider: Mapped[PriceProvider] = mapped_column(_enum(PriceProvider, "price_provider"))
    # The provider's own id: "AAPL" or "VWCE.DE" on Yahoo, "bitcoin" on CoinGecko; for a
    # manual asset, its symbol.
    provider_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Trade(Base):
    """One event in an investment account: a buy, a sale, a dividend, a split, ...

    ``quantity`` and ``price`` are exact decimal strings (units, and price per unit in the
    asset's currency). ``cash_minor`` is the signed cash leg in the account's currency (a buy
    is negative, fees included); it is the amount of the ledger transaction
    ``transaction_id`` written in the same database transaction, so the account's cash
    balance moves with the trade or not at all. Trades without cash (a split, a transfer of
    units) have ``cash_minor`` 0 and no transaction.
    """

    __tablename__ = "trades"
    __table_args__ = (
        ForeignKeyConstraint(["account_id", "book_id"], ["accounts.id", "accounts.book_id"],
                             name="fk_trades_account_in_book", ondelete="CASCADE"),
        ForeignKeyConstraint(["asset_id", "book_id"], ["assets.id", "assets.book_id"],
                             name="fk_trades_asset_in_book", ondelete="RESTRICT"),
        CheckConstraint("fees_minor >= 0", name="nonnegative_fees"),
        Index("ix_trades_book_account_date", "book_id", "account_id", "date"),
        Index("ix_trades_asset", "asset_id"),
        Index("uq_trades_account_external_id", "account_id", "external_id", unique=True,
              sqlite_where=text("external_id IS NOT NULL"),
              postgresql_where=text("external_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[TradeKind] = mapped_column(_enum(TradeKind, "trade_kind"))
    quantity: Mapped[str] = mapped_column(String(40), default="0")
    price: Mapped[str] = mapped_column(String(40), default="0")
    fees_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cash_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))  # the cash leg's (the account's) currency
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transactions.id", ondelete="SET NULL"), nullable=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    # A broker's id for the trade (OFX FITID, a CSV's order id): the duplicate key on import.
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    import_batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Price(Base):
    """A price of one unit of an asset on one day, in ``currency``, with where it came from.

    Market prices (``book_id`` NULL) are shared by every book and keyed by provider and
    provider id; manual prices (``provider`` "manual") belong to one book, like manual FX
    rates. ``close`` is the day's close, or for today the latest quote (``source`` says
    which); ``fetched_at`` is when it was fetched or typed, so every price can show its age.
    """

    __tablename__ = "prices"
    __table_args__ = (
        # NULLs are distinct in a unique constraint, so the shared market prices and each
        # book's manual prices get a partial unique index each: one price a key and day.
        Index("uq_prices_market", "provider", "provider_id", "date", unique=True,
              sqlite_where=text("book_id IS NULL"), postgresql_where=text("book_id IS NULL")),
        Index("uq_prices_book", "book_id", "provider", "provider_id", "date", unique=True,
              sqlite_where=text("book_id IS NOT NULL"),
              postgresql_where=text("book_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int | None] = mapped_column(
        ForeignKey("books.id", ondelete="CASCADE"), nullable=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(100))
    date: Mapped[dt.date] = mapped_column(Date)
    close: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(40))  # "yahoo close", "coingecko", "manual", "demo"
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AccountCostBasis(Base):
    """The cost-basis method an investment account uses (FIFO when no row)."""

    __tablename__ = "account_cost_basis"
    __table_args__ = (
        ForeignKeyConstraint(["account_id", "book_id"], ["accounts.id", "accounts.book_id"],
                             name="fk_account_cost_basis_account_in_book", ondelete="CASCADE"),
    )
    account_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    method: Mapped[CostBasisMethod] = mapped_column(_enum(CostBasisMethod, "cost_basis_method"))
