"""The support center in its reader's language, over HTTP: a contact's own language, else
the browser's Accept-Language among the catalogs, else the desk's ([support] language);
times in the reader's zone. The Spanish below is what a Spanish reader should see.

Accounts (tests/mailfactory.py): acme on standard (Alice, Bob), globex on plus
(Carol); agents Ana and Luis; the manager BOSS. The clock: Tue 3 Mar 2026, 11:00 Madrid.
"""

from __future__ import annotations

import re

import pytest

from rules.plans import SEVERITY_MEANINGS
from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, BOB, CAROL
from tests.web_helpers import BOSS, Desk, ask_for_link, csrf, use_link
from web.words import Words

SPANISH_BROWSER = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def body(response) -> str:
    """The page's text, each element apart (a table cell's words do not run into the
    next one's), white space collapsed."""
    html = re.sub(r"<style>.*?</style>", "", response.text, flags=re.S)
    html = re.sub(r"</?(?:strong|a|span)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def set_contact(desk: Desk, email: str, **changes) -> None:
    with desk.store.unit_of_work() as uow:
        contact = uow.contacts.get(email)
        for key, value in changes.items():
            setattr(contact, key, value)
        uow.contacts.update(contact)
        uow.commit()


@pytest.fixture
def spanish_alice(desk):
    """Alice, whose contact says Spanish, signed in from a browser that says nothing."""
    set_contact(desk, ALICE, language="es")
    client = desk.client()
    assert desk.sign_in(client, ALICE).headers["location"] == "/tickets"
    return client


def test_a_spanish_contact_reads_her_tickets_in_spanish(desk, spanish_alice):
    # an outage by the definitions (the portal down, nothing loads), asked for as such
    form = spanish_alice.get("/tickets/new")
    done = spanish_alice.post("/tickets/new", data={
        "csrf": csrf(form.text), "subject": "Portal caído", "severity": "blocker",
        "description": "No carga nada."})
    number = int(done.headers["location"].split("/")[2].split("?")[0])

    page = spanish_alice.get("/tickets")

    assert page.headers["content-language"] == "es" and '<html lang="es">' in page.text
    text = body(page)
    assert "acme: tickets abiertos" in text
    assert "1 de 125 tickets usados este año de contrato, hasta el 31 de diciembre de 2026" \
        in text
    assert "en su zona horaria, Europe/Madrid" in text
    assert "abierto el mar, 3 mar 2026, 11:00 · centro de soporte" in text
    # standard: a blocker's first answer within 4 business hours
    assert "bloqueante" in text and "mar, 3 mar 2026, 15:00 en plazo" in text
    assert "Mostrar también los tickets resueltos y cerrados" in text
    assert "Mis tickets" in text and "Nuevo ticket" in text and "Cerrar sesión" in text
    for english in ("open tickets", "tickets used", "Sign out", "on time", "blocker"):
        assert english not in text, english

    ticket = body(spanish_alice.get(f"/tickets/{number}"))
    assert "Conversación" in ticket and "No carga nada." in ticket
    assert "Le confirmamos este ticket por correo, con sus plazos." in ticket
    assert "Primera respuesta mar, 3 mar 2026, 15:00 · en plazo" in ticket
    assert "Horas en su zona horaria, Europe/Madrid" in ticket
    assert "Su respuesta" in ticket and "Enviar" in ticket


def test_the_conversation_and_states_follow_the_ticket_in_spanish(desk, spanish_alice):
    number = desk.ticket_by_mail(ALICE, "Informes lentos")
    desk.later(hours=1)
    desk.agent_says(number, "Ya está arreglado.\n#resolve")

    page = body(spanish_alice.get(f"/tickets/{number}"))

    assert "Ana" in page and "(soporte)" in page and "Ya está arreglado." in page
    assert "Resuelto por Ana" in page
    assert "resuelto" in page and "cumplido" in page  # the state, the response clock
    assert "Con ella se vuelve a abrir el ticket." in page
    listed = body(spanish_alice.get("/tickets?status=all"))
    assert "acme: todos los tickets" in listed and "resuelto" in listed


def test_the_new_ticket_form_and_its_messages_are_in_spanish(desk, spanish_alice):
    form = spanish_alice.get("/tickets/new")
    text = body(form)
    assert "Abrir un ticket nuevo" in text
    assert "Si lo envía ahora, consumirá 1 de los 125 tickets que le quedan este año de " \
        "contrato" in text
    # standard, from Tue 11:00: critical within 8 business hours -> Tue 19:00
    assert "una solicitud crítica enviada ahora recibe su primera respuesta, como máximo, " \
        "el mar, 3 mar, 19:00 (su hora)" in text
    assert "Que la decidan ustedes según la descripción" in text
    assert "bloqueante: el servicio no está disponible en este momento" in text
    assert "Asunto" in text and "Descripción" in text and "Archivos (opcional)" in text

    empty = spanish_alice.post("/tickets/new", data={"csrf": csrf(form.text), "subject": ""})
    assert empty.status_code == 400
    assert "Indique un asunto para su solicitud, por favor." in body(empty)

    done = spanish_alice.post("/tickets/new", data={"csrf": csrf(form.text),
                                                    "subject": "Exportación rota"})
    opened = spanish_alice.get(done.headers["location"])
    assert "Le hemos enviado por correo la confirmación con los plazos." in body(opened)


def test_errors_are_in_the_reader_s_language(desk, spanish_alice):
    theirs = desk.ticket_by_mail(CAROL, "Globex")

    missing = spanish_alice.get(f"/tickets/{theirs}")

    assert missing.status_code == 404
    assert "Aquí no hay nada." in body(missing) and "Volver al inicio" in body(missing)
    expired = spanish_alice.post("/tickets/new", data={"subject": "x"})
    assert expired.status_code == 403 and "Este formulario ha caducado" in body(expired)


def test_before_sign_in_the_browser_s_language_is_used(desk):
    client = desk.client()
    start = client.get("/", headers=SPANISH_BROWSER)
    assert "Iniciar sesión" in body(start) and "Enviarme un enlace de acceso" in body(start)
    assert "Centro de soporte de Vendor Support" in body(start)

    sent = client.post("/login", headers=SPANISH_BROWSER,
                       data={"csrf": csrf(start.text), "email": BOB})
    assert "Revise su correo" in body(sent)
    assert "El enlace sirve una sola vez durante 15 minutos." in body(sent)
    link = desk.link(BOB)
    confirm = client.get(link, headers=SPANISH_BROWSER)
    assert f"¿Iniciar sesión en el centro de soporte como {BOB}?" in body(confirm)
    spent = client.post(link, headers=SPANISH_BROWSER, data={"csrf": csrf(confirm.text)})
    again = desk.client().get(link, headers=SPANISH_BROWSER)
    assert spent.status_code == 303 and again.status_code == 400
    assert "Este enlace de acceso ya se ha utilizado." in body(again)
    # Bob has no language of his own: his browser's, after signing in too
    assert "acme: tickets abiertos" in body(client.get("/tickets", headers=SPANISH_BROWSER))


def test_the_link_page_and_the_signed_out_page_speak_the_contact_s_language(desk):
    set_contact(desk, ALICE, language="es")
    client = desk.client()
    english = {"Accept-Language": "en-GB"}
    ask_for_link(client, ALICE)

    confirm = client.get(desk.link(ALICE), headers=english)  # the link names its contact
    assert f"¿Iniciar sesión en el centro de soporte como {ALICE}?" in body(confirm)
    client.post(desk.link(ALICE), headers=english, data={"csrf": csrf(confirm.text)})
    token = csrf(client.get("/tickets", headers=english).text)
    out = client.post("/logout", headers=english, data={"csrf": token})
    assert out.headers["location"] == "/?signed_out=1&lang=es"
    assert "Ha cerrado la sesión." in body(client.get(out.headers["location"],
                                                      headers=english))


@pytest.mark.parametrize("header, expected", [
    ("fr-FR, de;q=0.8", "Sign in"),              # no catalog for either: the desk's
    ("en;q=0.3, es;q=0.9", "Iniciar sesión"),     # the most wanted first
    ("es;q=0, en", "Sign in"),                    # q=0 refuses Spanish
    ("*", "Sign in"),
    ("", "Sign in"),
])
def test_accept_language_picks_among_the_catalogs(desk, header, expected):
    page = desk.client().get("/", headers={"Accept-Language": header})
    assert f"<h1>{expected}</h1>" in page.text


def test_a_contact_s_own_language_wins_over_the_browser_s(desk):
    set_contact(desk, ALICE, language="en")
    client = desk.client()
    desk.sign_in(client, ALICE)
    page = client.get("/tickets", headers=SPANISH_BROWSER)
    assert "acme: open tickets" in body(page) and page.headers["content-language"] == "en"


def test_the_desk_s_language_is_the_default_and_staff_read_it(tmp_path):
    desk = Desk(tmp_path / "data", language="es")
    try:
        desk.ticket_by_mail(CAROL, "[blocker] Portal caído")
        assert "Iniciar sesión" in body(desk.client().get("/"))
        boss = desk.client()
        desk.sign_in(boss, BOSS)
        staff = body(boss.get("/staff"))
        assert "Tickets abiertos de todas las cuentas" in staff
        assert "1 abierto" in staff and "primero los que vencen antes" in staff
        assert "horas de Europe/Madrid" in staff and "sin asignar" in staff
        assert "Cumplimiento del SLA por semana y plan" in staff
        assert "Plazos del SLA cumplidos por semana y plan" in staff  # the chart's title
        agent = desk.client()
        desk.sign_in(agent, ANA)
        english = agent.get("/staff", headers={"Accept-Language": "en"})
        assert "Open tickets of every account" in body(english)
    finally:
        desk.close()


def test_a_ticket_s_staff_page_in_spanish(tmp_path):
    desk = Desk(tmp_path / "data", language="es")
    try:
        number = desk.ticket_by_mail(ALICE, "Búsqueda lenta")
        desk.agent_says(number, "Borre la caché.\n#note cliente importante")
        boss = desk.client()
        desk.sign_in(boss, BOSS)
        text = body(boss.get(f"/staff/tickets/{number}")).replace("&lt;", "<") \
            .replace("&gt;", ">")
        assert "Historial" in text and "Solicitante Alice Arias <alice@acme.example>" in text
        assert "Canal correo" in text
        assert "Nota interna de Ana <ana@vendor.example> interno cliente importante" in text
        assert "Correo: aviso de ticket nuevo a los agentes Para: Ana <ana@vendor.example>" \
            in text
        assert "Ana <ana@vendor.example> respondió al cliente · la primera respuesta" in text
        assert "Primera respuesta vencimiento:" in text and "· cumplido · hecho el mar, 3 mar " \
            "2026, 11:00" in text
    finally:
        desk.close()


def test_why_a_ticket_has_its_severity_is_in_the_staff_s_language(tmp_path):
    desk = Desk(tmp_path / "data", language="es")
    try:
        number = desk.ticket_by_mail(ALICE, "No se pueden crear documentos",
                                     "Desde las 9:00 crear documentos falla a todos los "
                                     "usuarios. Lo demás funciona.\n")
        assert desk.ticket(number).severity_reason == (
            "critical: creating documents fails for every user; the rest of the service works")
        boss = desk.client()
        desk.sign_in(boss, BOSS)
        text = body(boss.get(f"/staff/tickets/{number}"))
        assert ("crítica: la creación de documentos falla para todos los usuarios; el resto "
                "del servicio funciona") in text
        assert "creating documents" not in text
        english = body(boss.get(f"/staff/tickets/{number}", headers={"Accept-Language": "en"}))
        assert "critical: creating documents fails for every user" in english
    finally:
        desk.close()


def test_times_are_in_the_contact_s_zone_and_language(desk):
    set_contact(desk, ALICE, language="es", timezone="America/Mexico_City")
    desk.ticket_by_mail(ALICE, "[blocker] Portal caído")
    client = desk.client()
    desk.sign_in(client, ALICE)

    text = body(client.get("/tickets"))

    # 11:00 in Madrid (CET) is 04:00 in Mexico City
    assert "abierto el mar, 3 mar 2026, 04:00" in text
    assert "en su zona horaria, America/Mexico_City" in text


def test_the_phone_line_hours_are_in_the_reader_s_language(tmp_path):
    desk = Desk(tmp_path / "data", phone="+34 910 000 000")
    try:
        set_contact(desk, ALICE, language="es")
        alice = desk.client()
        desk.sign_in(alice, ALICE)
        text = body(alice.get("/tickets"))
        assert "Teléfono de soporte +34 910 000 000, de lunes a viernes, de 09:00 a 20:00 " \
            "(hora de Madrid)" in text
    finally:
        desk.close()


def test_the_severity_meanings_on_the_form_are_the_policy_s():
    english = Words("en")
    for severity, meaning in SEVERITY_MEANINGS.items():
        assert english.meaning(severity) == meaning


def test_a_sign_in_page_is_not_cached_across_languages(desk):
    page = desk.client().get("/", headers=SPANISH_BROWSER)
    assert "Accept-Language" in page.headers["vary"]
    assert ask_for_link(desk.client(), mf.STRANGER).status_code == 200
    assert use_link(desk.client(), "/login/nonsense").status_code == 400
