"""CI runs exactly the test command the README gives a new user."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e '.[test]' && pytest" in readme
    assert "pip install -e . && reproduce table coupled-1 --dataset ptb" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]' && python3 -m pytest" in ci
