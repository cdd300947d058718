"""The definitions' reading of a mail (rules/triage.py), one feature at a time, each with a
real-looking mail in English and in Spanish: what is affected, for whom, what still works.

The reading is tested alone here (`learned=False`): it is what the reason line, `intakebot
severity --json` and the acknowledgement say of a mail. How it is weighed with the learned
reading is tested in test_severity_learned.py."""

from __future__ import annotations

from functools import partial

import pytest

from rules import severity
from rules.plans import Severity

infer = partial(severity.infer, learned=False)

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL


def case(expected: Severity, subject: str, body: str, *marks):
    return pytest.param(expected, subject, body, id=subject[:40], marks=marks)


def check(expected: Severity, subject: str, body: str) -> None:
    result = infer(subject, body)
    assert result.severity is expected, result.reason
    assert result.confidence < 1.0


# --- the service is unavailable: blocker ----------------------------------------------

UNAVAILABLE = [
    case(B, "Portal not reachable",
         "Hi,\n\nsince 7:50 nobody here can reach acme.docsuite.example. Chrome and Firefox "
         "both end with ERR_CONNECTION_TIMED_OUT, on the office network and on 4G.\n\nTom"),
    case(B, "No podemos entrar en la plataforma",
         "Buenos días:\n\ndesde las 7:50 nadie de la oficina consigue acceder a "
         "acme.docsuite.example. Chrome y Firefox se quedan cargando y dan "
         "ERR_CONNECTION_TIMED_OUT, tanto en la red de la oficina como con datos.\n\nTomás"),
    case(B, "Everything returns 503",
         "Every page of our instance answers 503 Service Unavailable since 9:00, the login "
         "page too. The whole team is stuck.\n-- \nAna"),
    case(B, "Todo da 503",
         "Todas las páginas de nuestra instancia responden 503 desde las 9:00, también la "
         "de acceso. Todo el equipo está parado.\n-- \nAna"),
    case(B, "Quick question",
         "Hello, is it me or does the application not open at all today? Nothing loads for "
         "any of my colleagues either, we just get a white page.\n\nThanks,\nPat"),
    case(B, "Una consulta",
         "Hola, ¿soy yo o hoy la aplicación no abre? A ninguno de mis compañeros le carga "
         "nada, solo sale una página en blanco.\n\nGracias,\nPati"),
    case(B, "Site down",
         "The site is down for all of us since about 10 minutes ago. 502 Bad Gateway."),
    case(B, "Can't get in", "I can't get into the platform since 9 and nobody here can."),
    case(B, "No anda", "No puedo entrar en la plataforma desde las 9 y nadie aquí puede, "
                       "no anda ni en la compu ni en el celular."),
    case(B, "Servicio caído",
         "El servicio está caído para todos desde hace diez minutos. Sale 502 Bad Gateway."),
]


@pytest.mark.parametrize("expected, subject, body", UNAVAILABLE)
def test_an_unavailable_service_is_a_blocker_even_unnamed(expected, subject, body):
    check(expected, subject, body)


# --- the writer says the service is up: not a blocker ---------------------------------

SERVICE_UP = [
    case(C, "Documents won't open",
         "The platform itself is up and we can log in and browse every folder, but no "
         "document opens for anyone: the viewer shows an error and downloads fail."),
    case(C, "No se abre ningún documento",
         "La plataforma funciona, entramos y navegamos por las carpetas, pero a nadie se le "
         "abre ningún documento: el visor da error y las descargas fallan."),
    case(C, "Login broken",
         "The login page loads fine, but nobody in the company can sign in: every attempt "
         "ends with 'Authentication failed'. Admins included."),
    case(C, "Inicio de sesión roto",
         "La pantalla de acceso carga bien, pero nadie de la empresa consigue iniciar "
         "sesión: todos los intentos acaban en 'Error de autenticación'. También los "
         "administradores."),
]


@pytest.mark.parametrize("expected, subject, body", SERVICE_UP)
def test_a_critical_feature_down_while_the_service_is_up_is_critical(expected, subject, body):
    check(expected, subject, body)


# --- creating or reading documents fails for everyone: critical -----------------------

CRITICAL = [
    # "this stops us working" says what the fault costs, not that something works
    case(C, "New button greyed out",
         "Since the update creating documents fails for all our users. We can still open "
         "and read all our documents. We create 30 documents a day, so this stops us "
         "working normally."),
    case(C, "Botón Nuevo en gris",
         "Desde la actualización crear documentos falla a todos los usuarios. Podemos abrir "
         "y leer todos los documentos. Creamos 30 documentos al día, así que esto nos impide "
         "trabajar con normalidad."),
    case(C, "Upload broken for everyone",
         "Since this morning every upload fails for all of our users with 'Could not store "
         "the file'. Reading and searching the existing documents still works."),
    case(C, "No se puede subir nada",
         "Desde esta mañana todas las subidas fallan a todos los usuarios con 'No se pudo "
         "guardar el fichero'. Consultar y buscar los documentos que ya hay sigue "
         "funcionando."),
    case(C, "Files come back empty",
         "Every file we download is empty (0 bytes) and the viewer shows nothing, for all "
         "staff and all folders."),
    case(C, "Los ficheros salen vacíos",
         "Todos los ficheros que descargamos salen vacíos (0 bytes) y el visor no muestra "
         "nada, a toda la plantilla y en todas las carpetas."),
]


CRITICAL += [
    case(C, "Viewer grey",
         "Since 11 the document viewer shows a grey box for every document, for all users. "
         "Browsing folders and searching work fine."),
    case(C, "No sirve el visor",
         "Desde las 11 el visor no sirve: a todos los usuarios se les traba al abrir "
         "cualquier documento. Las carpetas y la búsqueda andan bien."),
]


@pytest.mark.parametrize("expected, subject, body", CRITICAL)
def test_creating_or_reading_documents_failing_for_everyone_is_critical(expected, subject,
                                                                        body):
    check(expected, subject, body)


# --- one user, some users, part of it, another way works: major -----------------------

NARROW = [
    case(M, "A colleague cannot log in",
         "Our colleague Mia cannot log in since Monday, she gets 'account locked'. The rest "
         "of the team logs in normally. Could you unlock her?"),
    case(M, "Una compañera no puede entrar",
         "Nuestra compañera Mía no puede entrar desde el lunes, le sale 'cuenta bloqueada'. "
         "El resto del equipo entra con normalidad. ¿Podéis desbloquearla?"),
    case(M, "Some users get an error",
         "Some users in accounting get an error when they open invoices; the others open "
         "them without any problem."),
    case(M, "Viewer grey for me",
         "Since 11 the viewer shows a grey box for every document, but only for me. My "
         "colleagues see them fine."),
    case(M, "Visor gris solo a mí",
         "Desde las 11 el visor muestra un recuadro gris en todos los documentos, pero solo "
         "a mí. Mis compañeros los ven bien."),
    case(M, "Algunos usuarios tienen error",
         "Algunos usuarios de contabilidad tienen un error al abrir las facturas; los demás "
         "las abren sin problema."),
    case(M, "Big scans fail",
         "Uploading scans larger than 200 MB fails with a timeout. Smaller files upload "
         "fine."),
    case(M, "Los escaneos grandes fallan",
         "Subir escaneos de más de 200 MB falla con un timeout. Los ficheros más pequeños "
         "se suben bien."),
    case(M, "API uploads fail",
         "Our ERP integration fails to create documents through the API since last night "
         "(HTTP 500). Users can still upload documents in the web app."),
    case(M, "Las subidas por API fallan",
         "Nuestra integración con el ERP no consigue crear documentos por la API desde "
         "anoche (HTTP 500). Los usuarios sí pueden subir documentos en la web."),
]


