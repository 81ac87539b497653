"""Developer tasks, each one command on a fresh machine with Python 3.11+.

    python3 dev.py demo    set up .venv, build the demo site into site/ and say what to do next
    python3 dev.py test    set up .venv and the browser/validator tools, run every test
    python3 dev.py test --quick [ARGS]   every test but the browser ones (marker `browser`)
    python3 dev.py lint    ruff (rules and complexity) over statusgen/, bench/ and tests/; mypy over statusgen/
    python3 dev.py screenshots   rewrite docs/screenshots/ (the README's) from the demo site
    python3 dev.py bench   run every benchmark (bench/): build sizes, publish, page weight, notify, time to live
    python3 dev.py bench --quick | build [N ...] | publish [N] | weight | notify | ttl [N]   run one of them
    python3 dev.py dist    build the sdist and the wheel into dist/ (offline, pinned build tools)
    python3 dev.py lock    after changing dependencies: rewrite statusgen/requirements.lock
    python3 dev.py catalogs  extract the interface strings, merge them into every language's
                           catalog (statusgen/locale/*/LC_MESSAGES/statusgen.po), compile the .mo

Setup is skipped when nothing it depends on changed since the last run (and always with
STATUSGEN_DEV_SKIP_SETUP=1: tests/test_docs.py runs the README's commands in a copy of this
repository whose .venv is this one's).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*cmd, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def setup_python(extras: str) -> None:
    if os.environ.get("STATUSGEN_DEV_SKIP_SETUP") == "1":
        return
    spec = f".[{extras}]" if extras else "."
    if _stamp_current(spec, extras) or (not extras and _stamp_current(".[dev]", "dev")):
        return  # (the dev extras include everything the base install has)
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "-q", "-c", "constraints.txt", "-e", spec)
    _stamp(extras).write_text(_stamp_value(spec))


def _stamp(extras: str) -> Path:
    return VENV / f".statusgen-setup-{extras or 'base'}"


def _stamp_value(spec: str) -> str:
    inputs = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in inputs) + spec.encode()).hexdigest()


def _stamp_current(spec: str, extras: str) -> bool:
    return _stamp(extras).exists() and _stamp(extras).read_text() == _stamp_value(spec)


def setup_browser_tools() -> None:
    """Chromium + chromedriver and the Noto fonts from Debian, axe-core and the Nu Html Checker from npm."""
    if os.environ.get("STATUSGEN_DEV_SKIP_SETUP") == "1":
        return
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if shutil.which("apt-get") and os.geteuid() == 0:
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            run("apt-get", "update", "-qq", env=env)
            run("apt-get", "install", "-y", "-qq", "chromium", "chromium-driver", env=env)
        else:
            sys.exit("The browser tests need Chromium and ChromeDriver: on Debian, as root, "
                     "`apt-get install chromium chromium-driver`.")
    # Glyphs for Arabic, Hebrew and CJK pages, so screenshots show text instead of boxes.
    fonts = ("fonts-noto-core", "fonts-noto-cjk")
    if shutil.which("dpkg-query"):
        missing = [f for f in fonts if subprocess.run(["dpkg-query", "-W", "-f=${Status}", f], capture_output=True,
                                                      text=True).stdout != "install ok installed"]
        if missing and shutil.which("apt-get") and os.geteuid() == 0:
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            run("apt-get", "update", "-qq", env=env)
            run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
        elif missing:
            print(f"Note: without {', '.join(missing)} (Debian), screenshots of Arabic, Hebrew and CJK pages "
                  "show boxes instead of text.", flush=True)
    if (ROOT / "package.json").exists() and not (ROOT / "node_modules" / ".package-lock.json").exists():
        if not shutil.which("npm"):
            sys.exit("The accessibility and HTML checks need Node.js and npm (for axe-core and vnu-jar).")
        run("npm", "ci", "--no-audit", "--no-fund")


def catalogs() -> None:
    """The .pot from the sources, each .po updated from it, each .mo compiled (they are committed,
    so an install from a clone or a wheel needs no build step)."""
    setup_python("dev")
    locale, pybabel = "statusgen/locale", BIN / "pybabel"
    pot = f"{locale}/statusgen.pot"
    run(pybabel, "extract", "-F", f"{locale}/babel.cfg", "-k", "N_", "--add-location=file", "--sort-output",
        "--no-wrap", "--project=statusgen", "--copyright-holder=statusgen contributors", "-o", pot, "statusgen")
    run(pybabel, "update", "-i", pot, "-d", locale, "-D", "statusgen", "--no-wrap", "--ignore-obsolete",
        "--ignore-pot-creation-date")
    run(pybabel, "compile", "-d", locale, "-D", "statusgen", "--statistics")


def demo() -> None:
    setup_python("")
    run(BIN / "statusgen", "build", "--root", ROOT)
    statusgen = BIN / "statusgen"
    print(f"""
Demo site built: {ROOT / 'site' / 'index.html'}

Next, from any folder:
  Preview it on http://127.0.0.1:8000/ (it rebuilds and reloads as you edit incidents/):
    {statusgen} serve --root {ROOT}
  Validate the demo's files:
    {statusgen} check --root {ROOT}
  Put statusgen on your PATH, for this shell:
    source {BIN / 'activate'}
  or for good, in its own environment (needs pipx):
    pipx install {ROOT}
