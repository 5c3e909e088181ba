"""The support range stated to users is the one the suite tests.

The suite tests the ansible-core releases of `tests/conftest.py` `core_range()` (.venv's, and the older ones of
`tests/requirements-core-range.txt`, which `make test` installs in .venv-core/): README's "Supported versions",
the collection's README and `requires_ansible`, and the sanity ignore files must name the same releases.
"""

import re

import yaml

from tests.conftest import CORE_RANGE_FILE, REPO_ROOT, core_range

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "tap" / "infra"
TESTED = list(core_range())


def versions_in(text, what):
    """The major.minor versions of the first `ansible-core X, Y and Z` (or `X, Y or Z`) of text."""
    match = re.search(r"ansible-core (\d+\.\d+(?:(?:, | and | or )\d+\.\d+)*)", text)
    assert match, "no ansible-core versions in %s" % what
    return re.findall(r"\d+\.\d+", match.group(1))


def minor(version):
    return tuple(int(part) for part in version.split("."))


def test_the_range_has_no_gap_and_three_cores():
    minors = [minor(version) for version in TESTED]
    assert len(set(major for major, _ in minors)) == 1
    assert [m for _, m in minors] == list(range(minors[0][1], minors[0][1] + len(minors))), TESTED
    assert len(TESTED) == 3, TESTED


def test_readme_states_the_tested_range():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Supported versions\n", 1)[1].split("\n## ", 1)[0]
    assert versions_in(section, "README's Supported versions") == TESTED
    assert 'requires_ansible: ">=%s.0"' % TESTED[0] in section


def test_collection_readme_states_the_tested_range():
    readme = (COLLECTION / "README.md").read_text()
    assert versions_in(readme, "the collection's README") == TESTED


def test_requires_ansible_is_the_oldest_tested_core():
    runtime = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"] == ">=%s.0" % TESTED[0]


def test_each_tested_core_and_no_other_has_a_sanity_ignore_file():
    ignore_files = sorted((COLLECTION / "tests" / "sanity").glob("ignore-*.txt"))
    assert [path.name for path in ignore_files] == ["ignore-%s.txt" % version for version in TESTED]


def test_make_builds_the_environments_of_the_range_file():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "CORE_RANGE_FILE := %s" % CORE_RANGE_FILE.relative_to(REPO_ROOT) in makefile
    assert re.search(r"^test: .*\bcore-range\b", makefile, re.M), "make test does not build the range"


def test_the_strategy_is_tested_on_the_same_range():
    import ast

    source = (REPO_ROOT / "plugins" / "strategy" / "tap_linear.py").read_text()
    tested = next(
        ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TESTED_CORE"
    )
    assert list(tested) == list(core_range())
