"""The translators' workflow for the catalogs of mail and of the support center's pages
(templates/locale), with Babel.

    python3 tools/catalogs.py extract   # templates, notifier, web -> templates/locale/messages.pot
    python3 tools/catalogs.py update    # merge the .pot into every LANG/LC_MESSAGES/messages.po
    python3 tools/catalogs.py init LANG # start a catalog for a new language
    python3 tools/catalogs.py compile   # every .po -> .mo (the files the package ships)
    python3 tools/catalogs.py check     # exit 1 if a catalog misses, fuzzes or is stale

A translator edits only the .po file, then runs `compile` (and `check`). The unit
tests run `check`'s questions too, so a template change without its translation,
or a .po edited without compiling, fails the suite.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "templates" / "locale"
POT = LOCALE / "messages.pot"
CONFIG = LOCALE / "babel.cfg"
# the same keywords the templates and formatting.py use (Babel's defaults cover them)
EXTRACT = ["pybabel", "extract", "-F", str(CONFIG), "-o", str(POT), "--sort-by-file",
           "--add-comments=TRANSLATORS:", "--project=intakebot", "--no-wrap", "."]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args[1:]] if args[0] == "pybabel"
                               else ["pybabel", "-q", *args])


def catalogs() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/messages.po"))


def extract() -> None:
    import os

    os.chdir(ROOT)  # so the .pot names files relative to the project
    _pybabel(*EXTRACT)


def extracted() -> set[tuple[str | None, str]]:
    """The (context, msgid) pairs the sources use now, without writing the .pot."""
    from babel.messages.extract import extract_from_dir

    ids: set[tuple[str | None, str]] = set()
    method_map = [("notifier/**.py", "python"), ("web/**.py", "python"),
                  ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    options = {"templates/**.html": {"trimmed": "true", "trim_blocks": "true",
                                     "lstrip_blocks": "true"},
               "templates/**.txt": {"trimmed": "true", "trim_blocks": "true",
                                    "lstrip_blocks": "true"}}
    for _, _, message, _, context in extract_from_dir(str(ROOT), method_map, options):
        ids.add((context, message if isinstance(message, str) else message[0]))
    return ids


def problems() -> list[str]:
    """What is wrong with the catalogs: missing or fuzzy translations, and stale .mo files."""
    # a bare msgid has no context
    wanted = {k if isinstance(k, tuple) else (None, k) for k in extracted()}
    found = []
    for po_path in catalogs():
        lang = po_path.parent.parent.name
        with open(po_path, "rb") as fp:
            po = read_po(fp)
        have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in po if m.id}
        for key in sorted(wanted - set(have), key=_order):
            found.append(f"{lang}: not in the catalog (run update): {_name(key)}")
        for key in sorted(wanted & set(have), key=_order):
            m = have[key]
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if m.fuzzy or not all(strings):
                found.append(f"{lang}: {'fuzzy' if m.fuzzy else 'untranslated'}: "
                             f"{_name(key)}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{lang}: {mo_path.name} missing (run compile)")
            continue
        with open(mo_path, "rb") as fp:
            mo = read_mo(fp)
        compiled = {(m.context, _key(m.id)): _key(m.string) for m in mo if m.id}
        source = {(m.context, _key(m.id)): _key(m.string) for m in po if m.id and not m.fuzzy}
        if compiled != source:
            found.append(f"{lang}: {mo_path.name} is older than its .po (run compile)")
    return found


def _order(key: tuple[str | None, str]) -> tuple[str, str]:
    return key[1], key[0] or ""


def _name(key: tuple[str | None, str]) -> str:
    """A msgid as the messages name it; with its context when it has one."""
    context, msgid = key
    return f"{msgid!r} (context {context!r})" if context else repr(msgid)


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def compile_all() -> None:
    for po_path in catalogs():
        with open(po_path, "rb") as fp:
            po = read_po(fp)
        buffer = io.BytesIO()
        write_mo(buffer, po, use_fuzzy=False)
        po_path.with_suffix(".mo").write_bytes(buffer.getvalue())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "update":
        extract()
        _pybabel("update", "-i", str(POT), "-d", str(LOCALE), "--no-wrap",
                 "--ignore-obsolete", "--no-fuzzy-matching")
    elif command == "init" and len(argv) == 2:
        extract()
        _pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-l", argv[1], "--no-wrap")
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "catalogs complete and compiled")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
