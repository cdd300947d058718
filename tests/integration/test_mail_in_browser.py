"""The HTML of the acknowledgement, the breach notice and the digest as a person sees it:
real mails from the bot at an SMTP sink, opened in headless Chromium, in English and
Spanish. The page's own text, title and language are read back, it must fit a desktop
and a phone screen without sideways scrolling and load nothing from the network, and a
screenshot of each is saved (tests/browser.py: $INTAKEBOT_SCREENSHOTS, else tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import screenshot_dir
from tests.notifier_helpers import (
    ALICE,
    BOSS,
    DAN,
    at,
    html_of,
    make_app,
    open_ticket,
    seed,
    set_contact,
    sink_mails,
)

OPENED = at(2026, 3, 2, 11, 0)  # Monday; New York is 6 hours behind Madrid until 8 March
PAGE_FACTS = """
return {title: document.title, lang: document.documentElement.lang,
        text: document.body.innerText,
        remote: Array.from(document.querySelectorAll('[src], link[href]'))
                     .map(e => e.src || e.href).filter(u => !u.startsWith('file:')),
        images: document.images.length,
        wide: Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                   .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))}
"""


def look(chromium, mail, name: str, folder: Path) -> dict:
    """Open the mail's HTML part as a page at desktop and phone widths; save screenshots.
    Returns what the page shows (text, title, lang) and what overflowed at either width."""
    page = folder / f"{name}.html"
    page.write_text(html_of(mail), encoding="utf-8")
    seen: dict = {"overflow": {}}
    for width in (1000, 390):
        chromium.set_window_size(width, 900)
        chromium.get(page.as_uri())
        facts = chromium.execute_script(PAGE_FACTS)
        seen.update({k: v for k, v in facts.items() if k != "wide"})
        seen["overflow"][width] = facts["wide"]
        height = chromium.execute_script("return document.documentElement.scrollHeight")
        chromium.set_window_size(width, min(int(height) + 40, 6000))
        chromium.save_screenshot(str(folder / f"{name}-{width}px.png"))
    return seen


def assert_reads_well(seen: dict, mail, lang: str) -> None:
    assert seen["title"] == str(mail["Subject"]), "the page is titled as the mail"
    assert seen["lang"] == lang == mail["Content-Language"]
    assert seen["overflow"] == {1000: [], 390: []}, "nothing wider than the screen"
    assert seen["remote"] == [] and seen["images"] == 0, "nothing loaded from the network"


@pytest.fixture
def shots(tmp_path) -> Path:
    return screenshot_dir(tmp_path)


def the_mail(sink, kind: str, to: str):
    found = [m for m in sink_mails(sink) if m["X-Intakebot-Kind"] == kind
             and to in [a.addr_spec for a in m["To"].addresses]]
    assert len(found) == 1, [m["Subject"] for m in sink_mails(sink)]
    return found[0]


def test_the_acknowledgement_in_english_shows_the_customers_zone(chromium, tmp_path,
                                                                 smtp_sink, shots):
    app = make_app(tmp_path / "data", OPENED, smtp_sink.port)
    seed(app, OPENED)
    set_contact(app, ALICE, language="en", timezone="America/New_York")
    number = open_ticket(app, ALICE, "[Blocker] Portal is down", "Nobody can log in.\n")
    app.deliver()
    mail = the_mail(smtp_sink, "ack", ALICE)
    seen = look(chromium, mail, "ack-en", shots)
    assert_reads_well(seen, mail, "en")
    text = seen["text"]
    assert f"Thank you for contacting Vendor Support. We have opened ticket #{number}" in text
    # 6 business hours from Mon 11:00 Madrid: 17:00 there, 11:00 in New York
    assert "First response by\tMon 2 Mar 2026, 11:00 EST (America/New_York)" in text
    assert "Mon-Fri 04:00-11:00 your time (10:00-17:00 in Madrid), excluding public " \
           "holidays in Spain" in text
    assert "CET" not in text
    app.close()


def test_the_acknowledgement_in_spanish(chromium, tmp_path, smtp_sink, shots):
    app = make_app(tmp_path / "data", OPENED, smtp_sink.port)
    seed(app, OPENED)
    number = open_ticket(app, ALICE, "[Bloqueante] El portal no carga",
                         "Hola:\n\nDesde esta mañana nadie puede entrar en el portal y no "
                         "podemos trabajar. ¿Pueden revisarlo?\n\nGracias\n")
    app.deliver()
    mail = the_mail(smtp_sink, "ack", ALICE)
    seen = look(chromium, mail, "ack-es", shots)
    assert_reads_well(seen, mail, "es")
    text = seen["text"]
    assert "Hola, Alice Ruiz:" in text
    assert f"Hemos abierto el ticket #{number} para su solicitud:" in text
    assert "bloqueante" in text and "Bloqueante significa: el servicio no está disponible" in text
    assert "Primera respuesta, como máximo\tlunes 2 de marzo de 2026, 17:00 CET " \
           "(Europe/Madrid)" in text
    assert "de lunes a viernes, de 10:00 a 17:00 (hora de Madrid), salvo festivos de " \
           "España" in text
    app.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_breach_notice_says_how_late(chromium, tmp_path, smtp_sink, shots, lang):
    app = make_app(tmp_path / "data", at(2026, 3, 2, 13, 0), smtp_sink.port,
                   support={"language": lang})
    seed(app, at(2026, 3, 2, 13, 0))
    number = open_ticket(app, DAN, "[Blocker] Portal is down", "Nobody can log in.\n")
    app.deliver()
    smtp_sink.clear()
    app.clock.advance(hours=4, minutes=30)  # a standard blocker's response was due at 17:00
    app.sweep()
    app.deliver()
    mail = the_mail(smtp_sink, "sla_breach", BOSS)
    seen = look(chromium, mail, f"sla-breach-{lang}", shots)
    assert_reads_well(seen, mail, lang)
    text = seen["text"]
    if lang == "en":
        assert mail["Subject"] == "SLA breached, response overdue by 30 business minutes: " \
                                  f"globex: [Blocker] Portal is down [#{number}]"
        assert "has missed its response target" in text
        assert "Status\toverdue by 30 business minutes" in text
    else:
        assert mail["Subject"] == "SLA incumplido, respuesta: 30 minutos hábiles de " \
                                  f"retraso: globex: [Blocker] Portal is down [#{number}]"
        assert "ha incumplido su plazo de respuesta" in text
        assert "Estado\t30 minutos hábiles de retraso" in text
        assert "La respuesta vencía\tlunes 2 de marzo de 2026, 17:00 CET" in text
    app.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_digest_is_titled_and_reads_in_the_desks_language(chromium, tmp_path, smtp_sink,
                                                              shots, lang):
    app = make_app(tmp_path / "data", at(2026, 3, 2, 13, 0), smtp_sink.port,
                   support={"language": lang})
    seed(app, at(2026, 3, 2, 13, 0))
    open_ticket(app, DAN, "[Blocker] Portal is down", "Nobody can log in.\n")
    open_ticket(app, ALICE, "[Trivial] Report question", "How do I export a report?\n")
    app.clock.advance(hours=19)  # Tue 08:00
    app.queue_digest()
    app.deliver()
    mail = the_mail(smtp_sink, "digest", BOSS)
    seen = look(chromium, mail, f"digest-{lang}", shots)
    assert_reads_well(seen, mail, lang)
    assert seen["title"] != "Vendor Support"
    text = seen["text"]
    if lang == "en":
        assert mail["Subject"] == "Support digest 3 Mar 2026: 2 breached, 0 at risk"
        # the standard blocker's response was due Mon 17:00; Mon 17-20 is 3 business hours
        assert "response overdue by 3 business hours" in text
    else:
        assert mail["Subject"] == "Resumen de soporte del 3 de marzo de 2026: " \
                                  "incumplidos 2, en riesgo 0"
        assert "respuesta, 3 horas hábiles de retraso" in text
        assert "Cumplimiento del SLA, marzo de 2026" in text
    app.close()
