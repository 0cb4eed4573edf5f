"""The README stays true: CI runs the test command it gives, and every command and option it shows parses."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e '.[test]' && pytest -n auto" in readme
    assert "pip install -e . && reproduce table coupled-1 --dataset ptb" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]' && python3 -m pytest -q -n auto" in ci


PLACEHOLDERS = {"T": "coupled-1", "D": "ptb", "MODEL": "vae", "P": "coupled-vae", "m": "vae", "A": "auto"}


def _readme_commands() -> list[list[str]]:
    """Every `reproduce` command of the README: in shell blocks, and in the command table (placeholders filled
    in, optional parts included)."""
    import re
    import shlex

    readme = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", readme, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#")[0]
            for part in line.split("&&"):
                words = shlex.split(part)
                if words and words[0] == "reproduce":
                    commands.append(words[1:])
    for cell in re.findall(r"^\| `(reproduce [^`]*)`", readme, re.MULTILINE):
        words = shlex.split(cell.replace("[", "").replace("]", ""))
        commands.append([PLACEHOLDERS.get(w, w) for w in words[1:]])
    return commands


def test_the_readme_commands_parse():
    """Each command names a real (sub)command, its options exist and take the values given, and table ids are
    real tables: the README never shows a command that would fail on its arguments."""
    import click

    from suite.cli import main
    from suite.tables import all_tables

    commands = _readme_commands()
    assert len(commands) >= 15
    for words in commands:
        command, rest = main, list(words)
        while isinstance(command, click.Group):
            assert rest and rest[0] in command.commands, words
            command, rest = command.commands[rest[0]], rest[1:]
        context = command.make_context(command.name, list(rest))     # raises on unknown options or bad values
        if "table_id" in context.params:
            assert context.params["table_id"] in all_tables(), words


def test_the_readme_option_rows_name_real_options_of_table():
    import re

    from suite.cli import main

    readme = (ROOT / "README.md").read_text()
    options = {opt for p in main.commands["table"].params for opt in p.opts}
    rows = [line.split("` | ")[0] for line in readme.splitlines() if line.startswith("| `  --")]
    named = {name for row in rows for name in re.findall(r"--[a-z-]+", row)}
    assert len(named) >= 10 and named <= options, named - options
    budget = next(p for p in main.commands["table"].params if p.name == "budget")
    listed = re.search(r"^\| `  --budget ([a-z\\|]+)`", readme, re.MULTILINE).group(1).split("\\|")
    assert set(listed) == set(budget.type.choices)


def test_the_readme_smoke_output_agrees_with_the_recorded_baselines():
    """The example output is "copied from a real run": each number stays within its model's smoke-baseline
    tolerance of seed 0's recorded value, so a change that moves the baselines also renews the example."""
    import json
    import re

    readme = (ROOT / "README.md").read_text()
    example = re.search(r"copied from a real run:\n\n```\n(.*?)```", readme, re.DOTALL).group(1)
    assert "budget: smoke" in example and "seed 0" in example
    models = {"GRU-LM*": "gru-lm", "VAE": "vae", "Coupled-VAE": "coupled-vae"}
    checked = 0
    cells = re.findall(r"^(\S+)\s+(NLL|KL|PPL)\s+\S+\s+([\d.]+)", example, re.MULTILINE)   # row, metric, ours
    for label, metric, ours in cells:
        recorded = json.loads((ROOT / "baselines" / "ptb" / f"{models[label]}.json").read_text())
        assert recorded["seed"] == 0
        expected = recorded["metrics"][metric.lower()]
        assert abs(float(ours) - expected["value"]) <= expected["tolerance"] + 0.005, (label, metric, ours, expected)
        checked += 1
    assert checked == 8


def _judged_rows(section: str) -> list[tuple[str, str, int, list[tuple[str, str]], list[str], list[str]]]:
    """(table, row label, seed, [(metric label, shown value)], paper values shown, verdicts) of each row of the
    README's judged-runs tables in `section`; "BLEU-1/2 23.58/4.58" stands for BLEU-1 and BLEU-2."""
    import re

    def pairs(cell: str) -> list[tuple[str, str]]:
        out = []
        for label, values in re.findall(r"([A-Za-z]+(?:-\d(?:/\d)?)?) ([\d./]+)", cell):
            if "/" in label:
                stem, numbers = label.split("-")[0], label.split("-")[1].split("/")
                out += [(f"{stem}-{n}", v) for n, v in zip(numbers, values.split("/"), strict=True)]
            else:
                out.append((label, values))
        return out

    rows = []
    for line in section.splitlines():
        if match := re.match(r"\| (coupled-\d+) \(PTB\) \| (.+?) \| (\d+) \| (.+?) \| (.+?) \| (.+?) \|", line):
            table, label, seed, ours, paper, verdicts = match.groups()
            rows.append((table, label, int(seed), pairs(ours), [v for _, v in pairs(paper)],
                         [v.strip(" *") for v in verdicts.split(",")]))
    return rows


def test_the_judged_rows_in_the_readme_are_the_committed_records():
    """Each number, paper value and verdict of 'Judged so far' is its saved table's (which the records test
    checks against the records), to the digits shown."""
    import json

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Judged so far")[1].split("\n## ")[0]
    today, superseded = section.split("Length-grouped batches (superseded):")
    checked = 0
    for root, text in ((ROOT / "results/records", today), (ROOT / "results/records/superseded/length-grouped",
                                                           superseded)):
        rows = _judged_rows(text)
        assert rows, f"no judged rows found for {root}"
        for table, label, seed, ours, paper, verdicts in rows:
            saved = json.loads((root / "tables" / f"{table}_ptb_full_seed{seed}.json").read_text())
            lines = {line["metric"]: line for line in saved["lines"] if line["label"].rstrip("*") == label}
            metrics = {line_label: key for key, line_label in _metric_labels(table).items()}
            assert len(ours) == len(paper) == len(verdicts), (table, label, seed)
            for (metric_label, shown), paper_shown, verdict in zip(ours, paper, verdicts, strict=True):
                line = lines[metrics[metric_label]]
                places = len(shown.split(".")[1]) if "." in shown else 0
                assert abs(line["ours"]["mean"] - float(shown)) <= 0.5 * 10 ** -places + 1e-9, (table, label, seed,
                                                                                              metric_label)
                assert float(paper_shown) == line["paper"] and verdict == line["verdict"], (table, label, seed)
                checked += 1
    assert checked >= 60


def _metric_labels(table: str) -> dict[str, str]:
    from suite.tables import get_table

    return {key: metric.label for key, metric in get_table(table).metrics.items()}
