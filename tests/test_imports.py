"""Every module of the package imports on its own, in a fresh interpreter: no import cycle is
hidden by the order in which other modules happen to load."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "statusgen"
MODULES = sorted(
    ".".join(("statusgen", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if "skeleton" not in path.parts and path.name != "__main__.py"
)


def test_every_module_imports_alone():
    assert "statusgen.render.html" in MODULES and "statusgen.build" in MODULES
    running = {name: subprocess.Popen([sys.executable, "-c", f"import {name}"], cwd=PROJECT_ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for name in MODULES}
    failed = {name: process.communicate()[0] for name, process in running.items()}
    failed = {name: output for name, output in failed.items() if running[name].returncode != 0}
    assert not failed, failed
