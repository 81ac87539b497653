"""The CI workflows: the one `statusgen init` hands out, and this repository's own."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from statusgen.cli import cli
from tests.conftest import PROJECT_ROOT

USER_WORKFLOW = PROJECT_ROOT / "statusgen" / "skeleton" / ".github" / "workflows" / "status.yml"
OWN_WORKFLOWS = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
ZIZMOR = Path(sys.executable).parent / "zizmor"

PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_user_workflow_builds_on_push_and_publishes_on_schedule_by_oidc():
    text = USER_WORKFLOW.read_text(encoding="utf-8")
    workflow = load(text)
    assert {"push", "schedule"} <= set(workflow["on"])
    assert workflow["on"]["schedule"] == [{"cron": "*/10 * * * *"}]
    assert workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "check"
    assert publish["permissions"] == {"id-token": "write", "contents": "read"}
    assert publish["concurrency"] == {"group": "statusgen-publish", "cancel-in-progress": False}
    assert "default_branch" in publish["if"] and "schedule" in publish["if"]
    runs = [s.get("run", "") for s in publish["steps"]]
    assert runs.index("statusgen build") < runs.index("statusgen publish")
    aws = next(s for s in publish["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert set(aws["with"]) >= {"role-to-assume", "aws-region"}
    assert not any(k in aws["with"] for k in ("aws-access-key-id", "aws-secret-access-key"))
    assert "statusgen check" in [s.get("run") for s in workflow["jobs"]["check"]["steps"]]


def test_every_action_is_pinned_to_a_full_commit_sha():
    texts = [path.read_text(encoding="utf-8") for path in [USER_WORKFLOW, *OWN_WORKFLOWS]]
    assert len(texts) >= 3
    for text in texts:
        uses = [s["uses"] for s in steps(load(text)) if "uses" in s]
        assert uses and all(PINNED.match(u) for u in uses), uses


def test_repository_ci_runs_the_ci_script():
    workflow = load((PROJECT_ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert "bash .ci/run" in [s.get("run") for s in steps(workflow)]


def test_user_workflow_installs_exactly_what_requirements_txt_pins():
    workflow = load(USER_WORKFLOW.read_text(encoding="utf-8"))
    for job in workflow["jobs"].values():
        installs = [s["run"] for s in job["steps"] if "pip install" in s.get("run", "")]
        assert installs == ["python -m pip install --no-deps -r requirements.txt\npython -m pip check\n"]
        runs = [s.get("run", "") for s in job["steps"]]
        assert runs.index(installs[0]) < runs.index("statusgen build")


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZIZMOR), "--offline", "--format", "json", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def test_every_workflow_passes_the_workflow_linter(tmp_path):
    """zizmor (offline audits: unpinned actions, template injection, excessive permissions,
    credential persistence, ...) on this repository's workflows and on the one init writes."""
    generated = tmp_path / "repo"
    assert CliRunner().invoke(cli, ["init", str(generated)]).exit_code == 0
    paths = [*OWN_WORKFLOWS, generated / ".github" / "workflows" / "status.yml"]
    result = zizmor(*paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    for path in paths:
        assert f"completed {path}" in result.stderr  # each file was really audited


def test_the_workflow_linter_catches_what_it_is_here_for(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\npermissions: write-all\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v5\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n", encoding="utf-8")
    result = zizmor(bad)
    assert result.returncode != 0
    found = {finding["ident"] for finding in json.loads(result.stdout)}
    assert {"unpinned-uses", "template-injection", "artipacked", "dangerous-triggers"} <= found, found


def test_release_workflow_builds_once_and_publishes_by_trusted_publishing():
    workflow = load((PROJECT_ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    build_runs = "\n".join(s.get("run", "") for s in build["steps"])
    assert "python -m build --no-isolation" in build_runs and "twine check --strict dist/*" in build_runs
    assert "-c constraints.txt" in build_runs  # the build tools at their pinned versions
    assert "statusgen.__version__" in build_runs  # a tag that is not the version is refused
    uses = [s["uses"].split("@")[0] for s in build["steps"] if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/attest-build-provenance",
                    "actions/upload-artifact"]
    assert build["permissions"] == {"contents": "read", "id-token": "write", "attestations": "write"}
    assert workflow["concurrency"] == {"group": "release", "cancel-in-progress": False}
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    steps = publish["steps"]
    assert [s["uses"].split("@")[0] for s in steps] == ["actions/download-artifact", "pypa/gh-action-pypi-publish"]
    assert steps[1].get("with", {}) == {"attestations": True}  # no password: OIDC only
    assert "secrets." not in json.dumps(workflow)


def test_user_workflow_restores_and_saves_the_build_cache_before_each_build():
    """Each job restores the newest `.statusgen-cache/`, `site/` and kept tree of the same statusgen version
    and requirements.txt and saves its own under a key that changes every run (so it is saved
    again)."""
    workflow = load(USER_WORKFLOW.read_text(encoding="utf-8"))
    for job in workflow["jobs"].values():
        job_steps = job["steps"]
        runs = [s.get("run", "") for s in job_steps]
        cache = next(i for i, s in enumerate(job_steps) if s.get("uses", "").startswith("actions/cache@"))
        version = next(i for i, s in enumerate(job_steps) if s.get("id") == "statusgen")
        assert PINNED.match(job_steps[cache]["uses"])
        assert version < cache < runs.index("statusgen build")
        assert "$GITHUB_OUTPUT" in job_steps[version]["run"] and "statusgen.__version__" in job_steps[version]["run"]
        settings = job_steps[cache]["with"]
        assert settings["path"].split() == [".statusgen-cache", "site", ".site.statusgen-build/previous"]
        prefix = "statusgen-${{ steps.statusgen.outputs.version }}-${{ hashFiles('requirements.txt') }}-"
        assert settings["restore-keys"].strip() == prefix
        assert settings["key"].startswith(prefix) and "${{ github.run_id }}" in settings["key"]
