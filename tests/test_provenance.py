"""What a record says of where its numbers came from, and what counts as new code."""

from suite.provenance import code_digest, program, provenance

SOURCE = '''"""A module."""

def step(x):
    """Double it."""
    return 2 * x  # why: the paper doubles
'''


def test_comments_docstrings_and_layout_are_not_new_code():
    same = SOURCE.replace("# why: the paper doubles", "# reworded").replace("Double it.", "Twice x.")
    assert program(same.replace("return 2 * x", "return 2*x")) == program(SOURCE)
    assert program(SOURCE.replace('"""A module."""\n', "")) == program(SOURCE)
    assert program(SOURCE.replace("2 * x", "3 * x")) != program(SOURCE)
    assert program(SOURCE.replace('"""Double it."""', '"""Double it."""\n    x = x')) != program(SOURCE)


def test_a_function_left_with_only_its_docstring_still_parses_as_code():
    assert program('def f():\n    """Nothing."""\n') == program("def f():\n    pass\n")


def test_provenance_names_the_device_and_the_package_versions():
    origin = provenance("cuda:1")
    assert origin["device"] == "cuda:1" and "gensim" in origin["versions"]
    assert len(code_digest()) == 16 and origin["git"].keys() == {"revision", "dirty"}