@pytest.mark.parametrize("expected, subject, body", NARROW)
def test_one_user_part_of_it_or_another_way_that_works_is_major(expected, subject, body):
    check(expected, subject, body)


# --- non-critical features, drops, latency, a fault without scope: major --------------

MAJOR = [
    case(M, "Search returns nothing",
         "Full-text search returns no results for anyone since the weekend. Everything "
         "else works as usual."),
    case(M, "El buscador no devuelve nada",
         "La búsqueda no devuelve resultados a nadie desde el fin de semana. Todo lo demás "
         "funciona con normalidad."),
    case(M, "OCR stuck",
         "OCR is not processing any of our scans, for all users. The documents themselves "
         "open fine."),
    case(M, "El OCR no procesa",
         "El OCR no procesa ningún escaneo, a ningún usuario. Los documentos en sí se abren "
         "bien."),
    case(M, "Notifications",
         "Nobody is getting the e-mail notifications for new tasks since Tuesday."),
    case(M, "Notificaciones",
         "Desde el martes no le llegan a nadie los avisos por correo de tareas nuevas."),
    case(M, "Export broken!!!",
         "EVERYTHING IS BROKEN. The CSV export of a folder gives an empty file. We can still "
         "open the documents one by one."),
    case(M, "¡¡No funciona nada!!",
         "¡No funciona nada! La exportación CSV de una carpeta sale vacía. Los documentos "
         "se pueden abrir uno a uno."),
    case(M, "Keeps disconnecting",
         "The platform drops out every half hour for a minute or two and then comes back "
         "by itself. It has happened five times today."),
    case(M, "Se corta",
         "La plataforma se corta cada media hora durante uno o dos minutos y luego vuelve "
         "a funcionar. Hoy ha pasado cinco veces."),
    case(M, "Very slow",
         "Opening any folder takes about 40 seconds for everyone since the update. It does "
         "open in the end."),
    case(M, "Muy lento",
         "Abrir cualquier carpeta tarda unos 40 segundos a todos desde la actualización. Al "
         "final abre."),
    case(M, "Thumbnails",
         "Hello, the thumbnails of new documents are not generated. Can you check?"),
    case(M, "Miniaturas",
         "Hola, no se generan las miniaturas de los documentos nuevos. ¿Lo podéis mirar?"),
    case(M, "Mobile app crashes",
         "The mobile app crashes on start since the update; the web app works fine on the "
         "phone browser."),
    case(M, "La app móvil se cierra",
         "La app móvil se cierra al arrancar desde la actualización; la web funciona bien "
         "en el navegador del móvil."),
    # a delay is latency: "arrive hours late" is slow, not a fault that is over
    case(M, "Mention e-mails arrive late",
         "Hi,\n\nsince last week mention notifications arrive 3-4 hours late for all of "
         "us. Everything else is on time.\n\nSophie"),
    case(M, "Avisos con retraso",
         "Hola,\n\ndesde la semana pasada las notificaciones de menciones llegan con horas "
         "de retraso a todos. Lo demás va bien.\n\nSofía"),
    case(M, "Printing gives blank pages",
         "When we use the Print button in the document viewer the printer gives blank "
         "pages. Viewing on screen is fine."),
    case(M, "Imprimir sale en blanco",
         "Cuando usamos el botón de imprimir del visor de documentos la impresora saca "
         "páginas en blanco. Verlos en pantalla va bien."),
]


@pytest.mark.parametrize("subject, body", [
    ("Question about exports",
     "Hello, a question: has something changed in the Excel export? Since Tuesday, whenever "
     "any of us exports a report it says \"The file could not be generated\". The rest of "
     "the application works."),
    ("Pregunta sobre exportación",
     "Hola, una pregunta: ¿ha cambiado algo en la exportación a Excel? Desde el martes, "
     "cuando cualquiera de nosotros exporta un informe sale «No se ha podido generar el "
     "archivo». El resto de la aplicación va bien."),
])
def test_a_question_that_goes_on_to_report_a_failure_is_a_fault(subject, body):
    result = infer(subject, body)
    assert (result.severity, result.affected, result.scope) == (M, "exports", "all"), \
        result.reason


@pytest.mark.parametrize("expected, subject, body", MAJOR)
def test_features_that_are_not_critical_drops_latency_and_unscoped_faults_are_major(
        expected, subject, body):
    check(expected, subject, body)


@pytest.mark.parametrize("subject, body", [
    ("Just slow?", "Is the platform just slow today? Not a single page has loaded for any of "
                   "us since 9, every browser gives up with a timeout."),
    ("¿Solo lento?", "¿La plataforma va lenta hoy? No ha cargado ni una página a ninguno "
                     "desde las 9, todos los navegadores acaban con un timeout."),
])
def test_slow_that_never_loads_is_unavailable(subject, body):
    check(B, subject, body)


# --- no fault: trivial ----------------------------------------------------------------

TRIVIAL = [
    # "sometimes" said of nothing broken is no drop
    case(T, "Suggestion",
         "Hi, a suggestion: it would be great to colour the tags, as in the mail. With so "
         "many tags it is sometimes hard to tell them apart."),
    case(T, "Sugerencia",
         "Hola, una sugerencia: estaría genial poder ponerle colores a las etiquetas. Con "
         "tantas etiquetas a veces cuesta distinguirlas a simple vista."),
    case(T, "Thank you", "Many thanks to Laura for the quick help yesterday. Have a good "
                         "weekend!"),
    case(T, "Gracias", "Muchas gracias a Laura por la ayuda rápida de ayer. ¡Buen fin de "
                       "semana!"),
    case(T, "Retention", "How can we keep contracts for ten years and then delete them "
                         "automatically?"),
    case(T, "Retención", "¿Cómo podemos conservar los contratos diez años y después "
                         "borrarlos automáticamente?"),
    case(T, "Idea", "It would be great to have a shortcut to download a whole folder as PDF."),
    case(T, "Idea", "Estaría genial tener un atajo para descargar una carpeta entera en PDF."),
    case(T, "Post-mortem", "Could you send us the incident report for last Tuesday's outage? "
                           "Everything has worked fine since."),
    case(T, "Informe", "¿Nos podéis enviar el informe de la caída del martes pasado? Desde "
                       "entonces todo ha funcionado bien."),
    case(T, "Maintenance", "Will the platform be unavailable during Sunday's maintenance, "
                           "and for how long?"),
    case(T, "Mantenimiento", "¿Estará la plataforma sin servicio durante el mantenimiento "
                             "del domingo? ¿Cuánto tiempo?"),
    case(T, "Typo", "Small cosmetic thing: the Save button says 'Svae'. Nothing urgent."),
    case(T, "Errata", "Una errata sin importancia: el botón Guardar pone 'Gaurdar'."),
    case(T, "Password", "I forgot my password, how do I reset it?"),
    case(T, "Contraseña", "He olvidado mi contraseña, ¿cómo la restablezco?"),
    case(T, "Re: Site down", "All good again, everybody is back in. You can close the "
                             "ticket, thanks!\n\n> The site is down for everyone."),
    case(T, "Re: Web caída", "Ya funciona todo, todo el mundo ha vuelto a entrar. Podéis "
                             "cerrar la incidencia, ¡gracias!\n\n> La web está caída para "
                             "todos."),
]


