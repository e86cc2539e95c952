"""A statement in a session's namespace, without Spark: the shown value, captured output,
errors with the statement's own traceback, a cancel, and the namespace kept between them."""

from __future__ import annotations

import threading
import time
from typing import Any

from stoker.executors.pool import protocol
from stoker.executors.pool.driver import _async_raise
from stoker.executors.pool.statements import MAX_OUTPUT, run_statement
from stoker.executors.runner import StopRequested


def test_the_last_expression_is_shown_after_what_was_printed() -> None:
    namespace: dict[str, Any] = {}
    result = run_statement("x = 20\nprint('hello')\nx + 1", namespace, 1)
    assert (result.status, result.text) == ("ok", "hello\n21\n")
    assert run_statement("x * 2", namespace, 2).text == "40\n"
    # None is not shown, and a statement that ends in an assignment shows nothing.
    assert run_statement("None", namespace, 3).text == ""
    assert run_statement("y = 1", namespace, 4).text == ""


def test_an_error_carries_its_name_value_and_the_statements_own_lines() -> None:
    result = run_statement("def f():\n    return {}['k']\nf()", {}, 7)
    assert (result.status, result.error_name, result.error_value) == ("error", "KeyError", "'k'")
    assert result.traceback is not None
    assert 'File "<statement 7>", line 2, in f' in result.traceback
    assert "return {}['k']" in result.traceback and "statements.py" not in result.traceback


def test_a_syntax_error_and_output_before_an_error_are_kept() -> None:
    broken = run_statement("if True print(1)", {}, 1)
    assert broken.error_name == "SyntaxError" and broken.traceback
    partial = run_statement("print('before')\n1/0", {}, 2)
    assert (partial.text, partial.error_name) == ("before\n", "ZeroDivisionError")


def test_huge_output_and_error_values_are_cut_and_say_so() -> None:
    printed = run_statement(f"for _ in range(3):\n    print('x' * {MAX_OUTPUT})", {}, 1)
    assert printed.status == "ok" and printed.text.startswith("x" * MAX_OUTPUT + "\n[stoker:")
    assert f"{2 * MAX_OUTPUT + 3} more" in printed.text  # two lines and three newlines
    failed = run_statement(f"raise ValueError('v' * {2 * MAX_OUTPUT})", {}, 2)
    assert failed.error_value is not None and len(failed.error_value) < MAX_OUTPUT + 100
    assert failed.error_value.endswith(f"cut at {MAX_OUTPUT} characters]")


def test_a_stop_raised_in_the_statements_thread_is_a_cancel() -> None:
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(
        run_statement("import time\nwhile True:\n    time.sleep(0.01)", {}, 1)))  # fmt: skip
    worker.start()
    time.sleep(0.2)
    assert worker.ident is not None
    _async_raise(worker.ident, StopRequested)
    worker.join(5)
    assert not worker.is_alive() and results[0].status == "cancelled"


def test_session_messages_round_trip_on_the_wire() -> None:
    messages = [
        protocol.OpenSession("s", {"--day": "mon"}, {"spark.sql.x": "1"}, "a.py,b.zip"),
        protocol.Statement("s-0", "1+1", 0),
        protocol.SessionOpened("s", None),
        protocol.StatementDone("s-0", "error", "out", "KeyError", "'k'", "Traceback…", None),
    ]
    for message in messages:
        assert protocol.decode(protocol.encode(message)) == message
