"""Generate a synthetic status repository for benchmarks.

N notices over three years, 20 components in 4 groups: ~80% resolved incidents, ~5% ongoing,
~15% maintenance (a third of it upcoming); 2-4 paragraphs and 2-4 updates each, 1-3 components
each. Deterministic for a given N and seed.

The default corpus reads like real write-ups: most paragraphs carry inline Markdown (emphasis,
inline code, links; now and then an identifier with underscores, `_emphasis_` or an '&'), about
a fifth of the bodies have a list (a quarter of the lists with an item of two lines), about a
sixth of the resolved incidents have a postmortem with headings and a code block, and updates
run from one sentence to a few paragraphs. `--plain` (plain=True) gives the earlier corpus, mostly plain words with at
most one inline mark at the end of a paragraph, byte for byte as before.

    python bench/generate.py DIR N [--plain]
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
GROUPS = ["core", "data", "delivery", "edge"]
WORDS = ("request latency queue worker replica cache deploy rollback region network storage "
         "database upstream provider certificate config throughput error timeout partition "
         "failover capacity customers dashboard webhook pipeline cluster node").split()
INCIDENT_FLOW = ["investigating", "identified", "monitoring"]
MAINTENANCE_FLOW = ["scheduled", "in_progress", "verifying"]
BAD = ["degraded_performance", "partial_outage", "major_outage"]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 16))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    text = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
    if rng.random() < 0.3:
        text += f" See `{rng.choice(WORDS)}` and **{rng.choice(WORDS)}**."
    return text


def rich_sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 16))
    for at in rng.sample(range(1, len(words)), rng.randint(0, 2)):
        mark = rng.random()
        if mark < 0.28:
            words[at] = f"`{words[at]}-{rng.randint(1, 99)}`"
        elif mark < 0.51:
            words[at] = f"*{words[at]}*"
        elif mark < 0.70:
            words[at] = f"**{words[at]}**"
        elif mark < 0.92:
            words[at] = f"[{words[at]}](https://docs.bench.example/{words[at]}/{rng.randint(1, 999)})"
        # what real write-ups also have, and Python-Markdown takes more care with
        elif mark < 0.96:
            words[at] = f"{words[at]}_{rng.choice(WORDS)}"  # an identifier outside backticks
        elif mark < 0.98:
            words[at] = f"_{words[at]}_"
        else:
            words[at] = f"{words[at]} & {rng.choice(WORDS)}"
    return " ".join(words).capitalize() + "."


def rich_paragraph(rng: random.Random, low: int = 2, high: int = 4) -> str:
    if rng.random() < 0.2:  # a paragraph of plain words
        return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))
    return " ".join(rich_sentence(rng) for _ in range(rng.randint(low, high)))


def rich_list(rng: random.Random) -> str:
    ordered = rng.random() < 0.4
    items = [rich_sentence(rng) for _ in range(rng.randint(3, 6))]
    if rng.random() < 0.25:  # an item that runs on to a second, indented line
        at = rng.randrange(len(items))
        items[at] += "\n   " + rich_sentence(rng)
    return "\n".join(f"{k + 1}. {item}" if ordered else f"- {item}" for k, item in enumerate(items))


def rich_body(rng: random.Random, postmortem: bool) -> str:
    blocks = [rich_paragraph(rng) for _ in range(rng.randint(2, 4))]
    if not postmortem and rng.random() < 0.1:  # with the postmortems' timelines, a fifth of bodies
        blocks.insert(rng.randint(1, len(blocks)), rich_list(rng))
    if postmortem:
        code = "\n".join(f"{rng.choice(WORDS)}_{k} = {rng.randint(1, 5000)}" for k in range(rng.randint(2, 6)))
        blocks += ["## Root cause", rich_paragraph(rng), f"```\n{code}\n```",
                   "## Timeline", rich_list(rng), "### Follow-up", rich_paragraph(rng, 1, 3)]
    return "\n\n".join(blocks)


def rich_message(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rich_sentence(rng)
    if roll < 0.8:
        return rich_paragraph(rng, 1, 3)
    blocks = [rich_paragraph(rng) for _ in range(rng.randint(2, 3))]
    if rng.random() < 0.3:
        blocks.append(rich_list(rng))
    return "\n\n".join(blocks)


def config_text() -> str:
    lines = ['[site]', 'title = "Bench Status"', 'base_url = "https://status.bench.example/"',
             'timezone = "Europe/Berlin"', 'uptime_days = 90', '']
    for group in GROUPS:
        lines += ["[[groups]]", f'id = "{group}"', f'name = "{group.title()}"', ""]
    for index in range(20):
        lines += ["[[components]]", f'id = "c{index:02d}"', f'name = "Component {index}"',
                  f'group = "{GROUPS[index % 4]}"', "slo = 99.9", ""]
    return "\n".join(lines)


def updates_yaml(rng: random.Random, times: list[datetime], statuses: list[str], plain: bool) -> str:
    out = []
    for at, status in zip(times, statuses):
        message = paragraph(rng) if plain else rich_message(rng).replace("\n", "\n      ").replace("\n      \n", "\n\n")
        out.append(f"  - at: {stamp(at)}\n    status: {status}\n    message: |\n      {message}")
    return "\n".join(out)


def notice(rng: random.Random, index: int, plain: bool = False) -> tuple[str, str]:
    roll = rng.random()
    components = rng.sample(range(20), rng.randint(1, 3))
    if plain:
        body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(2, 4)))
    else:
        body = rich_body(rng, postmortem=0.15 <= roll <= 0.95 and rng.random() < 0.15)
    if roll < 0.15:  # maintenance
        if roll < 0.05:
            start = NOW + timedelta(hours=rng.randint(2, 24 * 30))
        else:
            start = NOW - timedelta(minutes=rng.randint(24 * 60, 3 * 365 * 24 * 60))
        end = start + timedelta(hours=rng.randint(1, 4))
        count = rng.randint(2, 4)
        if start > NOW:
            times = [start - timedelta(days=7 - k) for k in range(count)]
            statuses = ["scheduled"] * count
        else:
            times = [start - timedelta(days=7)] + [start + (end - start) * k / count for k in range(1, count)]
            statuses = ["scheduled"] + MAINTENANCE_FLOW[1:count - 1] + ["completed"]
            statuses = statuses[:count]
            statuses[-1] = "completed"
        comps = "\n".join(f"  c{c:02d}: under_maintenance" for c in components)
        front = (f"title: 'Maintenance {index}: {sentence(rng)[:40]}'\ntype: maintenance\ncomponents:\n{comps}\n"
                 f"scheduled_start: {stamp(start)}\nscheduled_end: {stamp(end)}\n"
                 f"updates:\n{updates_yaml(rng, times, statuses, plain)}")
        return f"{start:%Y-%m-%d}-maintenance-{index}", f"---\n{front}\n---\n{body}\n"
    ongoing = roll > 0.95
    if ongoing:
        start = NOW - timedelta(minutes=rng.randint(10, 600))
    else:
        start = NOW - timedelta(minutes=rng.randint(24 * 60, 3 * 365 * 24 * 60))
    count = rng.randint(2, 4)
    if ongoing:
        times = [start + timedelta(minutes=5 + 3 * k) for k in range(count)]
        statuses = INCIDENT_FLOW[:count] + ["monitoring"] * max(0, count - 3)
        resolved = ""
    else:
        duration = timedelta(minutes=rng.randint(10, 8 * 60))
        times = [start + duration * k / (count - 1) for k in range(count)]
        statuses = INCIDENT_FLOW[:count - 1] + ["resolved"]
        resolved = f"resolved: {stamp(times[-1])}\n"
    comps = "\n".join(f"  c{c:02d}: {rng.choice(BAD)}" for c in components)
    front = (f"title: 'Incident {index}: {sentence(rng)[:50]}'\ncomponents:\n{comps}\nstarted: {stamp(start)}\n"
             f"{resolved}updates:\n{updates_yaml(rng, times, statuses, plain)}")
    return f"{start:%Y-%m-%d}-incident-{index}", f"---\n{front}\n---\n{body}\n"


def generate(directory: Path, n: int, seed: int = 42, plain: bool = False) -> Path:
    rng = random.Random(seed)
    directory = Path(directory)
    (directory / "incidents").mkdir(parents=True, exist_ok=True)
    (directory / "statusgen.toml").write_text(config_text(), encoding="utf-8")
    for index in range(n):
        slug, text = notice(rng, index, plain)
        (directory / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    return directory


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--plain"]
    generate(Path(arguments[0]), int(arguments[1]), plain="--plain" in sys.argv[1:])
