"""A hand-written parser of the DQDL subset stoker evaluates, with errors that say where.

    Rules = [ ColumnCount > 0, IsComplete "id", ColumnValues "n" between 1 and 9 ]

Rule types: ColumnCount, RowCount, IsComplete, IsUnique, ColumnValues. Expressions:
``= != > >= < <= <number>``, ``between <a> and <b>``, ``[not] in [<values>]`` (strings,
numbers, NULL, EMPTY, WHITESPACES_ONLY) and ``matches "<regex>"``; ColumnValues also takes
``with threshold <op> <ratio>``. Any other rule type, composite rules and ``where`` clauses
are refused with an error naming them. ``#`` comments are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stoker.errors import InvalidInput

SUPPORTED = ("ColumnCount", "RowCount", "IsComplete", "IsUnique", "ColumnValues")
_COLUMN_RULES = ("IsComplete", "IsUnique", "ColumnValues")
_OPERATORS = ("=", "!=", ">=", "<=", ">", "<")
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)'
    r"|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[\[\](),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_SPECIALS = ("NULL", "EMPTY", "WHITESPACES_ONLY")
#: A quoted string (kept) or a comment (blanked, so positions in errors stay right).
_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|#[^\n]*')


class RulesetError(InvalidInput):
    """Raised when a DQDL ruleset is malformed or uses rules stoker does not evaluate."""

    code = "InvalidDataQualityRuleset"


@dataclass(frozen=True)
class Expression:
    """A condition: ``op`` is a comparison, ``between``, ``in``, ``not in`` or ``matches``."""

    op: str
    operands: tuple[object, ...]


@dataclass(frozen=True)
class Rule:
    """One rule: its type, its column (if any), its condition, its text as written."""

    kind: str
    column: str | None
    expression: Expression | None
    text: str
    threshold: Expression | None = field(default=None)


@dataclass
class _Tokens:
    items: list[tuple[str, str, int]]
    source: str
    at: int = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, what: str = "a token") -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise RulesetError(f"DQDL: expected {what} but the ruleset ended")
        self.at += 1
        return token

    def expect(self, value: str) -> int:
        _, text, pos = self.take(repr(value))
        if text != value:
            raise RulesetError(f"DQDL: expected {value!r} at position {pos}, found {text!r}")
        return pos


def _tokenize(source: str) -> _Tokens:
    """Tokens of ``source``; ``#`` starts a comment to the end of its line (Glue Studio's
    generated rulesets carry one)."""
    source = _COMMENT.sub(lambda m: m.group() if m.group(1) else " " * len(m.group()), source)
    items, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise RulesetError(
                f"DQDL: unexpected character {source[pos:].lstrip()[:1]!r} at position {pos}"
            )
        kind = match.lastgroup or "word"
        items.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return _Tokens(items, source)


def parse(ruleset: str) -> list[Rule]:
    """The rules of a DQDL ruleset (``Rules = [ ... ]``)."""
    tokens = _tokenize(ruleset)
    head = tokens.take("'Rules'")
    if head[1] != "Rules":
        raise RulesetError(
            f"DQDL: a ruleset starts with 'Rules = [', found {head[1]!r} (only Rules are supported)"
        )
    tokens.expect("=")
    tokens.expect("[")
    rules = []
    while True:
        rules.append(_rule(tokens))
        closing = tokens.take("',' or ']'")
        if closing[1] == "]":
            break
        if closing[1] != ",":
            raise RulesetError(
                f"DQDL: expected ',' or ']' at position {closing[2]}, found {closing[1]!r}"
            )
    if tokens.peek() is not None:
        raise RulesetError(f"DQDL: unexpected {tokens.peek()[1]!r} after the rules")  # type: ignore[index]
    return rules


def _rule(tokens: _Tokens) -> Rule:
    kind, name, start = tokens.take("a rule")
    if name == "(":
        raise RulesetError("DQDL: composite rules ((...) and/or (...)) are not supported by stoker")
    if kind != "word":
        raise RulesetError(f"DQDL: expected a rule type at position {start}, found {name!r}")
    if name not in SUPPORTED:
        raise RulesetError(
            f"DQDL rule type {name!r} is not supported by stoker "
            f"(supported: {', '.join(SUPPORTED)})",
            field="ruleset",
            value=name,
        )
    column = _string(tokens, f"{name}'s column name") if name in _COLUMN_RULES else None
    expression = None if name in ("IsComplete", "IsUnique") else _expression(tokens)
    threshold = None
    nxt = tokens.peek()
    if nxt is not None and nxt[1] == "with":
        tokens.take()
        tokens.expect("threshold")
        threshold = _expression(tokens)
    elif nxt is not None and nxt[1] == "where":
        raise RulesetError("DQDL: where clauses are not supported by stoker")
    end = tokens.items[tokens.at - 1]
    text = " ".join(tokens.source[start : end[2] + len(end[1])].split())
    return Rule(name, column, expression, text, threshold)


def _string(tokens: _Tokens, what: str) -> str:
    kind, text, pos = tokens.take(what)
    if kind != "string":
        raise RulesetError(
            f"DQDL: expected {what} (a quoted string) at position {pos}, found {text!r}"
        )
    return _unquote(text)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _expression(tokens: _Tokens) -> Expression:
    kind, text, pos = tokens.take("an expression")
    if kind == "op":
        return Expression(text, (_value(tokens),))
    if text == "between":
        low = _number(tokens)
        tokens.expect("and")
        return Expression("between", (low, _number(tokens)))
    if text == "in":
        return Expression("in", _list(tokens))
    if text == "not":
        tokens.expect("in")
        return Expression("not in", _list(tokens))
    if text == "matches":
        return Expression("matches", (_string(tokens, "a regular expression"),))
    raise RulesetError(
        f"DQDL: expected a comparison, between, in or matches at position {pos}, found {text!r}"
    )


def _number(tokens: _Tokens) -> float:
    kind, text, pos = tokens.take("a number")
    if kind != "number":
        raise RulesetError(f"DQDL: expected a number at position {pos}, found {text!r}")
    return float(text)


def _value(tokens: _Tokens) -> object:
    kind, text, pos = tokens.take("a value")
    if kind == "number":
        return float(text)
    if kind == "string":
        return _unquote(text)
    if text in _SPECIALS:
        return text
    raise RulesetError(
        f"DQDL: expected a number, a string or NULL at position {pos}, found {text!r}"
    )


def _list(tokens: _Tokens) -> tuple[object, ...]:
    tokens.expect("[")
    values = []
    while True:
        values.append(_value(tokens))
        _, text, pos = tokens.take("',' or ']'")
        if text == "]":
            return tuple(values)
        if text != ",":
            raise RulesetError(
                f"DQDL: expected ',' or ']' in a list at position {pos}, found {text!r}"
            )