@pytest.mark.parametrize("subject, body", [
    ("Site", "The site is unreachable for everyone. It happens several times a day, for a "
             "few minutes."),
    ("Web", "La web no está disponible para nadie. Pasa varias veces al día, unos minutos."),
])
def test_how_often_said_beside_an_outage_says_it_comes_and_goes(subject, body):
    result = infer(subject, body)
    assert (result.severity, result.affected, result.mitigation) == (M, "drops", "between")


@pytest.mark.parametrize("expected, subject, body", TRIVIAL)
def test_thanks_questions_suggestions_and_past_outages_are_trivial(expected, subject, body):
    check(expected, subject, body)


def test_a_mail_that_says_nothing_the_definitions_use_gets_the_default():
    result = infer("Hello", "Please see the attached file.")
    assert (result.severity, result.assessed) == (M, None)
    assert result.confidence <= 0.2


# --- how the words are read: quotes, "nothing", "sin", "and", where from, genders ------

READING = [
    # a quoted message says what failed; what the clause names says what is affected
    case(M, "E-signature requests",
         "Hi Marta,\n\nseparate issue since yesterday: e-signature requests fail to send for "
         "all of us (\"Envelope creation error\"). Documents themselves are fine.\n\nRachel"),
    case(M, "Solicitudes de firma",
         "Hola Marta,\n\notra cosa desde ayer: las solicitudes de firma electrónica no se "
         "envían a nadie (\"Error al crear el sobre\"). Los documentos en sí van bien."),
    case(C, "Login",
         "Since 8:30 everyone gets \"Authentication failed (AUTH-500)\" after the password "
         "step. The login page itself loads."),
    case(C, "Acceso",
         "Desde las 8:30 a todos nos sale \"Error de autenticación (AUTH-500)\" después de "
         "poner la contraseña. La pantalla de acceso carga."),
    # an error code is one word: AUTH-503 is not an HTTP 503 of the whole service
    case(C, "Login failing",
         "None of us can log in since 08:30; the login page shows \"Authentication service "
         "unavailable (AUTH-503)\" after we submit."),
    case(C, "Falla el acceso",
         "Ninguno podemos iniciar sesión desde las 8:30; la pantalla de acceso muestra "
         "\"Servicio de autenticación no disponible (AUTH-503)\" al enviar."),
    # "nothing" after what was said turns it; Spanish "ningún/ninguna" is a negation
    case(C, "Access denied on every document",
         "Since the weekend every document shows \"Access denied\" to every user, admins "
         "included. We can see the folder tree and the document names but open nothing."),
    case(C, "No podemos subir nada",
         "Ninguna podemos subir nada esta mañana, todos los ficheros dan \"Subida "
         "rechazada\". Abrir los antiguos sí funciona."),
    # ... but a fault stays a fault: Spanish says "no llega ningún aviso"
    case(M, "Avisos",
         "No llega ningún aviso por correo a nadie desde ayer. Por lo demás la plataforma va "
         "bien."),
    case(M, "Search", "The search finds nothing for anyone since Monday; everything else "
                      "works."),
    # "sin" and "without" say "not"
    case(B, "Una cosita",
         "Buenas, llevamos toda la mañana sin poder cargar la aplicación: sale un error 502 "
         "en cualquier página, a mí y a todos los compañeros. No corre prisa."),
    case(B, "No access",
         "Our whole organisation has been without access to the platform since 08:30. It "
         "just times out, for anyone, in any office."),
    # "stopped" turns what follows: "stopped loading" is "does not load"
    case(B, "Re: Question about retention periods",
         "Unrelated to my question, but the whole site has stopped loading for all of us "
         "since about 16:45. Can you check urgently?"),
    case(B, "Re: Duda sobre retención",
         "No tiene que ver con mi duda, pero la web ha dejado de cargar para todos desde las "
         "16:45. ¿Lo podéis mirar ya?"),
    # "and" before a new subject starts a clause: "nobody" does not reach past it
    case(M, "Un médico no puede entrar",
         "El doctor Ruiz no puede entrar desde esta mañana: \"Cuenta deshabilitada\". Nadie "
         "la ha deshabilitado y el resto del personal entra normal."),
    case(M, "A doctor cannot log in",
         "Dr Ruiz cannot log in since this morning: \"Account disabled\". Nobody disabled it "
         "and the rest of the staff log in fine."),
    # "from search results", "from the web app": where from, not what fails
    case(C, "Access to documents",
         "Users can log in and browse folders. However, opening any document, from a folder "
         "or from search results, ends in \"403 Forbidden\" for every user."),
    case(C, "Acceso a documentos",
         "Los usuarios entran y navegan por las carpetas, pero abrir cualquier documento, "
         "desde una carpeta o desde el buscador, acaba en \"403 Prohibido\" para todos."),
    # "every one of", "cada una de": everyone
    case(B, "When you have a minute",
         "When you have a minute: our instance can't be reached from anywhere this morning. "
         "Every one of our 14 practices gets ERR_CONNECTION_RESET."),
    case(B, "Cuando podáis",
         "Cuando podáis: no se puede acceder a nuestra instancia desde esta mañana. Cada una "
         "de nuestras 14 clínicas ve ERR_CONNECTION_RESET."),
    # other websites and the rest of the internet are not the service
    case(B, "Consulta rápida",
         "Os consulto porque nuestra web no carga desde ningún navegador ni red. Le pasa a "
         "todo el mundo. El resto de páginas web van bien y lo demás de internet funciona."),
    case(B, "Is it just us?",
         "Is it just us? The address shows a white screen for all of us, on Chrome and Edge. "
         "Rebooted the router. The rest of the internet works fine."),
    # "on our side" says where; "the problem was on our side" says whose
    case(B, "RE: Monthly review",
         "Parking the review: DocSuite has been completely unreachable since 11:20 for "
         "everybody on our side. Our IT checked DNS and the firewall."),
    case(B, "RE: Revisión mensual",
         "Dejamos la revisión: la plataforma está inaccesible desde las 11:20 para todos por "
         "nuestra parte. Nuestro departamento de sistemas ha revisado el DNS."),
    case(T, "Sorry", "Sorry, the problem was on our side: our proxy blocked the site. All "
                     "fine now."),
    case(T, "Perdón", "Perdón, el problema era nuestro: el proxy bloqueaba la web. Ya va "
                      "todo bien."),
    # a page that "isn't there" is gone
    case(B, "Login page?",
         "The login page isn't there anymore, we get 404 Not Found on every link. Same for "
         "all 12 of us."),
    case(B, "¿Página de acceso?",
         "La página de acceso ya no está, sale 404 en todos los enlaces. Nos pasa a todos."),
    # a number before a thing is a count, not an HTTP status
    case(M, "Slow folders",
         "Opening a folder with ~500 documents takes 22 s for all users (normally 3 s)."),
    case(M, "Carpetas lentas",
         "Abrir una carpeta con 500 documentos tarda 22 segundos a todos (antes 3)."),
    case(B, "404", "We get a 404 page on every link of the site, for everyone."),
    case(B, "Error 500", "Todas las páginas dan 500 server error, a todos."),
    case(M, "Slow", "Opening a folder with 500 documents takes 20 s for everyone."),
    case(M, "Lento", "Abrir una carpeta con 500 documentos tarda 20 seg a todos."),
    # the words for getting in, being locked out and slowness, Latin American ones too
    case(C, "Locked out",
         "Since this morning every user is locked out: the login page loads, then \"Account "
         "locked\" for everyone."),
    case(C, "Cuentas bloqueadas",
         "Desde esta mañana a todos nos sale \"Cuenta bloqueada\" al entrar; la pantalla de "
         "acceso carga bien."),
    case(C, "Can't sign on",
         "None of our staff can sign on since 8:00; the sign-in page loads but every password "
         "is refused."),
    case(C, "No puedo ingresar",
         "Buenas, ninguno de nosotros puede ingresar al sistema desde las 8, la página de "
         "ingreso carga pero la clave no funciona para nadie."),
    case(M, "Slowness",
         "There is a lot of slowness since yesterday: every folder takes half a minute to "
         "open for everyone."),
    case(M, "Lentitud",
         "Hay mucha lentitud desde ayer: cada carpeta tarda medio minuto en abrir para todos."),
    # "it looks fine" is no mitigation; a clause without an action has the sentence's
    case(C, "New files disappear",
         "Whenever anyone uploads a document it looks fine, but after a refresh the document "
         "is gone. It happens to every user. Existing documents open fine."),
    case(C, "Desaparecen los archivos",
         "Cuando alguien sube un documento parece que va bien, pero al refrescar el documento "
         "ha desaparecido. Les pasa a todos. Los documentos antiguos se abren bien."),
]


