"""Find and load scenario scripts: Python files that define ``SCENARIO = Scenario(...)``.

A name is looked up in ``$PERFHARNESS_SCENARIOS`` (folders separated by ``:``), then
``./scenarios``, then the built-in scenarios shipped in the package (``perfharness/scenario/builtin``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from perfharness.core.errors import UsageError
from perfharness.scenario import builtin
from perfharness.scenario.definition import Scenario

BUILTIN = Path(builtin.__file__).parent


def searched() -> list[Path]:
    """Every folder looked in, in order, whether it exists or not."""
    folders = [Path(p) for p in os.environ.get("PERFHARNESS_SCENARIOS", "").split(os.pathsep) if p]
    return folders + [Path.cwd() / "scenarios", BUILTIN]


def search_path() -> list[Path]:
    """The folders of ``searched()`` that exist, each once."""
    folders = searched()
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def available() -> dict[str, Path]:
    """Scenario name -> script, first found wins."""
    found: dict[str, Path] = {}
    for folder in search_path():
        for script in sorted(folder.glob("*.py")):
            if not script.name.startswith("_"):
                found.setdefault(script.stem, script)
    return found


def load(name_or_path: str) -> Scenario:
    """The Scenario of a script path or of a name from ``available()``."""
    path = Path(name_or_path)
    if path.suffix != ".py":
        scripts = available()
        if name_or_path not in scripts:
            raise UsageError(f"no scenario {name_or_path!r}; known: {', '.join(sorted(scripts)) or 'none'} "
                             f"(searched {', '.join(str(p) for p in searched())})")
        path = scripts[name_or_path]
    if not path.is_file():
        raise UsageError(f"no scenario script {path}")
    spec = importlib.util.spec_from_file_location(f"perfharness_scenario_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # a user's script: report it in one line
        raise UsageError(f"scenario script {path} fails to load: {type(error).__name__}: {error}") from None
    except SystemExit as error:  # KeyboardInterrupt, though, is the user's and propagates
        raise UsageError(f"scenario script {path} fails to load: it calls sys.exit({error.code!r}) "
                         "(a scenario script only defines SCENARIO)") from None
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise UsageError(f"scenario script {path} defines no SCENARIO = Scenario(...)")
    return scenario
