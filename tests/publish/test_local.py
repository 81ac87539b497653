"""The local-directory backend (file:// targets), and publishing without boto3 installed."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.publish.conftest import BASE_SITE, add_targets, site_bytes, write_site


def run_publish(repo, *args):
    return repo.run("publish", "--root", str(repo.root), *args)


def mirror_files(directory):
    return {k: v for k, v in site_bytes(directory).items()
            if k not in (".statusgen-manifest.json", ".statusgen-output.json")}


def test_local_directory_target_converges(repo, tmp_path):
    mirror = tmp_path / "www"
    add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "file://{mirror}"\n')
    site = write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert mirror_files(mirror) == site_bytes(site)
    manifest = json.loads((mirror / ".statusgen-manifest.json").read_text())
    assert manifest["files"]["maintenance.ics"]["content_type"] == "text/calendar; charset=utf-8"

    assert "disk: 0 uploaded, 0 deleted, 21 unchanged" in run_publish(repo).output

    changed = {k: v for k, v in BASE_SITE.items() if k != "incidents/2026-10-15-login/index.html"}
    changed["index.html"] = "<p>changed</p>"
    write_site(site, changed)
    result = run_publish(repo)
    assert "disk: 1 uploaded, 1 deleted, 19 unchanged" in result.output
    assert mirror_files(mirror) == site_bytes(site)
    assert not (mirror / "incidents/2026-10-15-login").exists()  # emptied folders go too


def test_local_file_changed_outside_statusgen_is_replaced(repo, tmp_path):
    mirror = tmp_path / "www"
    add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "file://{mirror}"\n')
    site = write_site(repo.root / "site", BASE_SITE)
    assert run_publish(repo).exit_code == 0
    (mirror / "feed.rss").write_text("tampered")
    (mirror / "extra.html").write_text("not ours")
    result = run_publish(repo)
    assert "uploaded feed.rss" in result.output and "disk: 1 uploaded, 1 deleted" in result.output
    assert mirror_files(mirror) == site_bytes(site)


def test_a_folder_of_the_target_that_cannot_be_listed_fails_that_target(repo, tmp_path, unlistable, monkeypatch):
    # Passed over, its files would look absent: uploaded again, and those to delete left behind
    # with the publish reported done.
    mirror = tmp_path / "www"
    add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "file://{mirror}"\n')
    site = write_site(repo.root / "site", BASE_SITE)
    assert run_publish(repo).exit_code == 0
    published = site_bytes(mirror)
    write_site(site, {k: v for k, v in BASE_SITE.items() if k != "incidents/2026-10-15-login/index.html"})
    unlistable(str(mirror / "incidents"))
    result = run_publish(repo)
    assert result.exit_code == 1
    assert f"disk: FAILED: listing {mirror}/: {mirror}/incidents: cannot be read (Permission denied)" in result.output
    monkeypatch.undo()
    assert site_bytes(mirror) == published


def test_relative_local_directory_is_relative_to_the_repository(repo):
    add_targets(repo, '[[targets]]\nname = "disk"\nurl = "file://public"\n')
    site = write_site(repo.root / "site", BASE_SITE)
    assert run_publish(repo).exit_code == 0
    assert mirror_files(repo.root / "public") == site_bytes(site)


def test_local_directory_overlapping_the_repository_is_refused(repo):
    for url in ("file://.", "file://site", "file://site/inner", f"file://{repo.root.parent}"):
        config = repo.root / "statusgen.toml"
        original = config.read_text()
        add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "{url}"\n')
        write_site(repo.root / "site", BASE_SITE)
        result = run_publish(repo)
        assert result.exit_code == 1, url
        assert "overlaps the status repository or the site folder" in result.output
        config.write_text(original)
    assert (repo.root / "statusgen.toml").exists() and (repo.root / "incidents").is_dir()


def test_dry_run_writes_nothing_to_a_local_directory(repo, tmp_path):
    mirror = tmp_path / "www"
    add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "file://{mirror}"\n')
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo, "--dry-run")
    assert result.exit_code == 0 and "  upload index.html (new;" in result.output
    assert not mirror.exists()


def test_s3_target_without_boto3_names_the_extra(repo):
    add_targets(repo, '[[targets]]\nname = "p"\nurl = "s3://bucket-x/"\n')
    write_site(repo.root / "site", BASE_SITE)
    # A fresh interpreter in which `import boto3` fails, as on an install without statusgen[s3].
    code = ("import sys; sys.modules['boto3'] = None; sys.argv = ['statusgen', 'publish', '--root', sys.argv[1]]; "
            "from statusgen.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, str(repo.root)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "needs boto3, which is not installed; install it with: pip install 'statusgen[s3]'" in done.stderr
    assert "Traceback" not in done.stderr
