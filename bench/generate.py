"""Generate a synthetic status repository for benchmarks.

N notices over three years, 20 components in 4 groups: ~80% resolved incidents, ~5% ongoing,
~15% maintenance (a third of it upcoming); 2-4 paragraphs of Markdown and 2-4 updates each,
1-3 components each. Deterministic for a given N and seed.

    python bench/generate.py DIR N
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


def config_text() -> str:
    lines = ['[site]', 'title = "Bench Status"', 'base_url = "https://status.bench.example/"',
             'timezone = "Europe/Berlin"', 'uptime_days = 90', '']
    for group in GROUPS:
        lines += ["[[groups]]", f'id = "{group}"', f'name = "{group.title()}"', ""]
    for index in range(20):
        lines += ["[[components]]", f'id = "c{index:02d}"', f'name = "Component {index}"',
                  f'group = "{GROUPS[index % 4]}"', "slo = 99.9", ""]
    return "\n".join(lines)


def updates_yaml(rng: random.Random, times: list[datetime], statuses: list[str]) -> str:
    out = []
    for at, status in zip(times, statuses):
        out.append(f"  - at: {stamp(at)}\n    status: {status}\n    message: |\n      {paragraph(rng)}")
    return "\n".join(out)


def notice(rng: random.Random, index: int) -> tuple[str, str]:
    roll = rng.random()
    components = rng.sample(range(20), rng.randint(1, 3))
    body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(2, 4)))
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
                 f"updates:\n{updates_yaml(rng, times, statuses)}")
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
             f"{resolved}updates:\n{updates_yaml(rng, times, statuses)}")
    return f"{start:%Y-%m-%d}-incident-{index}", f"---\n{front}\n---\n{body}\n"


def generate(directory: Path, n: int, seed: int = 42) -> Path:
    rng = random.Random(seed)
    directory = Path(directory)
    (directory / "incidents").mkdir(parents=True, exist_ok=True)
    (directory / "statusgen.toml").write_text(config_text(), encoding="utf-8")
    for index in range(n):
        slug, text = notice(rng, index)
        (directory / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    return directory


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
