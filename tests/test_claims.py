"""Claims over explicit row pairs (VMED's orderings): parsing, validation and checking."""

import pytest

from suite.claims import check_claims
from suite.tables import TableFileError, all_tables, load_table


def test_vmed_claims_compare_the_listed_pairs():
    table = all_tables()["vmed-1"]
    assert [len(c.pairs) for c in table.claims] == [5, 1]
    results = {"vmed-k4": [{"bleu1": 0.3, "bleu2": 0.2, "bleu3": 0.1, "bleu4": 0.05, "a_glove": 0.5}],
               "seq2seq": [{"bleu1": 0.1, "bleu2": 0.3, "bleu3": 0.05, "bleu4": 0.01, "a_glove": 0.9}]}
    checks = check_claims(table, results)        # rows without results are left out
    assert [(c.coupled, c.base, c.metric, c.holds) for c in checks] == [
        ("vmed-k4", "seq2seq", "bleu1", True), ("vmed-k4", "seq2seq", "bleu2", False),
        ("vmed-k4", "seq2seq", "bleu3", True), ("vmed-k4", "seq2seq", "bleu4", True)]


def test_a_pair_naming_an_unknown_row_is_an_error(tmp_path):
    text = (all_tables()["vmed-1"].path.read_text().replace("table: vmed-1", "table: t")
            .replace("[vmed-k4, vmed-k1]", "[vmed-k9, vmed-k1]"))
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TableFileError, match="vmed-k9"):
        load_table(path)
