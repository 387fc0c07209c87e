"""Git-native checks: the pre-commit hook, annotations for GitHub, the diff as Markdown, and the example workflow."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feeds.cli import main

from .support.load_cases import event_yaml
from .support.paths import ROOT, SMALL_EVENT
from .support.wheelhouse import build_wheelhouse

BIN = Path(sys.executable).parent
WORKFLOW_DOC = ROOT / "docs" / "git-workflow.md"


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


# -- pre-commit ------------------------------------------------------------------------------------


def test_pre_commit_try_repo_runs_feeds_check_offline(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    assert pre_commit, "pre-commit is not installed; pip install -e '.[test]'"
    scratch = tmp_path / "organizers"
    scratch.mkdir()
    (scratch / "event.yaml").write_text(event_yaml(), encoding="utf-8")
    (scratch / "notes.txt").write_text("not an event file\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        # No package index: the hook's environment installs feeds and its dependencies from local wheels.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(build_wheelhouse(tmp_path / "wheels")),
        "GIT_AUTHOR_NAME": "Organizer",
        "GIT_AUTHOR_EMAIL": "organizer@example.org",
        "GIT_COMMITTER_NAME": "Organizer",
        "GIT_COMMITTER_EMAIL": "organizer@example.org",
    }
    assert run(["git", "init", "-q"], scratch, env).returncode == 0
    assert run(["git", "add", "event.yaml", "notes.txt"], scratch, env).returncode == 0
    hook = [pre_commit, "try-repo", str(ROOT), "feeds-check", "--all-files"]
    passed = run(hook, scratch, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^feeds check\.+Passed$", passed.stdout, re.MULTILINE), passed.stdout
    (scratch / "event.yaml").write_text(event_yaml({32: "    start: 10am"}), encoding="utf-8")
    failed = run(hook, scratch, env)
    assert failed.returncode == 1
    assert re.search(r"^feeds check\.+Failed$", failed.stdout, re.MULTILINE), failed.stdout
    assert "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '10am'" in (
        failed.stdout
    )
    (scratch / "event.yaml").write_text(event_yaml(), encoding="utf-8")
    assert run(["git", "commit", "-qam", "The schedule"], scratch, env).returncode == 0
    (scratch / "notes.txt").write_text("changed, and no event file changed\n", encoding="utf-8")
    assert run(["git", "add", "-A"], scratch, env).returncode == 0
    skipped = run([pre_commit, "try-repo", str(ROOT), "feeds-check"], scratch, env)
    assert re.search(r"^feeds check\.+\(no files to check\)Skipped$", skipped.stdout, re.MULTILINE), skipped.stdout


def test_the_hook_manifest_names_the_event_file() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["language"], hook["entry"]) == ("feeds-check", "python", "feeds check")
    files = re.compile(hook["files"])
    assert files.search("event.yaml") and files.search("conference/event.yaml")
    assert not files.search("event.yaml.bak") and not files.search("my-event.yaml")


# -- annotations and Markdown ------------------------------------------------------------------------


def test_check_format_github_annotates_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "event.yaml"
    event_file.write_text(event_yaml({32: "    start: 10am", 19: "    name: ~"}), encoding="utf-8")
    assert main(["check", "--format", "github", str(event_file)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"::error file={event_file},line=19,col=11::speakers[0] (id 'ada').name: expected text, got nothing",
        f"::error file={event_file},line=32,col=12::sessions[1] (id 'compilers').start: "
        "expected 'YYYY-MM-DD HH:MM', got '10am'; did you mean '2024-03-09 10:00'?",
        f"{event_file}: 2 problems found; nothing was published from this file.",
    ]


def test_check_format_github_annotates_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "event.yaml"
    event_file.write_text(event_yaml({35: "    speakers: [ada]", 41: "    speakers: [ada]"}), encoding="utf-8")
    assert main(["check", "--format", "github", str(event_file)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"::warning file={event_file},line=21,col=5::speakers[1] (id 'grace'): speaker 'Grace Hopper' is in no "
        "session; add 'grace' to a session's speakers, or remove the speaker"
    )
    assert out[-1] == f"{event_file}: OK: 3 sessions, 3 changes not yet released"


def test_annotations_escape_what_github_would_cut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "a,b:c.yaml"
    event_file.write_text(event_yaml({31: '    title: "100%\\nsure"', 32: "    start: 10am"}), encoding="utf-8")
    assert main(["check", "--format", "github", str(event_file)]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"::error file={str(tmp_path).replace(':', '%3A').replace(',', '%2C')}/a%2Cb%3Ac.yaml,")


def test_diff_format_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "event.yaml"
    shutil.copy(SMALL_EVENT, event_file)
    assert main(["publish", str(event_file)]) == 0
    capsys.readouterr()
    assert main(["diff", "--format", "markdown", str(event_file)]) == 0
    assert capsys.readouterr().out == (
        "### What subscribers will see change (event.yaml)\n\n"
        f"Compared with the ledger {event_file.with_name('event.ledger.json')}.\n\n"
        "No changes: subscribers already see what `event.yaml` says.\n"
    )
    text = event_file.read_text(encoding="utf-8").replace("title: Opening", "title: Opening | Welcome", 1)
    event_file.write_text(text, encoding="utf-8")
    assert main(["diff", "--format", "markdown", str(event_file)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:8] == [
        "### What subscribers will see change (event.yaml)",
        "",
        f"Compared with the ledger {event_file.with_name('event.ledger.json')}.",
        "",
        "Releasing `event.yaml` changes 1 thing in subscribers' calendars:",
        "",
        "| Session | Change |",
        "|---|---|",
    ]
    assert out[8] == "| Opening \\| Welcome (`opening`) | renamed: 'Opening' -> 'Opening \\| Welcome' |"
    assert out[10].startswith("5 feeds change: `/conference.ics`, ") or re.fullmatch(r"\d+ feeds change: .*", out[10])


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"feeds \d+\.\d+\.\d+\n", capsys.readouterr().out)


def test_init_writes_a_starter_that_passes_check_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "event.yaml"
    assert main(["init", str(target), "--first-day", "2025-09-01"]) == 0
    assert capsys.readouterr().out == (
        f"wrote {target} and {tmp_path / 'event.schema.json'} (for editors); edit it, then run: feeds check {target}\n"
    )
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=event.schema.json\n")
    assert text.count("\n#") >= 3, "the starter explains itself in comments"
    assert main(["check", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{target}: OK: 3 sessions, 1 speaker, 1 track, ")
    assert main(["init", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == text


# -- the example workflow ------------------------------------------------------------------------------


def workflow() -> dict[str, object]:
    """Return the example GitHub workflow of docs/git-workflow.md."""
    text = WORKFLOW_DOC.read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if b.startswith("name: schedule")]
    found: dict[str, object] = yaml.safe_load(block)
    return found


def feeds_commands(job: str) -> list[str]:
    """Return the feeds command lines of one job of the example workflow, in order."""
    jobs = workflow()["jobs"]
    assert isinstance(jobs, dict)
    lines = [line.strip() for step in jobs[job]["steps"] for line in str(step.get("run", "")).splitlines()]
    return [line for line in lines if line.startswith("feeds ")]


def test_every_feeds_command_of_the_example_workflow_runs(tmp_path: Path) -> None:
    repo = tmp_path / "schedule"
    repo.mkdir()
    shutil.copy(SMALL_EVENT, repo / "event.yaml")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    assert run(["feeds", "publish", "event.yaml"], repo, env).returncode == 0  # the schedule as merged before
    text = (repo / "event.yaml").read_text(encoding="utf-8").replace("title: Opening", "title: Welcome", 1)
    (repo / "event.yaml").write_text(text, encoding="utf-8")  # the pull request's change
    review, publish = feeds_commands("review"), feeds_commands("publish")
    assert review == [
        "feeds check --format github event.yaml",
        "feeds diff --format markdown event.yaml > schedule-diff.md",
    ]
    assert [line.split()[1] for line in publish] == ["check", "publish", "export"]
    for line in review + publish:
        done = run(["bash", "-c", line], repo, env)
        assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr, line
    comment = (repo / "schedule-diff.md").read_text(encoding="utf-8")
    assert "| Welcome (`opening`) | renamed: 'Opening' -> 'Welcome' |" in comment
    site = repo / shlex.split(publish[-1])[2]
    assert (site / "conference.ics").is_file()
    assert "Welcome" in (site / "conference.ics").read_text(encoding="utf-8")
    assert "\nNo changes subscribers would see" in run(["feeds", "diff", "event.yaml"], repo, env).stdout


def test_a_rename_without_alias_is_annotated_on_the_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "event.yaml"
    shutil.copy(SMALL_EVENT, event_file)
    assert main(["publish", str(event_file)]) == 0
    text = event_file.read_text(encoding="utf-8")
    event_file.write_text(text.replace("  - id: opening\n", "  - id: welcome\n", 1), encoding="utf-8")
    line = 1 + text.splitlines().index("  - id: opening")
    capsys.readouterr()
    assert main(["check", "--format", "github", str(event_file)]) == 0
    [warning] = [out for out in capsys.readouterr().out.splitlines() if "looks like" in out]
    assert warning.startswith(f"::warning file={event_file},line={line},col=5::session 'welcome' looks like 'opening' ")
