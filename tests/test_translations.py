"""The Brazilian Portuguese catalogue is complete: every message extracted from the code
and the templates has a translation, and none is a guess left fuzzy.

The extraction is Django's `makemessages`, which runs GNU gettext, the same tool the
translators use, on a copy of the sources, so the real catalogue is never touched here.
CI installs gettext (.ci/run); without it, the check is skipped with a reason outside CI.
"""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "readiness" / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"

if shutil.which("xgettext") is None:
    if os.environ.get("CI"):
        raise RuntimeError(
            "GNU gettext is needed for the translation check: apt-get install gettext"
        )
    pytestmark = pytest.mark.skip(reason="GNU gettext is not installed (apt-get install gettext)")


def extract(copy: Path, *, added: dict[str, str] | None = None) -> polib.POFile:
    """The catalogue as makemessages leaves it after reading a copy of today's sources
    (plus `added`: relative paths and their text), so the real catalogue is never touched."""
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    shutil.copytree(ROOT / "readiness", copy / "readiness", ignore=ignore)
    shutil.copytree(ROOT / "templates", copy / "templates", ignore=ignore)
    for name, text in (added or {}).items():
        (copy / name).write_text(text)
    here = Path.cwd()
    os.chdir(copy)
    try:
        from django.test import override_settings

        with override_settings(LOCALE_PATHS=[copy / "readiness" / "locale"]):
            call_command("makemessages", locale=["pt_BR"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(here)
    return polib.pofile(str(copy / "readiness" / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue as makemessages leaves it after reading today's sources."""
    return extract(tmp_path_factory.mktemp("sources"))


def test_every_message_has_a_translation(extracted):
    missing = [entry.msgid for entry in extracted.untranslated_entries()]
    assert missing == [], f"{len(missing)} message(s) without a pt-BR translation"


def test_no_translation_is_left_fuzzy(extracted):
    fuzzy = [entry.msgid for entry in extracted.fuzzy_entries()]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy translation(s) to review"


def test_the_catalogue_has_as_many_messages_as_the_sources(extracted):
    assert len(extracted) > 800
    shipped = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete}
    assert {entry.msgid for entry in extracted} <= shipped


def test_the_check_catches_a_template_string_nobody_translated(tmp_path):
    page = "templates/readiness/untranslated_probe.html"
    text = '{% load i18n %}<p>{% translate "A sentence nobody has translated yet" %}</p>'
    missing = [
        entry.msgid for entry in extract(tmp_path, added={page: text}).untranslated_entries()
    ]
    assert missing == ["A sentence nobody has translated yet"]