@pytest.mark.parametrize("subject, body", [
    ("Notification e-mails",
     "Since Thursday notification e-mails don't arrive for anyone. In the app everything "
     "works, only people miss what is assigned to them if they don't log in to look."),
    ("Notificaciones",
     "Desde el jueves los correos de notificación no llegan a nadie. En la aplicación todo "
     "funciona, solo que la gente no se entera de lo que se le asigna si no entra a "
     "mirarlo."),
])
def test_what_only_happens_if_not_is_no_fault_and_mails_that_do_not_arrive_are(subject, body):
    result = infer(subject, body)
    assert (result.severity, result.affected, result.scope) == (M, "notifications", "all"), \
        result.reason


@pytest.mark.parametrize("expected, subject, body", READING)
def test_quotes_negations_conjunctions_and_places_are_read_as_a_person_would(
        expected, subject, body):
    check(expected, subject, body)


# --- what is affected: signing, read-only, channels, a page that comes up ---------------

AFFECTED = [
    case(C, "Cannot sign",
         "None of our approvers can sign documents: the signature button returns \"Unexpected "
         "error\" for everyone."),
    case(C, "Firma digital",
         "Hola, la firma digital da error para todos los certificados desde esta mañana."),
    case(M, "Signature requests stuck",
         "For all of our users, signature requests stay in \"Pending delivery\"; the signers "
         "never get the e-mail. Documents themselves are fine."),
    case(M, "Las firmas no salen",
         "A todos los usuarios las solicitudes de firma se quedan en \"Pendiente de "
         "envío\"; a los firmantes nunca les llega el correo. Los documentos andan bien."),
    case(C, "Read-only mode?",
         "The platform seems stuck in read-only mode: anyone trying to create or upload a "
         "document gets \"Repository is in read-only mode\". We can still open everything."),
    case(C, "¿Modo solo lectura?",
         "La plataforma se ha quedado en modo solo lectura: nadie puede subir ni crear "
         "documentos. Abrir y descargar sí funciona."),
    case(T, "Permisos",
         "¿Se puede dar permiso de solo lectura a un usuario sobre una carpeta concreta?"),
    case(T, "Permissions",
         "Can we give an auditor read-only access to one folder?"),
    # the mobile app is another way in: the web working for everyone makes it major
    case(M, "Mobile app login fails",
         "Since the app update nobody can log in on the mobile app: \"Invalid client\". On "
         "the web everyone logs in as usual."),
    case(M, "No entra nadie desde la app",
         "Desde la actualización nadie puede entrar desde el móvil: \"Cliente no válido\". "
         "Desde la web todos entran como siempre."),
    # "the login page comes up": the service is up, signing in is what fails
    case(C, "TOTAL OUTAGE",
         "TOTAL OUTAGE!!! The login page comes up but nobody can sign in, everyone gets "
         "\"Authentication failed\". The whole office is locked out."),
    case(C, "CAÍDA TOTAL",
         "¡¡CAÍDA TOTAL!! La pantalla de acceso aparece pero nadie puede iniciar sesión, a "
         "todos les sale \"Error de autenticación\"."),
    # the second step of signing in is signing in; getting to its screen is not getting in
    case(C, "Two-step verification",
         "Since 9:00 the two-step verification rejects every code. Users enter their "
         "password and get to the code screen. It happens to all our staff."),
    case(C, "Verificación en dos pasos",
         "Desde las 9:00 la verificación en dos pasos rechaza todos los códigos. Los "
         "usuarios ponen la contraseña y llegan a la pantalla del código. Le pasa a todo "
         "el personal."),
    # "appears to" is a guess, not a page that appears
    case(B, "Certificate error",
         "Since midnight the certificate on our address appears to have expired "
         "(NET::ERR_CERT_DATE_INVALID). Nobody at the council can use the system at all."),
    case(B, "Certificado caducado",
         "Desde medianoche parece que el certificado ha caducado (NET::ERR_CERT_DATE_INVALID). "
         "Nadie del ayuntamiento puede usar el sistema."),
]


@pytest.mark.parametrize("expected, subject, body", AFFECTED)
def test_what_is_affected_signing_read_only_another_way_in_a_page_that_comes_up(
        expected, subject, body):
    check(expected, subject, body)


