"""Parsing AWS `cron(...)` and five-field crontab text into allowed-value sets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stoker.errors import InvalidInput
from stoker.triggers.cron.days import SATURDAY, DayRule, DomSpec, DowSpec, may_select

FIRST_YEAR = 1970
LAST_YEAR = 2199  # AWS's upper bound; crontab searches stop here too
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
AWS_DAYS = {d: i for i, d in enumerate(_DAY_NAMES, 1)}  # AWS: 1 = SUN … 7 = SAT
CRONTAB_DAYS = {d: i for i, d in enumerate(_DAY_NAMES)}  # crontab: 0 = SUN … 6 = SAT
MACROS = {
    "@HOURLY": "0 * * * *",
    "@DAILY": "0 0 * * *",
    "@MIDNIGHT": "0 0 * * *",
    "@WEEKLY": "0 0 * * 0",
    "@MONTHLY": "0 0 1 * *",
    "@YEARLY": "0 0 1 1 *",
    "@ANNUALLY": "0 0 1 1 *",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One position of a cron expression: its bounds, names and accepted wildcards."""

    position: int
    name: str
    lo: int
    hi: int
    wildcards: str
    names: Mapping[str, int] | None = None
    names_text: str = ""

    @property
    def allowed(self) -> str:
        names = f" or {self.names_text}" if self.names_text else ""
        return f"{self.lo}-{self.hi}{names} with {self.wildcards}"


AWS_FIELDS = (
    Field(1, "minutes", 0, 59, ", - * /"),
    Field(2, "hours", 0, 23, ", - * /"),
    Field(3, "day-of-month", 1, 31, ", - * ? / L W"),
    Field(4, "month", 1, 12, ", - * /", MONTHS, "JAN-DEC"),
    Field(5, "day-of-week", 1, 7, ", - * ? / L #", AWS_DAYS, "SUN-SAT"),
    Field(6, "year", FIRST_YEAR, LAST_YEAR, ", - * /"),
)
CRONTAB_FIELDS = (
    *AWS_FIELDS[:2],
    Field(3, "day-of-month", 1, 31, ", - * /"),
    AWS_FIELDS[3],
    Field(5, "day-of-week", 0, 7, ", - * /", CRONTAB_DAYS, "SUN-SAT"),
)
ALL_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A parsed cron form: sorted allowed values per field plus the day rule."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: DayRule
    months: tuple[int, ...]
    years: tuple[int, ...]

    @property
    def every_hour(self) -> bool:
        """True when the schedule fires in every hour of the day (a period, not a time)."""
        return len(self.hours) == 24


