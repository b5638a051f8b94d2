"""What banks call their columns, in many languages, and how a header is normalised to match.

Banks without a FinTrack profile still name their columns with a small set of words per
language. Matching is done on a normalised form (Unicode NFKC, casefolded, accents stripped,
letters of every script kept), so ``Débit``, ``DEBIT`` and ``débit`` are one word and
``Währung`` equals ``Waehrung``'s neighbour ``wahrung``. A word that means different things in
different languages (``Saldo``, ``Valuta``, ``Wert``, ``Value``) is listed in ``AMBIGUOUS`` and
decided by the column's contents, never by the word alone.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not split into a base letter and a mark.
_TRANSLITERATE = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d",
                                "ð": "d", "þ": "th", "ı": "i", "ß": "ss"})
_UNIT = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_NOT_WORD = re.compile(r"[\W_]+")

# Currency symbols and how they are written at the edge of a header or an amount.
SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "₹": "INR", "₩": "KRW",
           "₽": "RUB", "₺": "TRY", "₪": "ILS", "₫": "VND", "฿": "THB", "zł": "PLN",
           "kč": "CZK", "kr": None, "fr": "CHF", "sfr": "CHF"}
# "CAD$", "US$", "C$", "A$", "R$": a prefix that names the dollar.
DOLLAR_PREFIXES = {"cad": "CAD", "c": "CAD", "usd": "USD", "us": "USD", "aud": "AUD",
                   "a": "AUD", "nzd": "NZD", "nz": "NZD", "hkd": "HKD", "hk": "HKD",
                   "sgd": "SGD", "s": "SGD", "r": "BRL", "mxn": "MXN", "mx": "MXN"}
# Currencies written as codes in headers and at the edges of amounts (the common ones).
CURRENCY_CODES = frozenset((
    "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "SEK", "NOK", "DKK", "ISK", "PLN",
    "CZK", "HUF", "RON", "BGN", "HRK", "TRY", "ILS", "INR", "CNY", "HKD", "SGD", "ZAR", "MXN",
    "BRL", "ARS", "CLP", "COP", "PEN", "RUB", "UAH", "KRW", "THB", "VND", "IDR", "MYR", "PHP",
    "AED", "SAR"))


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(
        _TRANSLITERATE)


def normalise(header: str) -> str:
    """``'"Débit (CHF)" #'`` -> ``'debit'``: NFKC, casefold, accents stripped, units in
    brackets and every non-letter/digit dropped, words separated by one space."""
    text = unicodedata.normalize("NFKC", header).casefold()
    text = _UNIT.sub(" ", text)
    text = strip_accents(text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def header_currency(header: str) -> str | None:
    """The currency a header names: ``Amount (EUR)``, ``Betrag (€)``, ``CAD$``, ``USD$``,
    ``EUR``, ``Montant en CHF``; None when it names none."""
    text = unicodedata.normalize("NFKC", header).strip().strip("\"'#* ")
    for unit in _UNIT.finditer(text):
        inner = (unit.group(1) or unit.group(2) or "").strip()
        code = _code_or_symbol(inner)
        if code:
            return code
    words = re.findall(r"\b[A-Za-z]{1,3}\$|\b[A-Z]{3}\b|[€£¥₹₩₽₺₪₫฿$]", text)
    if not words:
        return None
    for word in (words[-1], words[0]):
        code = _code_or_symbol(word)
        if code:
            return code
    return None


def _code_or_symbol(text: str) -> str | None:
    t = text.strip()
    if len(t) == 3 and t.isalpha() and t.isupper() and t in CURRENCY_CODES:
        return t
    if len(t) > 1 and t.endswith("$") and t[:-1].casefold() in DOLLAR_PREFIXES:
        return DOLLAR_PREFIXES[t[:-1].casefold()]
    return SYMBOLS.get(t.casefold())


def is_currency_name(header: str) -> bool:
    """A header that is nothing but a currency (``CAD$``, ``USD``, ``€``): an amount column
    in that currency."""
    text = unicodedata.normalize("NFKC", header).strip().strip("\"'#* ()")
    return _code_or_symbol(text) is not None


# Role -> header words (normalised), most specific first. Covered: English, German, French,
# Spanish, Italian, Dutch, Portuguese, Polish, Swedish, Danish, Norwegian, Finnish.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "date": (
        "transaction date", "booking date", "posting date", "posted date", "trans date",
        "txn date", "date posted", "started date", "buchungsdatum", "buchungstag", "buchung",
        "belegdatum", "date operation", "date de l operation", "date d operation",
        "date comptable", "date de comptabilisation", "fecha operacion",
        "fecha de operacion", "fecha contable", "f operacion", "data operazione",
        "data contabile", "data registrazione", "boekdatum", "boekingsdatum",
        "transactiedatum", "data movimento", "data do movimento", "data lancamento",
        "data de lancamento", "data mov", "data operacji", "data transakcji",
        "data ksiegowania", "bokforingsdag", "bokforingsdatum", "transaktionsdatum",
        "transaktionsdag", "bogforingsdato", "bokforingsdato", "kirjauspaiva",
        "tapahtumapaiva", "maksupaiva", "date", "datum", "fecha", "data", "dato",
        "paivamaara", "pvm", "completed date"),
    "value_date": (
        "value date", "wertstellung", "valutadatum", "date de valeur", "date valeur",
        "fecha valor", "f valor", "data valuta", "data valor", "data waluty", "rentedatum",
        "valutadag", "valuteringsdato", "rentedato", "arvopaiva"),
    "amount": (
        "transaction amount", "amount", "amt", "betrag", "umsatz", "montant", "somme",
        "importe", "monto", "cantidad", "importo", "bedrag", "transactiebedrag", "montante",
        "valor", "quantia", "kwota", "kwota operacji", "kwota transakcji", "belopp", "summa",
        "belob", "belop", "maara", "rahamaara", "sum"),
    "debit": (
        "debit amount", "debits", "debit", "withdrawal amount", "withdrawals", "withdrawal",
        "paid out", "money out", "outflow", "spent", "soll", "lastschrift", "belastung",
        "ausgang", "ausgaben", "montant debit", "debe", "cargo", "cargos", "debito",
        "debitos", "dare", "addebiti", "addebito", "uscite", "af", "debet", "saida", "saidas",
        "obciazenia", "obciazenie", "wyplywy", "uttag", "haevet", "udbetaling", "ut fra konto",
        "ut av konto",
        "uttak", "veloitus", "otto", "nosto", "out"),
    "credit": (
        "credit amount", "credits", "credit", "deposit amount", "deposits", "deposit",
        "paid in", "money in", "inflow", "received", "haben", "gutschrift", "eingang",
        "einnahmen", "montant credit", "haber", "abono", "abonos", "credito", "creditos",
        "ingreso", "ingresos", "avere", "accrediti", "accredito", "entrate", "bij", "entrada",
        "entradas", "uznania", "uznanie", "wplywy", "insattning", "indsat", "indbetaling",
        "inn pa konto", "inn til konto", "innskudd", "hyvitys", "pano", "talletus", "in"),
    "direction": (
        "credit debit indicator", "debit credit", "credit debit", "dr cr", "cr dr", "d c",
        "c d", "dc", "cd", "direction", "soll haben", "s h", "af bij", "bij af", "sens",
        "debe haber", "dare avere", "segno", "debito credito", "credito debito",
        "transaction type dc", "inn ut", "ind ud"),
    "payee": (
        "payee", "counter party", "counterparty", "partner name", "merchant name", "merchant",
        "beneficiary", "recipient", "payer payee", "to from", "name",
        "beguenstigter zahlungspflichtiger", "begunstigter zahlungspflichtiger",
        "auftraggeber empfanger", "zahlungsempfanger in", "zahlungsempfanger", "empfanger",
        "auftraggeber", "name zahlungsbeteiligter", "beneficiaire", "tiers", "contrepartie",
        "beneficiario", "ordenante", "controparte", "ordinante", "naam tegenpartij",
        "tegenpartij", "naam omschrijving", "naam", "destinatario", "entidade",
        "nadawca odbiorca", "odbiorca nadawca", "kontrahent", "nazwa kontrahenta",
        "dane kontrahenta", "odbiorca", "mottagare", "motpart", "namn", "modtager", "navn",
        "mottaker", "saaja maksaja", "saaja", "maksaja", "nimi"),
    "description": (
        "transaction description", "transaction details", "payment reference", "description",
        "memo", "details", "reference", "narrative", "notes", "purpose", "text",
        "particulars", "remarks", "verwendungszweck", "buchungstext", "beschreibung",
        "vorgang", "libelle operation", "libelle", "detail", "motif", "communication",
        "nature de l operation", "concepto", "descripcion", "detalle", "observaciones",
        "descrizione operazione", "descrizione", "causale", "dettagli", "omschrijving",
        "mededelingen", "mededeling", "beschrijving", "descricao", "descritivo", "historico",
        "movimento", "opis operacji", "tytul operacji", "opis", "tytul", "beskrivning",
        "meddelande", "referens", "tekst", "beskrivelse", "forklaring", "viesti", "selite",
        "selitys", "kuvaus"),
    "balance": (
        "running balance", "running bal", "closing balance", "available balance", "balance",
        "kontostand", "solde", "saldo na mutatie", "saldo po operacji",
        "saldo po transakcji", "behallning", "disponibile"),
    "currency": (
        "account currency", "currency code", "currency", "ccy", "curr", "wahrung", "waehrung",
        "devise", "monnaie", "divisa", "moneda", "munt", "moeda", "waluta", "valuutta"),
    "fee": ("fee", "fees", "gebuhr", "gebuehr", "commission", "charges", "frais", "comision",
            "commissione", "kosten", "taxa", "prowizja", "avgift", "gebyr", "palkkio"),
    "state": ("transaction status", "state", "status", "statut", "estado", "stato", "tila"),
}

# Words whose meaning depends on the language: the column's contents decide.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "saldo": ("balance", "amount"),       # balance (DE, NL, PL...), amount in some exports
    "valuta": ("value_date", "currency"),  # value date (NL, IT, DE) or currency (SE, DK, NO)
    "wert": ("value_date", "amount"),      # "Wert" = value date in DE bank exports, or value
    "value": ("value_date", "amount"),
    "importe saldo": ("balance", "amount"),
}

# Direction cells (normalised) meaning money out; the ones meaning money in.
DEBIT_WORDS = ("dr", "d", "debit", "debet", "soll", "s", "ausgang", "out", "-", "withdrawal",
               "payment", "belastung", "lastschrift", "af", "debe", "cargo", "dare",
               "addebito", "debito", "obciazenie", "ut", "ud", "uttag", "otto", "veloitus")
CREDIT_WORDS = ("cr", "c", "credit", "haben", "h", "eingang", "in", "+", "deposit",
                "gutschrift", "bij", "haber", "abono", "avere", "accredito", "credito",
                "uznanie", "inn", "ind", "insattning", "pano", "hyvitys")

# State cells (lower-case, as written) of rows that are booked transactions, in the languages
# above; and of rows that are not (yet): a state column is only used when it holds these.
STATES_OK = ("completed", "complete", "booked", "posted", "cleared", "settled", "done",
             "processed", "gebucht", "ausgeführt", "ausgefuhrt", "comptabilisé", "comptabilise",
             "exécuté", "execute", "contabilizado", "ejecutado", "completado", "contabilizzato",
             "eseguito", "geboekt", "uitgevoerd", "zaksięgowana", "zaksiegowana", "wykonana",
             "bokförd", "bokford", "genomförd", "genomford", "udført", "udfort", "bogført",
             "bogfort", "utført", "utfort", "bokført", "suoritettu", "kirjattu", "")
STATES_NOT_OK = ("pending", "declined", "denied", "reversed", "reverted", "failed", "voided",
                 "expired", "cancelled", "canceled", "on hold",
                 "authorised", "authorized", "hold", "vorgemerkt", "abgelehnt", "en attente",
                 "rejeté", "pendiente", "rechazado", "in attesa", "rifiutato", "in behandeling",
                 "afgewezen", "oczekująca", "oczekujaca", "odrzucona", "väntande", "vantande",
                 "venter", "afvist", "avvist", "ventende", "odottaa", "hylätty", "reserved",
                 "reserveret", "reservert", "reserverad")


def roles_by_name(header: str) -> list[tuple[str, int]]:
    """Roles a header's words name, best first, as (role, rank): rank 0 is an exact match of
    the whole normalised header, 1 a match of its first or last words; within a rank, longer
    vocabulary entries are more specific and come first."""
    name = normalise(header)
    if not name:
        return []
    found: list[tuple[int, int, str]] = []
    if name in AMBIGUOUS:
        return [(role, 0) for role in AMBIGUOUS[name]]
    for role, words in VOCABULARY.items():
        for word in words:
            if name == word:
                found.append((0, -len(word), role))
            elif name.startswith(word + " ") or name.endswith(" " + word):
                found.append((1, -len(word), role))
    found.sort()
    out: list[tuple[str, int]] = []
    for rank, _, role in found:
        if role not in {r for r, _ in out}:
            out.append((role, rank))
    return out


__all__ = ["AMBIGUOUS", "CREDIT_WORDS", "DEBIT_WORDS", "STATES_NOT_OK", "STATES_OK",
           "VOCABULARY", "header_currency",
           "is_currency_name", "normalise", "roles_by_name", "strip_accents"]
