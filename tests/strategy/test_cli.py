"""`gti strategy validate` as a person runs it: a real process, its output and exit code."""

import shutil
import subprocess
import sys

from gti.strategy import schema


def gti(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "gti", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_validate_shipped_files_exits_0(tmp_path):
    result = gti("strategy", "validate", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "3 file(s) valid" in result.stderr


def test_validate_broken_copy_names_file_place_and_problem(tmp_path):
    shutil.copytree(schema.DATA_DIR, tmp_path / "data")
    broken = tmp_path / "data" / "antwerpen.yaml"
    text = broken.read_text(encoding="utf-8")
    text = text.replace("specific_objectives: [SD 2.4]", "specific_objectives: [SD 2.5]", 1)
    broken.write_text(text, encoding="utf-8")
    result = gti("strategy", "validate", str(broken), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{broken}:themes[2].specific_objectives[0]: unknown specific objective 'SD 2.5' "
        "(not in programme efro-vlaanderen-2021-2027)"
    ]