""")


def test(args: list[str]) -> None:
    setup_python("dev")
    if "--quick" in args:
        args = ["-m", "not browser", *(arg for arg in args if arg != "--quick")]
    else:
        setup_browser_tools()
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT)
    sys.exit(result.returncode)


def lint() -> None:
    setup_python("dev")
    failed = False
    for tool in (["ruff", "check", "statusgen", "dev.py", "bench", "tests"], ["mypy"]):
        print("+", " ".join(tool), flush=True)
        failed |= subprocess.run([str(BIN / "python"), "-m", *tool], cwd=ROOT).returncode != 0
    sys.exit(1 if failed else 0)


def screenshots() -> None:
    """The README's screenshots are written only here, so a test run never rewrites tracked files."""
    setup_python("dev")
    setup_browser_tools()
    env = dict(os.environ, STATUSGEN_WRITE_SCREENSHOTS="1")
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", "-q", "tests/browser", "-k", "screenshots"],
                            cwd=ROOT, env=env)
    sys.exit(result.returncode)


BENCHMARKS = {"build": "bench/run.py", "publish": "bench/publish_bench.py", "weight": "bench/page_weight.py",
              "notify": "bench/notify_bench.py", "ttl": "bench/ttl_bench.py"}


def bench(args: list[str]) -> None:
    """No arguments: every benchmark. `--quick` (CI), or `build|publish|weight|notify|ttl [ARGS]`: one."""
    setup_python("dev")
    # statusgen as pip installs it, its modules compiled: an editable install where
    # PYTHONDONTWRITEBYTECODE is set (as on some CI machines) would compile them on every run.
    run(BIN / "python", "-m", "compileall", "-q", ROOT / "statusgen")
    if args and args[0] in BENCHMARKS:
        chosen = [(BENCHMARKS[args[0]], args[1:])]
    elif args:
        chosen = [(BENCHMARKS["build"], args)]
    else:
        chosen = [(script, []) for script in BENCHMARKS.values()]
    if any(script == BENCHMARKS["weight"] for script, _ in chosen):
        setup_browser_tools()
    for script, script_args in chosen:
        result = subprocess.run([str(BIN / "python"), script, *script_args], cwd=ROOT)
        if result.returncode:
            sys.exit(result.returncode)


def dist() -> None:
    setup_python("dev")
    run(BIN / "python", "-m", "build", "--no-isolation", "--outdir", ROOT / "dist", ROOT)
    run(BIN / "python", "-m", "twine", "check", "--strict", *sorted((ROOT / "dist").glob("statusgen-*")))


def _dry_run(work: Path, *args) -> dict[str, tuple[str, str]]:
    """{name: (version, sha256)} of what pip would install (downloads metadata, installs nothing)."""
    import json

    report = work / "report.json"
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
        "--report", report, *args)
    return {item["metadata"]["name"]: (item["metadata"]["version"],
                                       item["download_info"]["archive_info"]["hashes"]["sha256"])
            for item in json.loads(report.read_text())["install"]}


def lock() -> None:
    """Rewrite statusgen/requirements.lock: the runtime dependencies (s3 extra included) at the
    versions of constraints.txt, each with the sha256 of the files pip installs here and on the
    generated workflow's runner (Linux x86_64, glibc up to 2.39, CPython 3.11). `statusgen init`
    writes them into a new repository's requirements.txt."""
    import tempfile
    import tomllib

    setup_python("dev")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["s3"]
    with tempfile.TemporaryDirectory() as work:
        here = _dry_run(Path(work), "-c", "constraints.txt", *wanted)
        runner_tags = [arg for glibc in (39, 38, 35, 34, 31, 28, 27, 26, 24, 17)
                       for arg in ("--platform", f"manylinux_2_{glibc}_x86_64")]
        runner = _dry_run(Path(work), "--no-deps", "--target", Path(work) / "target", *runner_tags,
                          "--platform", "manylinux2014_x86_64", "--platform", "linux_x86_64",
                          "--python-version", "3.11.14", "--implementation", "cp", "--abi", "cp311",
                          "--abi", "abi3", "--abi", "none",
                          *(f"{name}=={version}" for name, (version, _) in here.items()))
    lines = []
    for name, (version, digest) in sorted(here.items(), key=lambda item: item[0].lower()):
        digests = sorted({digest, runner[name][1]})
        lines.append(f"{name}=={version} " + " ".join(f"--hash=sha256:{d}" for d in digests))
    header = ("# statusgen's runtime dependencies (with the s3 extra), pinned as constraints.txt pins them, each\n"
              "# with the sha256 of the files pip installs on Linux x86_64 with CPython 3.11 (the runner of the\n"
              "# workflow `statusgen init` writes). Written by `python3 dev.py lock`: do not edit.\n")
    target = ROOT / "statusgen" / "requirements.lock"
    target.write_text(header + "\n".join(lines) + "\n")
    print(f"Wrote {target.relative_to(ROOT)} ({len(lines)} packages)")


if __name__ == "__main__":
    task, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if task == "demo":
        demo()
    elif task == "test":
        test(rest)
    elif task == "lint":
        lint()
    elif task == "screenshots":
        screenshots()
    elif task == "bench":
        bench(rest)
    elif task == "lock":
        lock()
    elif task == "dist":
        dist()
    elif task == "catalogs":
        catalogs()
    else:
        sys.exit(__doc__)
