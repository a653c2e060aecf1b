"""Extract, update and compile the server's catalogs: `make i18n` (or `python -m wms.locale.catalogs`).

1. extract: every message of the code (the first argument of a domain error or of `wms.errors.Text`,
   found by Babel as configured in babel.cfg), the grading rubrics' questions and explanations
   (config/returns/rubrics/*.yaml, their English) and the grades' meanings, into `kaeru.pot`;
2. update: each language's `kaeru.po` takes the new messages (untranslated, for a translator) and
   drops the ones no longer said;
3. compile: each `kaeru.po` to the `kaeru.mo` the server reads. The `.mo` files are committed, so an
   install needs no build step; tests/unit/test_catalogs.py fails when one is stale or a message has
   no translation.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = Path(__file__).parent
DOMAIN = "kaeru"
LANGUAGES = ("ja", "uk")
RUBRICS = ROOT / "config" / "returns" / "rubrics"
ERRORS = ("KaeruError", "Invalid", "NotFound", "Forbidden", "Unauthorised", "Conflict")
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "Text": None,
    **dict.fromkeys((*ERRORS, "InsufficientStock", "IllegalTransition")),
}


def _code_messages() -> Iterator[tuple[str, str, int]]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if isinstance(message, tuple):
            message = message[0]
        if message and any(c.isalpha() for c in message):  # not a separator such as "; ".join's
            yield message, filename, lineno


def _rubric_messages() -> Iterator[tuple[str, str, int]]:
    for path in sorted(RUBRICS.glob("*.yaml")):
        rubric = yaml.safe_load(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for question in rubric.get("questions", []):
            yield question["text"]["en"], where, 0
        for rule in rubric.get("rules", []):
            if rule.get("explain", {}).get("en"):
                yield rule["explain"]["en"], where, 0


def _grade_meanings() -> Iterator[tuple[str, str, int]]:
    from wms.returns.model import GRADE_MEANING

    for meaning in GRADE_MEANING.values():
        yield meaning, "wms/returns/model.py", 0


def template() -> Catalog:
    """Every message the server says, in English."""
    pot = Catalog(project="Kaeru", domain=DOMAIN, fuzzy=False)
    for source in (_code_messages(), _rubric_messages(), _grade_meanings()):
        for message, filename, lineno in source:
            pot.add(message, locations=[(filename, lineno)])
    return pot


def path(language: str, ext: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.{ext}"


def read(language: str) -> Catalog:
    with open(path(language, "po"), "rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update() -> None:
    pot = template()
    with open(LOCALE_DIR / f"{DOMAIN}.pot", "wb") as out:
        write_po(out, pot, width=110, omit_header=False, sort_output=True)
    for language in LANGUAGES:
        target = path(language, "po")
        if target.exists():
            catalog = read(language)
            catalog.update(pot, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="Kaeru")
            catalog.update(pot, no_fuzzy_matching=True)
        with open(target, "wb") as out:
            write_po(out, catalog, width=110, sort_output=True, ignore_obsolete=True)


def compile_all() -> None:
    for language in LANGUAGES:
        path(language, "mo").write_bytes(compiled(read(language)))


def untranslated(language: str) -> list[str]:
    return [str(m.id) for m in read(language) if m.id and not m.string]


def main(argv: list[str]) -> int:
    step = argv[0] if argv else "all"
    if step in ("update", "all"):
        update()
    if step in ("compile", "all"):
        compile_all()
    for language in LANGUAGES:
        missing = untranslated(language)
        if missing:
            print(f"{language}: {len(missing)} message(s) without a translation", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