# sending a document out to signers is the e-signature feature, not signing in the app
SENT_FOR_SIGNATURE = [
    case(M, "Send for signature broken",
         "Hello,\n\nthe \"Send for signature\" button has stopped working for all of us: "
         "the status goes to \"Error\" and signers never get anything. Everything else "
         "works.\n\nJo"),
    case(M, "Enviar a firmar no va",
         "Hola,\n\nla función \"Enviar a firmar\" ha dejado de funcionar para todos: el "
         "estado pasa a \"Error\" y a los firmantes no les llega nada. Todo lo demás va "
         "bien.\n\nJosé"),
    case(M, "DocuSign integration",
         "Since Monday the signing service shows nothing: no envelope reaches a signer, for "
         "any of our agents. Documents themselves are fine."),
    case(M, "Integración de firma",
         "Desde el lunes el servicio de firma falla: ningún sobre llega a los firmantes, a "
         "ninguno de los agentes. Los documentos en sí van bien."),
]


@pytest.mark.parametrize("expected, subject, body", SENT_FOR_SIGNATURE)
def test_sending_documents_for_signature_is_the_e_signature_feature(expected, subject, body):
    check(expected, subject, body)
    assert infer(subject, body).affected == "e-signature"


@pytest.mark.parametrize("subject, body", [
    ("Re: Slow uploads",
     "Reopening this: before, uploads were slow. Now everybody in the company gets "
     "\"Upload failed\" on every file. Viewing the existing documents still works."),
    ("Re: Subidas lentas",
     "Reabro esto: antes las subidas iban lentas. Ahora a todos en la empresa les sale "
     "\"Error al subir\" con cada archivo. Ver los documentos que ya hay sigue "
     "funcionando."),
])
def test_a_message_shown_on_the_files_says_what_failed_on_them(subject, body):
    result = infer(subject, body)
    assert (result.severity, result.affected, result.scope) == (C, "create", "all"), \
        result.reason


def test_signing_a_document_in_the_app_stays_critical():
    for subject, body in (
            ("Can't sign", "None of our approvers can sign documents: the signature button "
                           "returns \"Unexpected error\"."),
            ("No podemos firmar", "Ninguno de los aprobadores puede firmar documentos: el "
                                  "botón de firma da \"Error inesperado\".")):
        result = infer(subject, body)
        assert (result.severity, result.affected) == (C, "sign"), result.reason


# --- no current fault: aftermath questions, a doubt, a retraction ---------------------

NO_FAULT_NOW = [
    case(T, "Compensación por la caída de marzo",
         "Estimados: ¿corresponde alguna compensación por la caída del 12 de marzo (poco más "
         "de una hora)? ¿Dónde puedo ver las condiciones?"),
    case(T, "About Tuesday's outage",
         "Could you send us a short incident report for the outage on Tuesday morning? Our "
         "auditors ask for one. Everything has been fine since."),
    case(T, "Down?",
         "Not a fault: our monitoring sent an alert at 3am saying the site was down, but it "
         "was our own proxy. All fine. Do you have a status page?"),
    case(T, "¿Caída?",
         "No es un fallo: nuestra monitorización avisó de que la web estaba caída, pero era "
         "nuestro proxy. Todo bien. ¿Tenéis una página de estado?"),
    case(T, "Broken?",
         "I think the export is broken, oh wait, I was clicking the wrong button. Sorry for "
         "the noise! How do I export only the metadata?"),
    case(T, "¿Roto?",
         "Creo que la exportación está rota... no, falsa alarma, era otro botón. ¿Cómo "
         "exporto solo los metadatos?"),
]


@pytest.mark.parametrize("expected, subject, body", NO_FAULT_NOW)
def test_aftermath_questions_doubts_and_retractions_report_no_current_fault(
        expected, subject, body):
    check(expected, subject, body)


# --- signals that the service as a whole is gone, and what only looks like it ----

WHOLE_SERVICE = [
    # a "nobody" before a list of names still says the rest of the clause
    case(B, "Nothing loads",
         "Good morning,\n\nNone of our people in Sales, Legal or Finance can load a "
         "single page since 8:15, and the reception PCs are the same.\n\nRegards,\nOwen "
         "Pryce\nIT, Pryce & Dale"),
    case(B, "No carga nada",
         "Buenos días:\n\nNinguno de los compañeros de Ventas, Jurídico o Finanzas "
         "consigue cargar una sola página desde las 8:15, y en recepción pasa "
         "igual.\n\nUn saludo,\nÓscar Prieto"),
    # "down" after a slowness word is its particle, not an outage
    case(M, "Everything is sluggish",
         "Hi,\n\nsince the weekend every folder takes 15 seconds or so to open. It all "
         "works in the end, but it's slowing the whole accounts team "
         "down.\n\nCheers,\nNia"),
    case(M, "Todo va muy lento",
         "Hola:\n\ndesde el fin de semana cada carpeta tarda unos 15 segundos en "
         "abrirse. Al final funciona todo, pero nos está ralentizando a todo el equipo "
         "de contabilidad.\n\nNieves"),
    # a recovery asked about or wished for ("we need it back") is not one
    case(B, "Still nothing",
         "Hello again,\n\nsince 9:40 the platform just keeps loading for every one of "
         "us, on every PC in the office. We really need it back before the 14:00 filing "
         "deadline.\n\nLucy Marsh"),
    case(B, "Seguimos igual",
         "Hola de nuevo:\n\ndesde las 9:40 la plataforma se queda cargando a todos, en "
         "todos los ordenadores de la oficina. ¿Nos decís cuándo vuelve a funcionar? "
         "Tenemos un plazo a las 14:00.\n\nLucía Marín"),
    # a browser's connection error is the site, whatever page was asked for ...
    case(B, "Odd message",
         'Hi,\n\nwhen we go to the documents page this morning Chrome shows "This site '
         'can\'t be reached - connection refused". Same for everyone in the '
         "office.\n\nBeth"),
    case(B, "Mensaje raro",
         "Hola:\n\nesta mañana, cuando entramos en la página de los expedientes, a todas "
         'nos sale "No se puede acceder a este sitio" en el '
         "navegador.\n\nGracias,\nMaite"),
    # ... but not where a way documents come in is what cannot connect
    case(M, "Scanner cannot upload",
         'Our scanner station gets "connection refused" when it sends to the import '
         "address since this morning. People upload from the browser without problems."),
    case(M, "El escáner no sube",
         'Nuestro escáner da "conexión rechazada" al enviar a la dirección de '
         "importación desde esta mañana. Desde el navegador la gente sube sin problemas."),
    # every request to the service failing is the service
    case(B, "HTTP 500",
         "Since 07:10 UTC every request to ourco.docsuite.example returns HTTP 500, the "
         "sign-in page included. Monitoring has been red for half an hour.\n\n-- "
         "\nPlatform team"),
    case(B, "HTTP 500",
         "Desde las 07:10 UTC cada petición a ourco.docsuite.example devuelve HTTP 500, "
         "también la de acceso. La monitorización lleva media hora en rojo.\n\n-- "
         "\nEquipo de sistemas"),
    # the service itself timing out is the service ...
    case(B, "Re: [#5120] no access",
         "Any update? Three hours on, the web app and the API both time out for all of "
         "us."),
    case(B, "Re: [#5120] sin acceso",
         "¿Alguna novedad? Tres horas después, la aplicación web y la API siguen dando "
         "timeout a todos."),
    # ... an upload timing out is creating documents
    case(C, "Uploads time out",
         "Since this morning every upload to the platform times out for all users. "
         "Opening and searching documents work normally."),
    case(C, "Las subidas dan timeout",
         "Desde esta mañana todas las subidas a la plataforma dan timeout a todos los "
         "usuarios. Abrir y buscar documentos funciona con normalidad."),
    # second factors are getting in
    case(C, "Two-factor codes rejected",
         "Since 8:00 every one-time code from the authenticator app is rejected with "
         '"Invalid verification code" for all 60 of us. The sign-in page loads fine.'),
    case(C, "Códigos de verificación",
         "Desde las 8:00 todos los códigos de un solo uso del autenticador se rechazan "
         'con "Código no válido", a los 60 usuarios. La pantalla de acceso carga bien.'),
    # a maintenance notice still shown after its end: the service is unavailable
    case(B, "Maintenance window",
         "Your notice said the maintenance would be over at 06:00. It is 10:30 and every "
         'link still gives "Scheduled maintenance in progress - we\'ll be back shortly" '
         "to all of us."),
    case(B, "Ventana de mantenimiento",
         "Vuestro aviso decía que el mantenimiento acababa a las 6:00. Son las 10:30 y "
         'todos los enlaces siguen mostrando "Mantenimiento programado, volveremos en '
         'breve" a todos.'),
    case(B, "Maintenance",
         "Good morning, the platform is still in maintenance mode for all of us at "
         "11:00; the announcement said 02:00-05:00."),
    case(B, "Mantenimiento",
         "Buenos días, a las 11:00 la plataforma sigue en modo mantenimiento para todos; "
         "el aviso decía de 2:00 a 5:00."),
    # asking about maintenance is a question
    case(T, "Maintenance",
         "Hi, is there a maintenance window planned this month? We'd like to warn our "
         "staff."),
    case(T, "Mantenimiento",
         "Hola, ¿hay alguna ventana de mantenimiento prevista este mes? Queremos avisar "
         "al personal."),
    # a document noun before (or after "de") another thing only says which one
    case(B, "documents website",
         "hello the documents website is just a white page today for all of us, even on "
         "my phone at home. Pam"),
    case(B, "Error al abrir",
         "hola, desde esta mañana al abrir el portal de expedientes a todas nos sale un "
         "error, también en el móvil desde casa. Encarni"),
    case(C, "403 on downloads",
         "Listing folders and viewing document metadata works, but every download "
         "returns HTTP 403 for every user, so nobody can read any document."),
    case(C, "403 al descargar",
         "Navegar por las carpetas y consultar los metadatos de los documentos funciona, "
         "pero cada descarga da HTTP 403 a todos, así que nadie puede leer ningún "
         "documento."),
]


