"""Reports: SQL in DuckDB over a columnar copy of the book (see ``store``).

Conventions every report module follows:

- A report is a function ``name(scope, ..., flt: TransactionFilter | None = None)`` that checks
  access through ``report_store(scope.db).query(scope, sql, params)`` (which refreshes the
  copy when the book changed) and returns a frozen dataclass of pandas DataFrames and ints.
- Money is integer minor units of the book's base currency (``amount_base`` in ``tx``),
  summed in SQL; the dataclass carries ``base_currency``. Rows with no exchange rate have
  ``amount_base`` NULL: reports count them in ``unconverted`` (per currency, own minor units)
  instead of dropping them.
- ``tx.flow`` is 'income', 'expense' or 'transfer'; income and expense totals exclude
  transfers. Expenses are negative sums (money out), as stored.
- No Python loop over transactions: Python only shapes the (small) query results.

Tables in a book's schema: ``tx`` (id, account_id, date, amount_minor, currency, payee,
description, category_id, tags, transfer_id, scheduled, amount_base, flow, search: lower-cased
payee, description and notes for text filters), ``accounts`` (id,
name, type, currency, opening_balance, opened_on, closed_on, institution, is_liability),
``categories`` (id, name, kind, parent_id, path, depth, root_id, color),
``category_ancestors`` (category_id, ancestor_id — includes itself), ``rates`` (ccy, date,
mult: multiplier from that currency's minor units to the base's, 12 places; num/den: the same
multiplier as an exact fraction — convert with ``store.to_base_sql``, which rounds half-even).
"""
