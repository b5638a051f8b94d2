"""The demo household: its accounts, its everyday spending and its standing orders.

Why apart from the generator: this is the *story* of the demo (who earns what, where they
shop, which bills arrive when) and changes for other reasons than the numpy that turns it
into rows; a reader tuning the demo edits data here without reading the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

from fintrack_core.db.models import AccountType

# key: (name, type, currency, opening balance in minor units, institution). The checking
# account's opening balance is computed from the spending so the first month does not overdraw.
ACCOUNTS: dict[str, tuple[str, AccountType, str, int, str]] = {
    "giro": ("Girokonto", AccountType.CHECKING, "EUR", 0, "DKB"),
    "savings": ("Tagesgeld", AccountType.SAVINGS, "EUR", 850_000, "DKB"),
    "visa": ("Visa Card", AccountType.CREDIT_CARD, "EUR", 0, "DKB"),
    "cash": ("Cash wallet", AccountType.CASH, "EUR", 8_000, ""),
    "usd": ("US Checking", AccountType.CHECKING, "USD", 60_000, "Chase"),
    "loan": ("Car loan", AccountType.LOAN, "EUR", -1_500_000, "Santander Consumer Bank"),
}
KEYS = tuple(ACCOUNTS)  # the account column holds an index into this


@dataclass(frozen=True)
class Kind:
    """One kind of everyday spending; ``weight`` is its share of the variable rows."""

    category: str
    weight: float
    median: int  # minor units of the account's currency
    sigma: float  # lognormal spread
    payees: str  # "|"-separated; the first ones are the most frequent
    descriptions: str  # "|"-separated
    accounts: str  # "key:share ..."
    weekdays: tuple[float, ...] = (1, 1, 1, 1, 1, 1, 1)  # Monday first
    when: str = "home"  # home | trip_eu | trip_us | before_trip
    december: float = 1.0  # Christmas shopping
    step: int = 1  # amounts are multiples of this (coffee costs 3.90, not 3.87)
    tags: tuple[tuple[str, float], ...] = ()  # canonical ",tag," and its probability
    sign: int = -1  # +1: refunds, money back into an expense category


_SHOPS = (0.9, 1.0, 1.0, 1.1, 1.3, 1.7, 0.05)  # German shops close on Sundays
_WORK = (1.2, 1.2, 1.2, 1.2, 1.1, 0.5, 0.3)
_NIGHTS = (0.6, 0.7, 0.8, 1.0, 1.7, 1.9, 1.0)
_TRIP = ((",vacation,", 1.0),)
_BUSINESS = ((",business,", 0.06),)

KINDS = (
    Kind("Groceries", 20, 1_500, 0.65, "REWE|EDEKA|Aldi Süd|Lidl|Kaufland|Netto Marken-Discount"
          "|Denns BioMarkt|Bäckerei Rischart", "Kartenzahlung|Wocheneinkauf|Einkauf",
          "giro:.5 visa:.25 cash:.25", _SHOPS, tags=((",weekly,", .2),)),
    Kind("Coffee", 13, 380, 0.3, "Starbucks|Balzac Coffee|Coffee Fellows|Café Lotte|Einstein "
          "Kaffee", "Cappuccino|Flat white|Coffee & croissant", "cash:.5 visa:.3 giro:.2", _WORK,
          step=10),
    Kind("Restaurants", 8, 2_200, 0.6, "Vapiano|L'Osteria|Hans im Glück|Sushi Circle|Lieferando"
          "|Pizzeria Da Michele|Block House|Thai Orchid", "Dinner|Lunch|Takeaway",
          "visa:.6 giro:.2 cash:.2", _NIGHTS, step=10, tags=_BUSINESS),
    Kind("Public transport", 7, 450, 0.9, "MVG|Deutsche Bahn|FlixBus|BVG", "Ticket|Fahrkarte",
          "giro:.6 visa:.4", _WORK, step=10, tags=_BUSINESS),
    Kind("Taxi", 1.5, 1_700, 0.45, "Uber|FREE NOW|Bolt|Taxi München eG", "Ride", "visa:1",
          _NIGHTS, step=10, tags=((",business,", .2),)),
    Kind("Fuel", 2.5, 5_800, 0.25, "Shell|Aral|Esso|JET|TotalEnergies", "Tanken",
          "visa:.8 giro:.2"),
    Kind("Parking", 2, 400, 0.6, "APCOA Parking|Contipark|EasyPark", "Parken", "visa:.7 cash:.3",
          _WORK, step=10),
    Kind("Service", 0.15, 18_000, 0.5, "A.T.U|Autohaus Kramer|Pit Stop",
          "Inspektion|Reifenwechsel|Reparatur", "giro:1", _WORK),
    Kind("Clothing", 2.5, 3_500, 0.7, "Zalando|H&M|Uniqlo|Zara|Decathlon|Peek & Cloppenburg",
          "Online order|Store purchase", "visa:.7 giro:.3", _SHOPS, december=1.8),
    Kind("Electronics", 1.2, 4_000, 1.0, "MediaMarkt|Saturn|Amazon|Apple Store|Cyberport",
          "Order|Zubehör", "visa:1", _SHOPS, december=2.5),
    Kind("Household", 6, 1_200, 0.8, "dm-drogerie markt|Rossmann|IKEA|Amazon|OBI|Müller "
          "Drogerie", "Einkauf|Order", "giro:.4 visa:.4 cash:.2", _SHOPS),
    Kind("Pharmacy", 2, 1_150, 0.6, "Apotheke am Markt|Shop Apotheke|DocMorris", "Medikamente",
          "giro:.5 cash:.5", _SHOPS),
    Kind("Doctor", 0.6, 4_000, 0.6, "Dr. med. Anna Müller|Zahnarztpraxis Weber|Physiotherapie "
          "Vogel", "Rechnung|Zuzahlung", "giro:1", _WORK),
    Kind("Events", 1.5, 3_000, 0.5, "Eventim|Kino Cinestar|Ticketmaster|Staatstheater",
          "Tickets", "visa:1", _NIGHTS),
    Kind("Hobbies", 2.5, 1_600, 0.8, "Thalia|Steam|Hugendubel|Decathlon|Boulderwelt",
          "Purchase|Eintritt", "visa:.7 giro:.3", _NIGHTS, december=1.5),
    Kind("Gifts & donations", 1, 3_000, 0.7, "Amazon|Blumen Fischer|Thalia|Manufactum",
          "Geschenk", "visa:.7 cash:.3", _SHOPS, december=4.0, tags=((",gifts,", 1.0),)),
    Kind("Flights", 0.25, 16_000, 0.5, "Lufthansa|Eurowings|Ryanair|Condor", "Flight booking",
          "visa:1", when="before_trip", tags=_TRIP),
    Kind("Hotels", 0.2, 24_000, 0.6, "Booking.com|Airbnb|Motel One|NH Hotels", "Hotel stay",
          "visa:1", when="trip_eu", tags=_TRIP),
    Kind("Hotels", 0.15, 30_000, 0.5, "Marriott|Hilton|Airbnb|Holiday Inn Express",
          "Hotel stay", "usd:1", when="trip_us", tags=_TRIP),
    Kind("Holiday spending", 3.5, 1_800, 0.8, "Trattoria Roma|Carrefour|Museo del Prado"
          "|Chiringuito Playa|Souvenir shop", "Urlaub", "visa:.7 cash:.3", when="trip_eu",
          tags=_TRIP),
    Kind("Holiday spending", 2, 2_200, 0.8, "Whole Foods Market|Target|Shake Shack|Walgreens"
          "|Trader Joe's|Uber", "Vacation", "usd:1", when="trip_us", tags=_TRIP),
    Kind("Clothing", 0.6, 4_000, 0.6, "Zalando|H&M|Uniqlo", "Retoure / refund",
          "visa:.7 giro:.3", sign=1),
    Kind("Household", 0.4, 2_500, 0.8, "Amazon|IKEA", "Refund", "visa:1", sign=1),
)


@dataclass(frozen=True)
class Fixed:
    """A standing order or direct debit; ``day`` 0 means the last business day of the month."""

    day: int
    account: str
    amount: int
    category: str
    payee: str
    description: str
    every: int = 1  # months between payments
    phase: int = 0  # calendar month (0 = January) the payments are aligned to
    tags: str = ""
    # The demo's subscription alerts, relative to its last day: the latest payment at a new
    # price (a price change), or no payment in the last ``stopped`` days (a missed debit).
    latest: int = 0
    stopped: int = 0


FIXED = (
    Fixed(1, "giro", -115_000, "Rent", "Hausverwaltung Schmidt & Co.", "Miete"),
    Fixed(15, "giro", -9_500, "Utilities", "Stadtwerke München", "Abschlag Strom/Gas"),
    Fixed(5, "giro", -3_995, "Internet", "Telekom Deutschland GmbH", "MagentaZuhause L"),
    Fixed(10, "giro", -2_499, "Phone", "Vodafone GmbH", "Mobilfunk"),
    Fixed(1, "giro", -3_420, "Insurance", "Allianz Versicherungs-AG", "Haftpflicht + Hausrat"),
    Fixed(15, "giro", -2_000, "Gifts & donations", "Ärzte ohne Grenzen e.V.", "Spende"),
    Fixed(0, "giro", -450, "Bank fees", "DKB AG", "Kontoführung"),
    Fixed(15, "giro", -5_508, "Taxes", "ARD ZDF Deutschlandradio", "Rundfunkbeitrag", 3),
    Fixed(10, "giro", -51_240, "Insurance", "HUK-COBURG", "Kfz-Versicherung", 12),
    Fixed(7, "visa", -1_399, "Subscriptions", "Netflix", "Netflix Standard"),
    Fixed(12, "visa", -1_099, "Subscriptions", "Spotify", "Spotify Premium", latest=-1_299),
    Fixed(20, "visa", -299, "Subscriptions", "Apple", "iCloud+ 200 GB"),
    Fixed(3, "visa", -999, "Subscriptions", "Disney+", "Disney+ Standard"),
    Fixed(2, "visa", -5_900, "Fitness", "Urban Sports Club", "Membership M", stopped=40),
    Fixed(25, "visa", -995, "Subscriptions", "Audible", "Audible Premium Plus"),
    Fixed(18, "visa", -8_990, "Subscriptions", "Amazon", "Prime membership", 12, 5),
    Fixed(14, "usd", -1_240, "Subscriptions", "Amazon Web Services", "AWS", tags=",business,"),
)
EMPLOYERS = (("Nordlicht Software GmbH", 58), ("Klinikum rechts der Isar", 42))