class _Parser:
    """Field parsing for one expression, so every error can quote the whole expression."""

    def __init__(self, expression: str) -> None:
        self.expression = expression

    def fail(self, message: str) -> InvalidInput:
        return InvalidInput(
            f"schedule {self.expression!r}: {message}", field="schedule", value=self.expression
        )

    def bad(self, field: Field, item: str, problem: str = "is not valid") -> InvalidInput:
        return self.fail(
            f"field {field.position} ({field.name}) value {item!r} {problem}; "
            f"allowed {field.allowed}"
        )

    def value(
        self, field: Field, text: str, item: str, bounds: tuple[int, int] | None = None
    ) -> int:
        """One number or name out of ``item``; errors quote the whole item."""
        lo, hi = bounds or (field.lo, field.hi)
        if text.isdigit() and text.isascii():
            number = int(text)
            if not lo <= number <= hi:
                raise self.bad(field, item, "is out of range")
            return number
        if field.names is not None and text in field.names:
            return field.names[text]
        raise self.bad(field, item)

    def plain(self, field: Field, item: str) -> set[int]:
        """`*`, `n`, `a-b`, each optionally `/step` (`0/15` runs from 0 to the top)."""
        body, slash, step_text = item.partition("/")
        step = self.value(field, step_text, item, (1, field.hi)) if slash else 1
        if body == "*":
            start, end = field.lo, field.hi
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = self.value(field, first, item), self.value(field, last, item)
            if start > end:
                raise self.bad(field, item, "runs backwards")
        else:
            start = self.value(field, body, item)
            end = field.hi if slash else start
        return set(range(start, end + 1, step))

    def values(self, field: Field, text: str) -> tuple[int, ...]:
        chosen: set[int] = set()
        for item in text.split(","):
            chosen |= self.plain(field, item)
        return tuple(sorted(chosen))

    def aws_dom(self, text: str) -> DomSpec | None:
        field = AWS_FIELDS[2]
        if text == "*":
            return None
        days: set[int] = set()
        last_minus: list[int] = []
        nearest: list[int] = []
        last_weekday = False
        for item in text.split(","):
            if item == "L":
                last_minus.append(0)
            elif item.startswith("L-"):
                last_minus.append(self.value(field, item[2:], item, (0, 30)))
            elif item == "LW":
                last_weekday = True
            elif item.endswith("W"):
                nearest.append(self.value(field, item[:-1], item))
            else:
                days |= self.plain(field, item)
        return DomSpec(frozenset(days), tuple(last_minus), tuple(nearest), last_weekday)

    def aws_dow(self, text: str) -> DowSpec | None:
        field = AWS_FIELDS[4]
        if text == "*":
            return None
        weekdays: set[int] = set()
        last_of: list[int] = []
        nth: list[tuple[int, int]] = []
        for item in text.split(","):
            if item == "L":  # `L` alone is the last day of the week: Saturday
                weekdays.add(SATURDAY)
            elif item.endswith("L"):
                last_of.append(self.value(field, item[:-1], item) - 1)
            elif "#" in item:
                day, _, k = item.partition("#")
                nth.append((self.value(field, day, item) - 1, self.value(field, k, item, (1, 5))))
            else:
                weekdays |= {d - 1 for d in self.plain(field, item)}
        return DowSpec(frozenset(weekdays), tuple(last_of), tuple(nth))

    def aws(self, fields: list[str]) -> CronSpec:
        if len(fields) != 6:
            raise self.fail(
                "cron(...) needs 6 fields: minutes hours day-of-month month day-of-week year;"
                f" got {len(fields)}"
            )
        minute, hour, dom, month, dow, year = fields
        # AWS rejects a schedule that restricts both day fields or neither.
        if (dom == "?") == (dow == "?"):
            raise self.fail(
                "exactly one of field 3 (day-of-month) and field 5 (day-of-week) must be '?'"
                f"; got {dom!r} and {dow!r}"
            )
        days = DayRule(
            dom=None if dom == "?" else self.aws_dom(dom),
            dow=None if dow == "?" else self.aws_dow(dow),
        )
        return CronSpec(
            minutes=self.values(AWS_FIELDS[0], minute),
            hours=self.values(AWS_FIELDS[1], hour),
            days=days,
            months=_possible(self.values(AWS_FIELDS[3], month), days),
            years=self.values(AWS_FIELDS[5], year),
        )

    def crontab(self, fields: list[str]) -> CronSpec:
        minute, hour, dom, month, dow = fields
        dom_days = self.values(CRONTAB_FIELDS[2], dom)
        weekdays = {d % 7 for d in self.values(CRONTAB_FIELDS[4], dow)}  # 7 is Sunday too
        days = DayRule(
            dom=None if len(dom_days) == 31 else DomSpec(frozenset(dom_days)),
            dow=None if len(weekdays) == 7 else DowSpec(frozenset(weekdays)),
            # Vixie cron: a field counts as restricted unless its text starts with `*`;
            # when both are restricted, a day matches if either field matches.
            either=not dom.startswith("*") and not dow.startswith("*"),
        )
        return CronSpec(
            minutes=self.values(CRONTAB_FIELDS[0], minute),
            hours=self.values(CRONTAB_FIELDS[1], hour),
            days=days,
            months=_possible(self.values(CRONTAB_FIELDS[3], month), days),
            years=ALL_YEARS,
        )


def _possible(months: tuple[int, ...], days: DayRule) -> tuple[int, ...]:
    """The months in which ``days`` can select a day; empty means the schedule never fires."""
    return tuple(m for m in months if may_select(days, m))


def parse_aws_cron(expression: str, body: str) -> CronSpec:
    """Parse the inside of `cron(...)`; ``expression`` is quoted in errors."""
    return _Parser(expression).aws(body.upper().split())


def parse_crontab(expression: str, fields: list[str]) -> CronSpec:
    """Parse five crontab fields (already split); ``expression`` is quoted in errors."""
    return _Parser(expression).crontab([f.upper() for f in fields])