@pytest.mark.parametrize("expected, subject, body", WHOLE_SERVICE)
def test_connection_errors_every_request_timeouts_and_unended_maintenance_are_the_service(
        expected, subject, body):
    check(expected, subject, body)


# --- outages said in other words, and what does not undo them ---------------------------

OUTAGE_WORDING = [
    # "everything else works" where the service itself is said gone: everything but it
    case(B, "Platform down",
         "The platform has been down since 9 for the whole office. We checked our internet "
         "connection and everything else works fine."),
    case(B, "Sistema caído",
         "El sistema está caído desde las 9 para toda la oficina. Ya revisamos el internet "
         "y todo lo demás funciona bien."),
    case(M, "Search broken",
         "Search returns nothing for anyone since this morning. Everything else works fine."),
    # a "nobody" goes on after words in parentheses; other sites and services are not ours
    case(B, "Can't open it",
         "Since noon none of us (we are 12) can load the platform, and the app says there "
         "is no connection to the server. All our other cloud services work fine."),
    case(B, "No podemos entrar",
         "Desde el mediodía ninguno de nosotros (somos 12) consigue abrir la plataforma; la "
         'web da "No se puede acceder a este sitio". El resto de páginas funcionan bien.'),
    # getting onto the service, "ingresar a" it: reaching it
    case(B, "system",
         "cant get onto the system from anywhere since 8, nobody in the office can either."),
    case(B, "no entramos",
         "Desde las 8 ninguno de los usuarios puede ingresar a la plataforma, desde ningún "
         "equipo."),
    # the site itself not found, a full outage, a lack of availability
    case(B, "Site not found",
         'Since lunchtime our workspace address returns "404 - Site not found" for all of us.'),
    case(B, "Sitio no encontrado",
         "Desde el mediodía la dirección de nuestro espacio devuelve \"404 - Sitio no "
         'encontrado" a todos.'),
    case(B, "Full outage",
         "We are seeing a full outage of our instance since 06:50 for everyone."),
    case(B, "Availability",
         "Lack of availability of the service for all our users since 7:45."),
    case(B, "Disponibilidad",
         "Falta de disponibilidad del servicio para todos nuestros usuarios desde las 7:45."),
    # the browser's connection timeout, in Spanish too: the site, whatever was asked for
    case(B, "Browser",
         'Since 8 the browser says "The connection has timed out" when we log in, for all '
         "of us."),
    case(B, "Navegador",
         'Desde las 8 el navegador dice "Se agotó el tiempo de espera de la conexión" al '
         "entrar, a todos."),
    # a recovery awaited ("call me when it's back") is not said (Spanish says it in the
    # subjunctive, which is no recovery phrase)
    case(B, "SITE DOWN",
         "Our site has been down since 8:15 for everyone in both offices. Call me when it's "
         "back."),
    case(B, "WEB CAÍDA",
         "La web está caída desde las 8:15 para todos en las dos oficinas. Llamadme cuando "
         "vuelva a funcionar."),
    # "same as last month" compares with an old outage: the one said is of now
    case(B, "Again",
         'It\'s happened again. Same as last month: "Service Unavailable" on every page for '
         "everyone, starting 09:40 today."),
    case(B, "Otra vez",
         'Ha vuelto a pasar. Igual que el mes pasado: "Servicio no disponible" en todas las '
         "páginas para todos, desde las 9:40 de hoy."),
    # an error whatever one clicks is every page; of a feature's tab, that feature
    case(B, "the documents website is broken",
         'hi, the documents website is broken, it just says "Error 500 Internal Server '
         'Error" whatever you click, even the front page. same for everybody at the shop.'),
    case(B, "la web de documentos no va",
         'hola, la web de documentos está rota, sale "Error 500 Internal Server Error" '
         "pinches donde pinches, incluso en la portada. Nos pasa a todos en la tienda."),
    case(M, "Reports",
         "In the reports tab, whatever you click gives an error. The rest works."),
    case(M, "Informes",
         "En la pestaña de informes, pinches donde pinches sale un error, para todos."),
    # "all 18 of us", "a los 18 nos pasa": everyone, over the writer's first "just me"
    case(B, "Probably just me but...",
         "This is probably just me, but the site won't load this morning, the tab spins. "
         "Update: it's not just me, all 18 of us get the same."),
    case(B, "Seguramente soy solo yo",
         "Seguramente es solo a mí, pero la web no carga esta mañana, se queda pensando. "
         "Actualización: no es solo a mí, a los 18 nos pasa lo mismo."),
    # a fault from any network is the service's, for all, whoever else is named
    case(B, "Timeouts from all networks",
         "Connections to our instance time out from any network since 06:50. One of our "
         "users first thought it was his laptop."),
    case(B, "Tiempos de espera desde cualquier red",
         "Las conexiones a nuestra instancia dan tiempo de espera agotado desde cualquier red "
         "desde las 6:50. Uno de nuestros usuarios pensó primero que era su portátil."),
    case(M, "Login",
         "I can't log in from any device since this morning; my colleagues are fine."),
    # those working remotely are a place where it works: the office's users, not everyone
    case(M, "Lyon office can't reach the platform",
         "Our Lyon branch cannot reach the platform since this morning, the connection times "
         "out. Our head office and everyone working remotely are fine."),
    case(M, "La oficina de Valencia no entra",
         "Desde esta mañana la oficina de Valencia no consigue entrar a la plataforma, la "
         "conexión acaba dando error. En Madrid y quienes están teletrabajando entran sin "
         "problema."),
    # "everything's working fine today": a question about a maintenance, no fault now
    case(T, "Down?",
         "Will the platform be down during the planned maintenance on Saturday? "
         "Everything's working fine today, just planning ahead."),
    case(T, "¿Caída?",
         "¿Estará caída la plataforma durante el mantenimiento del sábado? Hoy todo "
         "funcionando, solo queremos planificar."),
]


