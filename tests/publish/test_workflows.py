"""The CI workflows: the one `statusgen init` hands out, and this repository's own."""

from __future__ import annotations

import re

import yaml

from tests.conftest import PROJECT_ROOT

USER_WORKFLOW = PROJECT_ROOT / "statusgen" / "skeleton" / ".github" / "workflows" / "status.yml"

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
    texts = [USER_WORKFLOW.read_text(encoding="utf-8"),
             (PROJECT_ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")]
    for text in texts:
        uses = [s["uses"] for s in steps(load(text)) if "uses" in s]
        assert uses and all(PINNED.match(u) for u in uses), uses


def test_repository_ci_runs_the_ci_script():
    workflow = load((PROJECT_ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert "bash .ci/run" in [s.get("run") for s in steps(workflow)]
