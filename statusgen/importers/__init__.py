"""`statusgen import`: bring the history of another status page into a statusgen repository.

One module per source (cstate, statusfy, statuspage) reads it into an ImportPlan; `writing`
validates the repository as it would be and only then writes it.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from statusgen.config import CONFIG_FILE, load_config
from statusgen.errors import StatusgenError
from statusgen.importers.common import valid_timezone
from statusgen.importers.writing import ImportResult, import_plan

__all__ = ["ImportResult", "import_plan", "report_lines", "timezone_for"]


def timezone_for(root: Path, given: str | None) -> tuple[ZoneInfo, str | None]:
    """The zone for times written without an offset: --timezone, else the site's, else UTC
    (with None for its name: the source may then name the site's zone)."""
    if given is not None:
        if not valid_timezone(given):
            raise StatusgenError(f"--timezone: found {given!r}; expected an IANA time zone such as "
                                 "'Europe/Berlin' or 'UTC'")
        return ZoneInfo(given), given
    if (Path(root) / CONFIG_FILE).exists():
        site = load_config(root).site
        return site.tz, site.timezone
    return ZoneInfo("UTC"), None


def report_lines(result: ImportResult) -> list[str]:
    plan = result.plan
    incidents = sum(1 for n in plan.notices if n.kind == "incident")
    lines = [f"Read from {plan.source}: {len(plan.groups)} groups, {len(plan.components)} components, "
             f"{incidents} incidents, {len(plan.notices) - incidents} maintenance windows"]
    verb = "Created" if result.config_created else "Updated" if (result.groups_added or result.components_added) \
        else "Unchanged:"
    lines.append(f"{verb} {CONFIG_FILE}" + (f" ({len(result.groups_added)} groups, {len(result.components_added)} "
                                            "components added)" if verb == "Updated" else ""))
    lines.append(f"Wrote {len(result.written)} files in incidents/"
                 + (f" ({len(result.unchanged)} already as imported)" if result.unchanged else ""))
    if plan.leftovers:
        lines.append(f"Not carried over or changed to fit ({len(plan.leftovers)}):")
        lines += [f"  {leftover}" for leftover in plan.leftovers]
    else:
        lines.append("Everything was carried over.")
    lines.append("Next: statusgen check && statusgen build")
    return lines
