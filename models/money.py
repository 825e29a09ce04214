"""Money as Decimal with an ISO 4217 currency, stored as integer minor units so sums stay exact."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision, list_currencies


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes Babel knows (current and historic)."""
    return frozenset(c for c in list_currencies() if len(c) == 3 and c.isalpha() and c.isupper())


class MoneyError(ValueError):
    """A money value a person typed that cannot be right."""


LARGEST_MINOR = 2**63 - 1
"""Minor units are stored as a signed 64-bit integer (PostgreSQL bigint): no amount may need more."""


def check_currency(code: str) -> str:
    """The upper-cased code, or a MoneyError naming what is wrong."""
    code = code.strip().upper()
    if code not in currencies():
        raise MoneyError(f"'{code}' is not an ISO 4217 currency code")
    return code


def parse_amount(text: str | Decimal | int) -> Decimal:
    """A Decimal from what a person typed; floats are refused on purpose."""
    if isinstance(text, float):
        raise MoneyError("amounts must not be floats")
    if len(str(text).strip()) > 40:
        raise MoneyError(f"'{str(text).strip()[:20]}…' is too long for an amount ({len(str(text).strip())} characters)")
    if "e" in str(text).lower():
        raise MoneyError(f"'{text}' is not a plain number; write it out in digits")
    try:
        value = Decimal(str(text).strip().replace("_", ""))
    except InvalidOperation:
        raise MoneyError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise MoneyError(f"'{text}' is not a finite number")
    return value


@dataclass(frozen=True)
class Money:
    """An amount in one currency; arithmetic across currencies is an error, never a conversion."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Validated money: known currency, positive, no more decimals than the currency has."""
        code = check_currency(currency)
        value = parse_amount(amount)
        if value <= 0:
            raise MoneyError(f"the amount must be positive, not {value}")
        places = get_currency_precision(code)
        if value.scaleb(places) > LARGEST_MINOR:
            largest = Decimal(LARGEST_MINOR).scaleb(-places)
            raise MoneyError(f"{value} {code} is more than Jalon can hold (at most {largest:,} {code})")
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise MoneyError(f"{code} amounts have at most {places} decimal places, not {value}")
        return cls(value, code)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Money read back from integer minor units."""
        return cls(Decimal(minor).scaleb(-get_currency_precision(currency)), currency)

    @property
    def minor(self) -> int:
        """Integer minor units, the stored form."""
        return int(self.amount.scaleb(get_currency_precision(self.currency)))

    def __str__(self) -> str:
        places = get_currency_precision(self.currency)
        return f"{self.amount.quantize(Decimal(1).scaleb(-places)):,} {self.currency}"


def split(total: Money, shares: list[int]) -> list[Money]:
    """Tranches of total by percentage shares; the last takes the rounding so they sum exactly."""
    if sum(shares) != 100:
        raise MoneyError(f"tranche shares must add up to 100, not {sum(shares)}")
    minors = [total.minor * s // 100 for s in shares[:-1]]
    minors.append(total.minor - sum(minors))
    return [Money.from_minor(m, total.currency) for m in minors]
