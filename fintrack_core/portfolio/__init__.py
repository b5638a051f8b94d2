"""Investment portfolio (issue 11): what the investment accounts hold and how it did.

- ``assets``: a book's assets and where their prices come from;
- ``trades`` (with ``cash_legs``): trades and their ledger transactions, written together;
- ``lots``: holdings and tax lots replayed from the trades (FIFO, LIFO, average cost);
- ``price_history``: reading the ``prices`` table in a session (latest rows, cached daily
  arrays); the scoped "latest price with its age" is ``fintrack_core.prices.latest_price``;
- ``base_currency``: conversion with the ledger's rate rule, missing rates reported;
- ``gains``: realised gains, income received, the yearly report for a tax adviser;
- ``valuation``: value, day change, unrealised gains, allocation, performers;
- ``daily_series``, ``external_flows``, ``returns``, ``performance``: value history, TWR,
  XIRR and what they mean; ``income``: dividends per month and year, projected income.

See docs/portfolio.md.
"""