@pytest.mark.parametrize("expected, subject, body", OUTAGE_WORDING)
def test_outages_in_other_words_stay_outages(expected, subject, body):
    check(expected, subject, body)

# --- for whom: places; what still works: between drops; when: dates, parentheses ---

SCOPE_AND_TIME = [
    # a fault said of one place while another place works: those users, not all
    case(M, "Leeds office cannot connect",
         "Hi,\n\nsince this morning nobody in our Leeds office can open the platform: "
         "the browser gives ERR_CONNECTION_TIMED_OUT. Our London office and the people "
         "working from home have no problem at all.\n\nCould you check whether our IP "
         "range is blocked?\n\nKeith"),
    case(M, "Sucursal de Sevilla sin conexión",
         "Hola:\n\ndesde esta mañana nadie de la sucursal de Sevilla puede abrir la "
         "plataforma, el navegador da ERR_CONNECTION_TIMED_OUT. En la oficina central y "
         "desde casa funciona normal.\n\n¿Podéis mirar si bloqueáis nuestra IP?\n\nRocío"),
    case(B, "Both offices",
         "Since 8:00 nobody in our London or Leeds office can open the platform, "
         "ERR_CONNECTION_TIMED_OUT, and from home it is the same for all of us."),
    case(B, "Las dos oficinas",
         "Desde las 8:00 nadie de la oficina de Madrid ni de la de Bilbao puede abrir la "
         "plataforma, ERR_CONNECTION_TIMED_OUT, y desde casa nos pasa igual a todos."),
    # what fails while the service drops, and what works in between, is the drops
    case(M, "Intermittent 502 errors",
         'Hello,\n\nsince yesterday we get "502 Bad Gateway" for about a minute every 10 '
         "to 15 minutes. Uploads in progress fail when it happens, but in between the "
         "service is usable.\n\nMark"),
    case(M, "Errores 502 intermitentes",
         'Hola:\n\ndesde ayer nos sale "502 Bad Gateway" durante un minuto cada 10 o 15 '
         "minutos. Las subidas en curso fallan cuando pasa, pero entre medias la "
         "plataforma se puede usar.\n\nMarcos"),
    # an outage on a date, and its parentheses, are over; since a date is now
    case(T, "Outage on 3 June - report?",
         "Hello,\n\nOn 3 June our workspace was unreachable for about two hours (503 on "
         "every page, the whole company affected). It has been fine since then.\n\nCould "
         "you tell us whether you publish an incident report, and whether it entitles us "
         "to a service credit?\n\nPriya"),
    case(T, "Caída del 3 de junio",
         "Hola:\n\nEl 3 de junio nuestro espacio estuvo inaccesible unas dos horas (503 "
         "en todas las páginas, toda la empresa afectada). Desde entonces funciona "
         "bien.\n\n¿Publicáis un informe del incidente? ¿Nos corresponde alguna "
         "compensación?\n\nPilar"),
    case(C, "Contracts won't open",
         "On 3 June we uploaded 200 contracts and today none of them opens for anyone, "
         "the viewer gives an error."),
    case(C, "No se abren los contratos",
         "El 3 de junio subimos 200 contratos y hoy no se abre ninguno a nadie, el visor "
         "da error."),
    case(C, "Uploads failing since 3 June",
         'Since 3 June every upload fails for all of us with "Upload rejected". Opening '
         "documents works."),
    case(C, "Subidas fallando desde el 3 de junio",
         'Desde el 3 de junio todas las subidas fallan a todos con "Subida rechazada". '
         "Abrir documentos funciona."),
    # an unnamed fault for everyone on any browser or network is the service ...
    case(B, "Error for everyone",
         'Good morning,\n\nsince 8:30 all of us get "Something went wrong" straight '
         "away, on any browser and any network we tried, office and mobile "
         "data.\n\nLaura"),
    case(B, "Error para todos",
         'Buenos días:\n\ndesde las 8:30 a todos nos sale solo "Algo ha ido mal", en '
         "cualquier navegador y en cualquier red que probamos, oficina y datos del "
         "móvil.\n\nLaura"),
    # ... a named feature stays that feature
    case(M, "Search errors",
         'Since 8:30 the search gives "Something went wrong" for all of us, in any '
         "browser. Everything else works."),
    case(M, "Error en la búsqueda",
         'Desde las 8:30 la búsqueda da "Algo ha ido mal" a todos, en cualquier '
         "navegador. Lo demás funciona."),
]


@pytest.mark.parametrize("expected, subject, body", SCOPE_AND_TIME)
def test_places_drops_dates_and_parentheses_say_for_whom_and_when(expected, subject,
                                                                 body):
    check(expected, subject, body)

# --- the reason line ------------------------------------------------------------------

