"""The distributions: the sdist builds the wheel, both carry the license, the metadata names
it by SPDX id with the classifiers, and the sdist holds everything the tests read."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dist")
    # `python -m build` makes the sdist, then the wheel from the unpacked sdist: what a
    # packager does, and a check that the sdist is complete enough to build.
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return sdist, wheel


def test_the_wheel_carries_the_license_and_its_metadata_names_it(built):
    _, wheel = built
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = f"chainrule-{autograd.__version__}.dist-info"
        metadata = email.message_from_string(z.read(f"{info}/METADATA").decode("utf-8"))
        assert z.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    assert metadata["Version"] == autograd.__version__
    assert metadata["License-Expression"] == "MIT" and metadata["License-File"] == "LICENSE"
    classifiers = metadata.get_all("Classifier")
    assert {"Typing :: Typed", "Intended Audience :: Education", "Programming Language :: Python :: 3.11",
            "Topic :: Scientific/Engineering :: Artificial Intelligence"} <= set(classifiers)
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: the expression says it
    assert metadata["Keywords"] and metadata["Author"]
    # Only the two packages: demos and tests are the source tree's, not an install's.
    assert {name.split("/")[0] for name in names} == {"autograd", "nn", info}
    assert "autograd/py.typed" in names and "nn/py.typed" in names


def test_the_sdist_holds_what_its_tests_read(built):
    sdist, _ = built
    with tarfile.open(sdist) as tar:
        prefix = f"chainrule-{autograd.__version__}/"
        names = {name.removeprefix(prefix) for name in tar.getnames()}
    assert {"LICENSE", "README.md", "CHANGELOG.md", ".gitignore", ".ci/run", "pyproject.toml",
            "docs/figures.json"} <= names
    assert not any("__pycache__" in name or name.startswith("demos/out/") for name in names)
    # Every source file of the folders the tests read, as this tree has them.
    wanted = {str(path.relative_to(ROOT)) for folder in ("autograd", "nn", "demos", "docs", "tests")
              for path in (ROOT / folder).rglob("*")
              if path.is_file() and "__pycache__" not in path.parts and "out" not in path.parts
              and not path.name.endswith(".pyc")}
    missing = sorted(wanted - names)
    assert not missing, f"the sdist leaves out {missing[:10]}: include them in MANIFEST.in"
