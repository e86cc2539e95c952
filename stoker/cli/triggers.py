"""`stoker triggers …`: create, list, read, update, delete, start, activate, deactivate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of, parse_pairs
from stoker.cli.output import emit, key_values, local_time, output_option, table, text
from stoker.cli.runs import render_runs
from stoker.cli.triggerfile import TriggerFlags, trigger_body_for_create, trigger_body_for_update

Json = dict[str, Any]
F = Callable[..., Any]
TYPES = ["SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT"]
WATCHABLE = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED")


def parse_conditions(
    ctx: click.Context | None, param: click.Parameter | None, values: Sequence[str]
) -> dict[str, str]:
    """``JOB=STATE`` options as an ordered map of watched job → state."""
    found: dict[str, str] = {}
    for item in values:
        job, sep, state = item.partition("=")
        state = state.strip().upper()
        if not sep or not job.strip() or state not in WATCHABLE:
            raise click.BadParameter(
                f"{item!r} is not JOB=STATE with STATE one of {', '.join(WATCHABLE)}; "
                "write e.g. --condition extract=SUCCEEDED",
                ctx=ctx,
                param=param,
            )
        found[job.strip()] = state
    return found


_DEFINITION_OPTIONS: list[Callable[[F], F]] = [
    click.option("-f", "--file", "file", type=click.Path(dir_okay=False),
                 help="Trigger definition file (.toml, .yaml, .json); flags override it."),
    click.option("--type", "type_", type=click.Choice(TYPES), help="Trigger type."),
    click.option("--schedule", metavar="EXPR",
                 help="SCHEDULED: 'cron(0 2 * * ? *)', '0 2 * * *' or 'rate(5 minutes)'."),
    click.option("--timezone", metavar="TZ", help="IANA zone of the schedule (UTC)."),
    click.option("--catch-up", type=click.Choice(["NONE", "ONCE"]),
                 help="Fires missed while the daemon was down: none (default) or once."),
    click.option("--description", help="Free text."),
    click.option("--action", "actions", multiple=True, metavar="JOB",
                 help="Job to start (repeatable; replaces the actions)."),
    click.option("--arg", "arguments", multiple=True, callback=parse_pairs, metavar="KEY=VALUE",
                 help="Argument --KEY for every action's runs (repeatable)."),
    click.option("--timeout", type=int, help="Run timeout in minutes for every action."),
    click.option("--notify-delay-after", type=int, help="Minutes; for every action."),
    click.option("--logical", type=click.Choice(["AND", "ANY"]),
                 help="CONDITIONAL: all conditions (AND, default) or any one (ANY)."),
    click.option("--condition", "conditions", multiple=True, callback=parse_conditions,
                 metavar="JOB=STATE",
                 help="CONDITIONAL: watch JOB ending in STATE (repeatable; replaces them)."),
    click.option("--allow-cycles/--no-allow-cycles", "allow_cycles", default=None,
                 help="Allow a chain that starts a job from its own completion."),
    click.option("--topic", help="EVENT: Kafka topic."),
    click.option("--pattern", metavar="JSON", help="EVENT: event pattern as JSON."),
    click.option("--batch-size", type=click.IntRange(1, 100), help="EVENT: events per fire."),
    click.option("--batch-window", type=click.IntRange(1, 900),
                 help="EVENT: seconds after the first event before firing anyway."),
]  # fmt: skip


def definition_options(command: F) -> F:
    for option in reversed(_DEFINITION_OPTIONS):
        command = option(command)
    return command


def _flags(options: dict[str, Any], **extra: Any) -> TriggerFlags:
    values = {k: v for k, v in options.items() if k not in ("file", "output", "type_")}
    return TriggerFlags(type=options.get("type_"), **values, **extra)


def watch_text(trigger: Json) -> str:
    """What makes the trigger fire, in one cell."""
    if trigger.get("schedule"):
        return str(trigger["schedule"])
    predicate = trigger.get("predicate") or {}
    conditions = predicate.get("conditions") or []
    if conditions:
        joined = f" {predicate.get('logical', 'AND')} ".join(
            f"{c['job_name']}={c['state']}" for c in conditions
        )
        return joined
    event = trigger.get("event") or {}
    return f"topic {event['topic']}" if event.get("topic") else "-"


def render_trigger(trigger: Json) -> str:
    actions = trigger.get("actions") or []
    pairs = [
        ("Name", text(trigger.get("name"))),
        ("Type", text(trigger.get("type"))),
        ("State", text(trigger.get("state"))),
        ("Description", text(trigger.get("description"))),
        ("Fires on", watch_text(trigger)),
        ("Time zone", text(trigger.get("timezone"))),
        ("Catch up", text(trigger.get("catch_up"))),
        ("Allow cycles", text(trigger.get("allow_cycles"))),
        ("Actions", str(len(actions))),
    ]
    for action in actions:
        limits = (f"timeout {text(action.get('timeout'))}, "
                  f"notify delay after {text(action.get('notify_delay_after'))}")  # fmt: skip
        pairs.append((f"  {action['job_name']}", limits))
        arguments = sorted((action.get("arguments") or {}).items())
        pairs += [(f"    {k}", v) for k, v in arguments]
    pairs += [
        ("Last fired", local_time(trigger.get("last_fire_time"))),
        ("Next fire", local_time(trigger.get("next_fire_time"))),
        ("Missed fires", text(trigger.get("missed_fires"))),
        ("Created", local_time(trigger.get("created_on"))),
        ("Modified", local_time(trigger.get("last_modified_on"))),
    ]
    if trigger.get("load_error"):
        pairs.insert(1, ("LOAD ERROR", text(trigger.get("load_error"))))
    return key_values(pairs)


def render_triggers(triggers: list[Json]) -> str:
    headers = ["NAME", "TYPE", "STATE", "FIRES ON", "JOBS", "NEXT FIRE"]
    rows = [
        [
            t["name"],
            text(t.get("type")),
            "LOAD ERROR" if t.get("load_error") else text(t.get("state")),
            watch_text(t),
            ",".join(a["job_name"] for a in t.get("actions") or []) or "-",
            local_time(t.get("next_fire_time")),
        ]
        for t in triggers
    ]
    return table(headers, rows) if rows else "no triggers"


def render_started(result: Json) -> str:
    trigger = result["trigger"]
    runs = result.get("runs") or []
    if not runs:
        return f"trigger {trigger['name']} is {trigger['state']}"
    return f"trigger {trigger['name']} started {len(runs)} run(s)\n" + render_runs(runs)


@click.group("triggers", cls=StokerGroup)
def triggers_group() -> None:
    """Triggers that start jobs on a schedule, on demand, or when other jobs end.

    \b
    Example:
      stoker triggers create --name nightly --type SCHEDULED \\
        --schedule 'cron(0 2 * * ? *)' --action daily-etl --start-on-creation
    """


@triggers_group.command("create")
@click.option("--name", help="Trigger name (letters, digits, '_', '.', '-').")
@definition_options
@click.option(
    "--start-on-creation",
    is_flag=True,
    default=None,
    help="Activate at once (SCHEDULED, CONDITIONAL, EVENT; not ON_DEMAND).",
)
@output_option
@click.pass_context
def create(ctx: click.Context, /, name: str | None, file: str | None, output: str,
           **options: Any) -> None:  # fmt: skip
    """Create a trigger from flags or a definition file (Glue CreateTrigger).

    \b
    Examples:
      stoker triggers create --name nightly --type SCHEDULED \\
        --schedule 'cron(0 2 * * ? *)' --action daily-etl --start-on-creation
      stoker triggers create --name after-extract --type CONDITIONAL --logical AND \\
        --condition extract=SUCCEEDED --condition load=SUCCEEDED --action report
      stoker triggers create -f triggers/nightly.toml
    """
    body = trigger_body_for_create(file, _flags(options, name=name))
    emit(client_of(ctx).create_trigger(body), output, render_trigger)


@triggers_group.command("update")
@click.argument("name")
@definition_options
@output_option
@click.pass_context
def update(ctx: click.Context, /, name: str, file: str | None, output: str,
           **options: Any) -> None:  # fmt: skip
    """Change a trigger: read it, apply the file and flags, write the whole definition back
    (Glue UpdateTrigger; the state is kept).

    \b
    Examples:
      stoker triggers update nightly --schedule 'rate(30 minutes)'
      stoker triggers update after-extract --condition extract=FAILED --logical ANY
    """
    client = client_of(ctx)
    body = trigger_body_for_update(client.get_trigger(name), file, _flags(options))
    emit(client.update_trigger(name, body), output, render_trigger)


@triggers_group.command("list")
@click.option("--job", metavar="NAME", help="Only triggers that start or watch this job.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many triggers (pages are followed).")  # fmt: skip
@output_option
@click.pass_context
def list_triggers(ctx: click.Context, job: str | None, limit: int, output: str) -> None:
    """List triggers by name.

    \b
    Examples:
      stoker triggers list
      stoker triggers list --job daily-etl -o json
    """
    client = client_of(ctx)
    triggers = collect(
        lambda n, token: client.list_triggers_page(n, token, job_name=job), "triggers", limit
    )
    emit(triggers, output, render_triggers)


@triggers_group.command("get")
@click.argument("name")
@output_option
@click.pass_context
def get(ctx: click.Context, name: str, output: str) -> None:
    """Show one trigger (secret-looking argument values are masked).

    \b
    Example:
      stoker triggers get nightly -o json
    """
    emit(client_of(ctx).get_trigger(name), output, render_trigger)


@triggers_group.command("start")
@click.argument("name")
@output_option
@click.pass_context
def start(ctx: click.Context, name: str, output: str) -> None:
    """Glue StartTrigger: an ON_DEMAND trigger starts its jobs now; any other is activated.

    \b
    Example:
      stoker triggers start backfill
    """
    emit(client_of(ctx).trigger_action(name, "start"), output, render_started)


@triggers_group.command("activate")
@click.argument("name")
@output_option
@click.pass_context
def activate(ctx: click.Context, name: str, output: str) -> None:
    """Let a SCHEDULED, CONDITIONAL or EVENT trigger fire.

    \b
    Example:
      stoker triggers activate nightly
    """
    trigger = client_of(ctx).trigger_action(name, "activate")
    emit(trigger, output, lambda t: f"trigger {t['name']} is {t['state']}")


@triggers_group.command("deactivate")
@click.argument("name")
@output_option
@click.pass_context
def deactivate(ctx: click.Context, name: str, output: str) -> None:
    """Stop a trigger firing until it is activated again (Glue StopTrigger).

    \b
    Example:
      stoker triggers deactivate nightly
    """
    trigger = client_of(ctx).trigger_action(name, "deactivate")
    emit(trigger, output, lambda t: f"trigger {t['name']} is {t['state']}")


@triggers_group.command("delete")
@click.argument("name")
@click.pass_context
def delete(ctx: click.Context, name: str) -> None:
    """Delete a trigger; the runs it started stay readable.

    \b
    Example:
      stoker triggers delete nightly
    """
    client_of(ctx).delete_trigger(name)
    click.echo(f"deleted trigger {name}")