@pytest.mark.parametrize("subject, body, line", [
    ("Site down", "The platform is down for everyone since 9:00.",
     "blocker: the service is unavailable for every user"),
    ("", "Nobody in our Leeds office can reach the site; from home it works normally.",
     "major: the service is unavailable for some users; the other users are not affected"),
    ("", "Nadie de la sucursal de Sevilla llega a la web; desde casa funciona normal.",
     "major: the service is unavailable for some users; the other users are not affected"),
    ("", "The service is up but nobody can open a document.",
     "critical: opening documents fails for every user; the service itself is up"),
    ("", "Creating documents fails for all users. The rest of the service works.",
     "critical: creating documents fails for every user; the rest of the service works"),
    ("", "La búsqueda falla a todos desde el lunes. Todo lo demás funciona.",
     "major: search fails for every user; the rest of the service works"),
    ("", "Nuestra compañera no puede abrir documentos; el resto del equipo los abre bien.",
     "major: opening documents fails for one user; the other users are not affected"),
    ("", "Uploads over 100 MB fail; smaller files upload fine.",
     "major: creating documents fails only in part (some documents, folders, sizes or one "
     "route); the rest of it works"),
    ("", "The site drops out every 20 minutes for a minute and then comes back by itself.",
     "major: the service drops out from time to time; it works between the drops"),
    ("", "¿Cómo cambio el idioma de la interfaz?", "trivial: a question, no fault reported"),
    # the same pieces from the other language
    ("Plataforma caída", "La plataforma está caída para todos desde las 9:00.",
     "blocker: the service is unavailable for every user"),
    ("", "La plataforma funciona, pero nadie puede abrir un documento.",
     "critical: opening documents fails for every user; the service itself is up"),
    ("", "Crear documentos falla a todos los usuarios. Lo demás funciona.",
     "critical: creating documents fails for every user; the rest of the service works"),
    ("", "Search fails for everyone since Monday. Everything else works.",
     "major: search fails for every user; the rest of the service works"),
    ("", "Our colleague cannot open documents; the rest of the team opens them fine.",
     "major: opening documents fails for one user; the other users are not affected"),
    ("", "Las subidas de más de 100 MB fallan; los archivos más pequeños suben bien.",
     "major: creating documents fails only in part (some documents, folders, sizes or one "
     "route); the rest of it works"),
    ("", "La web se cae cada 20 minutos durante un minuto y luego vuelve sola.",
     "major: the service drops out from time to time; it works between the drops"),
    ("", "How do I change the interface language?", "trivial: a question, no fault reported"),
    # signing, some users, another way in, a slow feature, a fault that names nothing
    ("", "None of us can sign documents: the signature button gives an error.",
     "critical: signing documents fails for every user"),
    ("", "Nadie puede firmar documentos: el botón de firma da error.",
     "critical: signing documents fails for every user"),
    ("", "Some users cannot log in since 9:00; the others get in fine.",
     "major: signing in fails for some users; the other users are not affected"),
    ("", "Algunos usuarios no pueden iniciar sesión desde las 9:00; los demás entran bien.",
     "major: signing in fails for some users; the other users are not affected"),
    ("", "Since the update nobody can log in on the mobile app. On the web everyone logs in "
         "as usual.", "major: the mobile app fails for every user; the service itself is up"),
    ("", "Desde la actualización nadie puede entrar desde el móvil. Desde la web todos "
         "entran como siempre.", "major: signing in fails for every user; it still works "
                                 "another way (the web, another app or route)"),
    ("", "Search is very slow for everyone today.", "major: search is slow for every user"),
    ("", "La búsqueda va muy lenta para todos hoy.", "major: search is slow for every user"),
    ("", "Something fails for everyone since 9:00.",
     "major: a fault is reported for every user, not what it affects"),
    ("", "Algo falla a todos desde las 9:00.",
     "major: a fault is reported for every user, not what it affects"),
    ("", "I think uploads are broken... false alarm, I was on the wrong page. Sorry!",
     "trivial: the mail says nothing is broken"),
    ("", "Creo que las subidas fallan... falsa alarma, estaba en otra página. ¡Perdón!",
     "trivial: the mail says nothing is broken"),
    ("", "Could you send us an incident report for the outage last Tuesday?",
     "trivial: no current fault; the problem it mentions is over"),
    ("", "¿Nos podéis mandar un informe de la caída del martes pasado?",
     "trivial: no current fault; the problem it mentions is over"),
])
def test_the_reason_says_what_for_whom_and_what_still_works(subject, body, line):
    assert infer(subject, body).reason == line


def test_the_reason_reads_back_into_parts():
    from rules.triage_reason import parts

    line = "critical: creating documents fails for every user; the rest of the service works"
    assert parts(line) == {"level": "critical", "what": "creating documents fails",
                           "scope": "all", "still": "the rest of the service works"}
    assert parts('explicit tag "[Blocker]" in the subject') is None
    assert parts("set by Ana Ruiz") is None


def test_the_vocabulary_is_data_whose_tags_the_model_knows():
    from rules.triage_scan import TABLE
    from rules.triage_words import COMPOSED, GENDERED, PHRASES

    known = {"SVC", "PAGE", "LOGINPAGE", "ACCESS", "DOC", "BROWSE", "REST", "EVERYTHING",
             "EXTERNAL", "ROUTE", "CREATE", "READ", "OPEN", "SEE", "FIND", "REACH", "DOWN",
             "UNAVAIL", "FAIL", "WORKS", "LOAD", "SHOWS", "HANGS", "SLOW", "LAG", "TAKES",
             "TIME", "INTERMIT", "RECOVER", "EXAGG", "STANDSTILL", "NOFAULT", "LOWIMPACT",
             "FORGOT", "NEG", "NEGLONG", "ABLE", "NOTABLE", "TOTAL", "ALL", "SOME", "ONE", "ME",
             "OTHERS", "PARTIAL", "PAST", "HYPO", "SINCE", "HOWTO", "REQUEST", "SUGGEST",
             "THANKS", "RETRACT", "SIGNING", "PARTICLE", "NET", "TIMEOUT", "MAINT", "STILL",
             "WISH", "WHEN", "LOC", "BETWEEN", "EVERYWHERE", "OFTEN", "ELSE"}
    used = {t for key in PHRASES if key != "-" and not key.startswith("F:")
            for t in key.split()}
    used |= {t for key, _, _ in COMPOSED for t in key.split()} | {
        t for key in GENDERED for t in key.split()}
    assert used <= known, used - known
    assert len(TABLE) > 500


def test_composed_phrases_and_spanish_genders_give_way_to_a_listed_phrase():
    from rules.triage_scan import TABLE

    def tags(*words):
        node = TABLE[words[0]]
        if len(words) == 1:
            return node[0].tags
        return next(e.tags for e in node[1][words[1]] if e.rest == list(words[1:]))

    assert tags("el", "resto", "del", "personal") == {"OTHERS"}       # composed
    assert tags("rest", "of", "the", "platform") == {"REST"}           # listed
    assert tags("lo", "demas", "de", "internet") == {"EXTERNAL"}
    assert tags("rechazadas") == {"FAIL"} and tags("ningunas") == {"NEG", "ALL"}
    assert tags("ninguna") == {"NEG", "TOTAL"}                         # listed wins
    assert "caidas" not in TABLE  # DOWN keeps its own forms: "avisos de caídas" is no outage
