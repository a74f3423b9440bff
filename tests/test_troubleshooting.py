"""docs/troubleshooting.md names every message censusmig can print (found in the source)."""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

import pytest

from helpers import ROOT
from test_error_catalogue import CASES


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_errors", ROOT / "scripts/docs_errors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_errors"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


docs_errors = _script()
DOC = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")

PASSED_ON = {
    "errors.py::__init__": "SpecError: 'invalid …: N problem(s)' and its Problems (scanned)",
    "api.py::get_recipe": "re-raises UnknownRecipeError, whose text errors.py writes (scanned)",
    "api.py::tabulate": "re-raises NeedsAttentionError(run), whose text is scanned in its class",
    "cli/main.py::_print_attention": "prints the Attention items' messages (scanned)",
    "cli/main.py::status": "status lines, not errors (hidden by --quiet)",
    "cli/main.py::paragraph": "draws recipes show's explanation on stdout: a result",
    "cli/main.py::_draw_explanation": "draws recipes show's explanation on stdout: a result",
    "api.py::new_recipe": "raises UnknownRecipeError, whose text errors.py writes (scanned)",
    "profiles/model.py::_population_condition": "adds source_code_problem's text (scanned)",
    "profiles/protection.py::_method": "adds method_problem's text (scanned)",
    "protection/cellkey.py::_read_sdc": "per-line Problems whose messages are listed above it",
    "readers/fixedwidth/layout.py::check_layout": "raises _no_record_message's text (scanned)",
    "readers/formats.py::_check_columns": "joins the column Problems (scanned) into one error",
    "readers/stat_child.py::write_stat_file_isolated": "re-raises the child reader's message",
    "recipes/catalog.py::select_recipes": "UnknownRecipeError, written in errors.py (scanned)",
    "recipes/model.py::_read_categories": "the ValueError text of a dimension's regrouping",
    "renderers/output_folder.py::_os_error": "prefix 'cannot write outputs to' + OS reason",
    "specfile.py::add": "Checker.add itself: its callers' messages are scanned",
    "specfile.py::raise_if_any": "SpecError of the problems collected (scanned)",
    "tables/engine.py::_check_measures": "passes a measure's own error message on",
    "tables/engine.py::_check_observed_size": "TableTooLargeError, written in its class",
    "tables/engine.py::check_table_sizes": "TableTooLargeError, written in its class",
}
"""Calls whose message is made elsewhere and passed on, each with where its text is."""


def test_the_scan_finds_the_messages_a_user_meets() -> None:
    found, _ = docs_errors.messages()
    openings = {message.opening for message in found}
    assert len(found) > 250
    for known in ("data file not found", "unknown key", "still the draft's placeholder",
                  "is required", "unknown recipe id", "censusmig: interrupted",
                  "have a code in no code"):  # fmt: skip
        assert any(known in opening for opening in openings), known


def test_every_message_is_in_the_troubleshooting_guide() -> None:
    found, _ = docs_errors.messages()
    doc = docs_errors.normalise(DOC)
    missing = sorted({f"{m.where}: {m.opening}" for m in found if m.opening not in doc})
    assert not missing, "run scripts/docs_errors.py:\n" + "\n".join(missing)


def test_the_generated_list_is_up_to_date() -> None:
    found, _ = docs_errors.messages()
    assert docs_errors.generated(found) in DOC, "run python scripts/docs_errors.py"


@pytest.mark.parametrize("group", [group for group, _ in docs_errors.GROUPS])
def test_every_message_has_its_cause_and_fix(group: str) -> None:
    found, _ = docs_errors.messages()
    explained = docs_errors.explanations()
    unexplained = sorted(
        {
            f"{m.where}: {docs_errors.shown(m.template)}"
            for m in found
            if m.group == group and docs_errors.shown(m.template) not in explained
        }
    )
    assert not unexplained, "explain in docs/troubleshooting/messages.toml:\n" + "\n".join(
        unexplained
    )


def test_no_explanation_is_stale_or_empty() -> None:
    found, _ = docs_errors.messages()
    texts = {docs_errors.shown(m.template) for m in found}
    for text, explanation in docs_errors.explanations().items():
        assert text in texts, f"no message reads {text!r} any more: update or remove its entry"
        assert explanation.cause.strip() and explanation.fix.strip(), text
        assert explanation.cause.rstrip().endswith((".", ")")), text
        assert explanation.fix.rstrip().endswith((".", ")")), text


def test_a_message_mostly_of_gaps_shows_an_example() -> None:
    """A reader cannot tell ``…, line …: …`` apart from another: it needs an example."""
    for text, explanation in docs_errors.explanations().items():
        constant = text.replace(docs_errors.GAP, " ")
        words = [w for w in constant.split() if any(c.isalpha() for c in w)]
        if docs_errors.GAP in text and len(words) < 3:
            assert explanation.example, f"{text!r} needs an example"
        if explanation.example:
            assert docs_errors.GAP not in explanation.example, text


def test_the_doc_shows_each_message_with_its_cause_and_fix() -> None:
    for text, explanation in docs_errors.explanations().items():
        entry = f"- **`{text}`**"
        assert entry in DOC, text
        line = DOC.split(entry, 1)[1].split("\n", 1)[0]
        assert explanation.cause in line and f"*Fix:* {explanation.fix}" in line, text


def test_every_message_not_followed_is_a_justified_exception() -> None:
    _, unfollowed = docs_errors.messages()
    assert set(unfollowed) == set(PASSED_ON)


def _pieces(phrase: str) -> list[str]:
    """The words of a phrase between its quoted values: what the guide quotes of it."""
    pieces = [p for part in phrase.split("'")[::2] for p in re.split(r"[;:(]", part)]
    return [p.strip(" ,.()") for p in pieces if len(p.strip(" ,.()")) > 8]


def test_every_catalogue_case_is_explained_by_hand_in_its_section() -> None:
    handwritten = DOC.split(docs_errors.BEGIN)[0]
    for case in CASES:
        section = handwritten.split(f"## {case.group}\n", 1)[1].split("\n## ", 1)[0]
        text = docs_errors.normalise(section)
        phrases = case.says or case.stdout
        assert any(
            docs_errors.normalise(piece) in text for phrase in phrases for piece in _pieces(phrase)
        ), (case.id, case.group)
