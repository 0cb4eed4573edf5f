"""Claims: Coupled-X against X and explicit row pairs (VMED's orderings), parsing, validation, checking and the
paired test over seeds."""

import pytest
from scipy import stats

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


def test_coupled_rows_are_paired_with_their_base_by_seed_and_tested_one_sided():
    table = all_tables()["coupled-2"]            # claims Coupled-X's MI is higher than X's
    coupled, base = [11.9, 12.3, 11.2], [9.8, 10.1, 10.4]
    # seed 1 lacks the coupled row's MI, seed 3 the base row's: each drops out of both sides
    results = {"coupled-vae": [{"mi": coupled[0]}, {}, *({"mi": v} for v in coupled[1:]), {"mi": 13.0}],
               "vae": [{"mi": base[0]}, {"mi": 9.0}, *({"mi": v} for v in base[1:]), {"mi": None}]}
    [check] = [c for c in check_claims(table, results) if c.coupled == "coupled-vae"]
    assert (check.base, check.metric, check.relation, check.holds) == ("vae", "mi", "higher", True)
    assert (check.coupled_values, check.base_values) == (tuple(coupled), tuple(base))
    assert check.p_value == pytest.approx(stats.ttest_rel(coupled, base, alternative="greater").pvalue)
    reversed_claim = type(check)("coupled-vae", "vae", "mi", "lower", tuple(coupled), tuple(base))
    assert reversed_claim.holds is False
    assert reversed_claim.p_value == pytest.approx(stats.ttest_rel(coupled, base, alternative="less").pvalue)
