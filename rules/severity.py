"""Severity inference for a new support mail: an explicit tag wins, else weighted
English/Spanish cue rules over the sender's own (unquoted) words, headers only nudging.

Longer than our ~300-line habit because the cue table (DEFAULT_RULES) is data that
must sit next to the patterns it is built from."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rules.plans import Severity

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL

SUBJECT_FACTOR = 2.0  # a subject is the sender's own one-line summary
# Cues about the sender's tone rather than the impact ("urgent", "no rush", "question")
# may tip a close call but not outweigh what the mail says is happening.
TONE_LABELS = frozenset({"urgency", "no hurry", "a question", "question mark"})
TONE_CAP = 3.0
HEADER_WEIGHT = 1.0  # below any single subject cue: headers never beat clear text
# The problem is described at the top; pasted logs below it would only cost time.
MAX_BODY_CHARS = 20_000


@dataclass(frozen=True)
class Inference:
    severity: Severity
    reason: str
    confidence: float


@dataclass(frozen=True)
class SeverityRule:
    """A cue: a case-insensitive regex; accents are ignored on both sides."""

    severity: Severity
    pattern: str
    weight: float = 1.0
    label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        if not self.weight > 0:
            raise ValueError(f"severity rule weight must be positive, got {self.weight!r}")
        try:
            # compiled once here: fails at construction, not on the first mail, and
            # keeps inference from folding and looking up every pattern per call
            object.__setattr__(self, "regex", _compile(_fold(self.pattern)))
        except re.error as exc:
            raise ValueError(f"severity rule pattern {self.pattern!r} is not a valid "
                             f"regular expression: {exc}") from None


# Accent folding keeps string length, so match offsets index the original text too.
_FOLD = {c: unicodedata.normalize("NFD", chr(c))[0]
         for c in range(0xC0, 0x250) if len(unicodedata.normalize("NFD", chr(c))) > 1}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_FOLD)


@lru_cache(maxsize=1024)
def _compile(folded_pattern: str) -> re.Pattern[str]:
    return re.compile(folded_pattern, re.IGNORECASE | re.MULTILINE)


# --- the default cues, from the policy's four definitions ----------------------------

# filler between a subject noun and its verb; never a negation ("el sistema no está caído")
_GAP = r"(?:\s+(?!(?:no|not|never|nunca)\b)\w+)"
_NOUN = (r"(?:service|system|platform|site|website|app|application|server|instance|portal|"
         r"environment|production|prod|tenant|everything|web|athento)")
_STATE = (r"(?:down|offline|unavailable|unreachable|inaccessible|unresponsive|"
          r"not (?:responding|available|reachable|accessible|loading|working at all))")
_NOUN_ES = (r"(?:servicio|sistema|plataforma|servidor|web|aplicacion|app|portal|entorno|"
            r"produccion|gestor(?: documental)?|instancia|athento)")
_STATE_ES = (r"(?:caid[oa]|inaccesible|no disponible|fuera de servicio|fuera de linea|"
             r"sin servicio|ko|colgad[oa]|sin (?:estar disponible|responder|funcionar))")
_NEG_EN = (r"(?:can'?t|cannot|can not|unable to|not able to|couldn'?t|could not|fails? to|"
           r"failed to|won'?t|will not|doesn'?t|does not|don'?t|not|no longer)")
_FEAT_EN = (r"(?:upload|create|creat|save|sav|open|read|view|download|preview|edit|retriev|"
            r"sign|scan|import|stor|add|register|process|find|load|approv)")
_NEG_ES = (r"(?:no|tampoco)\s+(?:(?:nos|me|les|se)\s+)?(?:(?:podemos|puedo|pueden|puede|"
           r"consigo|conseguimos|consiguen|deja|dejan|permite|hemos podido|han podido|"
           r"es posible|se puede|se pueden)\s+)?")
_FEAT_ES = (r"(?:subir|crear|guardar|abrir|ver|descargar|visualizar|previsualizar|leer|editar|"
            r"firmar|escanear|importar|cargar|consultar|localizar|encontrar|registrar|"
            r"tramitar|dar de alta|adjuntar|recuperar|aprobar|abren|abre|crean|crea|guardan|guarda|"
            r"suben|sube|descargan|importan|importa|cargan)")
_MINOR_FEAT = (r"(?:notifications?|e-?mails?|reports?|export(?:s|ing)?|dashboard|thumbnails?|"
               r"filters?|sorting|statistics|stats|calendar|widget|print(?:ing)?|tags?|labels?|"
               r"comments?|audit log|history|autocomplete|bulk download)")
_MINOR_FEAT_ES = (r"(?:notificacion(?:es)?|correos?|avisos?|informes?|exportacion|exportar|panel|"
                  r"miniaturas?|filtros?|ordenacion|estadisticas|calendario|impresion|etiquetas?|"
                  r"comentarios?|historial|descarga masiva)")


def _rules(severity: Severity, weight: float, label: str, *patterns: str) -> list[SeverityRule]:
    return [SeverityRule(severity, p, weight, label) for p in patterns]


DEFAULT_RULES: tuple[SeverityRule, ...] = tuple([
    # blocker: the service is currently unavailable
    *_rules(B, 3.0, "service unavailable",
            rf"\b{_NOUN}\b{_GAP}{{0,2}}?\s+(?:is|are|'s|seems|appears|looks|has been|"
            rf"have been|went|remains|has gone)\s+(?:to be\s+)?(?:completely\s+|totally\s+|"
            rf"entirely\s+|still\s+)?{_STATE}\b",
            rf"\b{_NOUN_ES}\b{_GAP}{{0,3}}?\s+(?:esta|estan|sigue|siguen|se encuentra|"
            rf"parece|continua|lleva)\s+(?:\w+\s+)?(?:completamente\s+|totalmente\s+)?{_STATE_ES}",
            r"\boutage\b|\bca[ií]da (?:total|general|del servicio)\b|\bdown for (?:everyone|"
            r"everybody|all)\b|\bincidencia general\b|\bno (?:carga|funciona|responde|va) nada\b"
            r"|\bnothing (?:loads|works|opens)\b"),
    *_rules(B, 2.5, "service down",
            rf"\b{_NOUN}\s+(?:is\s+)?(?:completely\s+)?(?:down|offline|unavailable)\b",
            rf"\b{_NOUN_ES}\s+(?:caid[oa]|ko|no disponible|sin servicio|inaccesible|"
            rf"fuera de servicio)\b",
            r"\b(?:esta|sigue|se ha|se nos ha)\s+(?:completamente\s+|totalmente\s+)?caid[oa]s?\b"
            r"|\bse (?:nos )?cayo\b"),
    *_rules(B, 2.5, "HTTP 502/503/504",
            r"\b50[234]\b|\bbad gateway\b|\bgateway time-?out\b|\bservice unavailable\b|"
            r"can'?t be reached|cannot be reached|\bconnection (?:refused|timed out)\b"),
    *_rules(B, 3.0, "nobody can get in",
            r"\b(?:no ?one|nobody|none of (?:us|our (?:users|staff|team|employees|colleagues))|"
            r"no users?)\b(?:\s+\w+){0,3}?\s+(?:can|could|is able to|are able to)\s+(?:\w+\s+)?"
            r"(?:access|log ?in|login|sign ?in|connect|work|use|get (?:in|into)|reach|enter)",
            r"\b(?:nadie|ningun usuario|ninguno de (?:los usuarios|nosotros|los compañeros))\b"
            r"(?:\s+\w+){0,3}?\s+(?:puede|pueden|consigue|podemos|ha podido)\s+(?:\w+\s+)?"
            r"(?:acceder|entrar|conectar\w*|iniciar sesion|trabajar|usar|loguear\w*)"),
    *_rules(B, 2.0, "all users affected",
            r"\b(?:all|every)\s+(?:of\s+)?(?:our\s+|the\s+)?(?:users?|staff|employees|people)\b"
            r"(?:\s+\w+){0,3}?\s+(?:can'?t|cannot|are unable to|get an? error|get http)"),
    *_rules(B, 2.5, "cannot get into the service",
            rf"\b(?:can'?t|cannot|can not|unable to|not able to|couldn'?t|could not)\s+"
            rf"(?:\w+\s+)?(?:access|reach|connect to|open|load|log ?in(?:to)?|sign ?in(?:to)?|"
            rf"get into|use)\s+(?:the\s+|our\s+|your\s+)?(?:{_NOUN}\b|https?://)",
            r"\b(?:we|users|our users|people|everyone)\s+(?:can'?t|cannot|are unable to|are not "
            r"able to)\s+(?:log ?in|sign ?in|access|connect|get in)\b",
            r"\bno (?:podemos|pueden|puede|conseguimos|consiguen|hemos podido)\s+(?:\w+\s+)?"
            r"(?:acceder|entrar|conectar(?:nos)?|iniciar sesion|loguear(?:nos)?)\b",
            rf"\b{_NOUN_ES}\b{_GAP}{{0,2}}?\s+no (?:carga|responde|abre|funciona|arranca)\b",
            rf"\b{_NOUN}\s+(?:\w+\s+)?(?:doesn'?t|does not|won'?t|will not|isn'?t|is not)\s+"
            rf"(?:load|loading|open|respond|responding)\b"),
    *_rules(B, 1.0, "cannot log in",
            r"\b(?:can'?t|cannot|unable to) (?:log ?in|sign ?in)\b|"
            r"\bno puedo (?:acceder|entrar)\b"),
    *_rules(B, 1.5, "not responding",
            r"\bstopped responding\b|\bnot responding\b|\bwhite screen\b|\bpantalla en blanco\b"),
    *_rules(B, 2.5, "work at a standstill",
            r"\b(?:completely|totally|entirely)\s+(?:blocked|stuck|stopped|unusable)\b|"
            r"\b(?:whole|entire)\s+(?:\w+\s+)?(?:company|team|office|department|organi[sz]ation)"
            r"\s+(?:is|are|has)\s+(?:\w+\s+)?(?:stopped|blocked|halted)|\bat a standstill\b",
            r"\b(?:estamos|esta|estan)\s+(?:\w+\s+)?(?:parad[oa]s?|paralizad[oa]s?|"
            r"bloquead[oa]s?)\b|\bsin poder trabajar\b"),
    *_rules(B, 1.0, "everyone affected",
            r"\b(?:for|to) (?:all of us|everyone|everybody|all (?:of )?(?:our |the )?users|anyone)"
            r"\b|\bevery page\b|\ball pages\b",
            r"\bpara todos\b|\btodos los (?:usuarios|compañeros)\b|\btoda la (?:empresa|oficina|"
            r"plantilla)\b|\btodo el mundo\b|\btodas las paginas\b"),
    *_rules(B, 1.5, "outage word", r"\bca[ií]d[oa]s?\b"),
    # critical: service up, but creating or reading documents fails
    *_rules(C, 1.5, "cannot work with documents",
            rf"\b{_NEG_EN}\s+(?:\w+\s+)?{_FEAT_EN}\w*\b",
            rf"\b{_NEG_ES}(?:\w+\s+)?{_FEAT_ES}\b"),
    *_rules(C, 2.0, "document feature failing",
            r"\b(?:upload(?:s|ing)?|download(?:s|ing)?|saving|save|creating|creation|opening|approval|"
            r"import(?:s|ing)?|preview(?:s|ing)?|signing|signature|scanning|viewer)\b"
            r"(?:\s+\w+){0,3}?\s+(?:fails?|failing|failed|broken|not working|doesn'?t work|"
            r"stopped working|returns? an?|gives? an?|hangs?|errors?|stays blank|shows? blank|"
            r"(?:are |is )?stuck)",
            r"\b(?:documents?|files?|pdfs?|attachments?|contracts?)\b(?:\s+\w+){0,2}?\s+"
            rf"{_NEG_EN}\s+(?:be\s+|being\s+)?{_FEAT_EN}\w*",
            r"\b(?:subida|descarga|carga|creacion|apertura|visualizacion|previsualizacion|firma|"
            r"guardado|importacion|visor)\b(?:\s+\w+){0,4}?\s+(?:falla|fallan|no funciona|"
            r"da (?:un )?error|devuelve (?:un )?error|se queda en blanco)",
            r"\b(?:falla|fallan|fallo|error)\b(?:\s+\w+){0,3}?\s+(?:al|en|de|con|el|la)\s+"
            r"(?:la\s+|el\s+)?(?:subida|descarga|guardado|firma|importacion|creacion|apertura|"
            r"subir|crear|guardar|abrir|descargar|firmar|importar|procesar)\b",
            r"\b(?:search|buscador|busqueda)\b(?:\s+\w+){0,2}?\s+(?:returns no|gives no|"
            r"no devuelve|no encuentra)\b",
            r"\b(?:visor|viewer|preview|vista previa)\b(?:\s+\w+){0,4}?\s+(?:en blanco|blank)\b"
            r"|\bse (?:abren|abre|ven|ve) en blanco\b|\b0-byte\b"),
    *_rules(C, 2.5, "documents lost",
            r"\b(?:documents?|files?|pdfs?|records?|data)\b(?:\s+\w+){0,8}?\s+(?:have\s+|has\s+|"
            r"are\s+|is\s+)?(?:disappeared|vanished|gone missing|missing|lost|corrupt(?:ed)?)\b"
            r"|\bdata loss\b|\bchanges are lost\b",
            r"\b(?:documentos?|archivos?|ficheros?|expedientes?|datos)\b(?:\s+\w+){0,8}?\s+"
            r"(?:han\s+|se han\s+|ha\s+|esta\s+|estan\s+)?(?:desaparecid[oa]s?|perdid[oa]s?|"
            r"corrupt[oa]s?|vaci[oa]s?)\b|\bhan desaparecido\b|\bperdida de (?:datos|documentos)\b"
            r"|\bse (?:pierden|han perdido)\b"),
    *_rules(C, 1.5, "server error",
            r"\berror 500\b|\b500 error\b|\binternal server error\b|\berror interno del servidor\b"
            r"|\(500\)|\bwith (?:a |an )?500\b|\bcon un 500\b"),
    *_rules(C, 1.5, "work blocked",
            r"\b(?:blocks?|stops?|prevents?) (?:all )?(?:our|the|my)\b|\bcan'?t work\b|"
            r"\bcannot work\b|\bthis is blocking\b",
            r"\bnos bloquea\b|\bno podemos trabajar\b|\bimpide (?:trabajar|el trabajo)\b"),
    *_rules(C, 0.75, "urgency",
            r"\burgent(?:ly)?\b|\basap\b|\bimmediately\b|\bas soon as possible\b|\btop priority\b",
            r"\burgente\b|\burgencia\b|\blo antes posible\b|\bmaxima prioridad\b"),
    # "the rest works": the service is up, so not a blocker
    *[SeverityRule(sev, p, 1.0, "service otherwise up") for sev in (C, M) for p in (
        r"\b(?:the )?rest of the (?:\w+ )?works\b|\b(?:site|web ui|login|app)(?: itself)? "
        r"(?:is up|works)\b|\bwe can log in\b|\bother parts of the \w+ work",
        r"\bel resto (?:de (?:la )?\w+ )?funciona\b|\b(?:la web|la plataforma|la aplicacion) "
        r"(?:si )?funciona\b|\bpodemos (?:entrar|acceder|consultar)\b")],
    # major: intermittent downtime, latency, non-critical features
    *_rules(M, 3.0, "intermittent",
            r"\bintermittent(?:ly)?\b|\bon and off\b|\bcomes? and goes?\b|\bfrom time to time\b|"
            r"\bnow and then\b|\bsporadic(?:ally)?\b|\brandomly\b|\boccasionally\b|\bseveral "
            r"times a (?:day|week)\b|\b(?:twice|three times|a few times)\b|\bkeeps? (?:dropping|"
            r"disconnecting|going down)\b|\bdisconnect(?:s|ions?|ed)\b|\bkicked out\b",
            r"\bintermitente(?:s|mente)?\b|\ba ratos\b|\bde vez en cuando\b|\ba veces\b|\bcada "
            r"(?:poco|pocos minutos|cierto tiempo)\b|\bvarias veces al dia\b|\b(?:dos|tres|unas "
            r"cuantas) veces\b|\bcortes?\b|\bdesconexion(?:es)?\b|\bvuelto a caer\b|"
            r"\bpierden la sesion\b"),
    *_rules(M, 2.0, "short drops",
            r"\bfor (?:about |around )?(?:a|one|\d) (?:minute|min)s?\b|\ba minute or two\b|\bdrops"
            r"\b|\b(?:works|working|back) again\b|\bback now\b|\bcomes back\b",
            r"\bvuelve a funcionar\b|\bya funciona,? pero\b|\bunos \d minutos\b"),
    *_rules(M, 2.5, "slow",
            r"\bslow(?:ly|ness|er)?\b|\blatency\b|\bsluggish\b|\btakes? (?:forever|ages|too long|"
            r"(?:about |almost |over )?(?:\d+|a|one)(?:\s*-\s*\d+)? (?:seconds|minutes|minute))|"
            r"\btaking \d+\+? (?:seconds|minutes)\b|\bperformance\b|\bresponse times?\b|"
            r"\btimes? out\b|\btimeouts?\b",
            r"\blent[oa]s?\b|\blentitud\b|\bdespacio\b|\btarda(?:n)? (?:mucho|demasiado|(?:casi |"
            r"unos |mas de )?(?:\d+|un|una)(?:\s*-\s*\d+)? (?:segundos|minutos|minuto))|"
            r"\blatencia\b|\brendimiento\b|\btiempos? de respuesta\b|\btiempo de espera\b|"
            r"\btimeout\b|\bse corta\b"),
    *_rules(M, 2.0, "non-critical feature",
            rf"\b{_MINOR_FEAT}\b(?:\s+\w+){{0,4}}?\s+(?:not (?:working|arriving|showing|generated)"
            rf"|doesn'?t work|stopped|fails?|failing|broken|missing|wrong|produces? an? empty|"
            rf"shows? an? (?:grey|gray|placeholder)|hangs?|times? out)",
            rf"\b{_MINOR_FEAT_ES}\b(?:\s+\w+){{0,5}}?\s+(?:no funcionan?|no llegan?|fallan?|"
            rf"dan? error|estan? mal|han? dejado de|se corta|no termina|salen? con)",
            rf"\b(?:no llegan|no se generan|no se envian|falla|fallan)\s+(?:\w+\s+){{0,2}}?"
            rf"{_MINOR_FEAT_ES}\b"),
    *_rules(M, 1.5, "partly working",
            r"\bwork ?around\b|\bwe can manage\b|\bcan still work\b|\bapañ\w+|\bmientras tanto\b"
            r"|\bpodemos seguir trabajando\b|\b(?:open|opens|download|downloads|load) fine\b|"
            r"\bse (?:abren|descargan|cargan) bien\b|\bsmaller \w+ work\b"),
    *_rules(M, 2.0, "not blocking",
            r"\bnot blocking\b|\bno (?:nos )?bloquea\b|\bannoying\b|\bmolest\w+"),
    *_rules(M, 1.0, "something fails",
            r"\berror\b|\bnot working\b|\bdoesn'?t work\b|\bbroken\b|\bbug\b|\bfails?\b",
            r"\bno funciona\b|\bfalla\b|\bfallo\b|\bfallan\b|\bestropead[oa]\b"),
    # trivial: low impact, questions, suggestions
    *_rules(T, 2.0, "how-to question",
            r"\bhow (?:do|can|could|should|would|to)\b|\bis (?:it|there) (?:possible|a way|any "
            r"way)\b|\bwould it be possible\b|\b(?:can|could) you (?:tell|explain|send|let me know|"
            r"advise|share)\b|\bdo you (?:have|offer|provide|support)\b",
            r"\bcomo (?:puedo|podemos|se puede|se hace|hago|hacemos|configuro|cambio|cambiar)\b|"
            r"¿\s*como\b|\b(?:es|seria) posible\b|\b(?:existe|hay) (?:alguna|algun|la) (?:forma|"
            r"manera|opcion|modo)\b|\b(?:podeis|podrias|podriais|puedes) (?:\w+ )?(?:decir|"
            r"indicar|explicar|enviar|mandar|confirmar|pasar)\w*"),
    *_rules(T, 1.5, "a question",
            r"\b(?:questions?|wondering|would like to know)\b|\bwhat(?:'s| is| are)\b[^.?!\n]{0,60}"
            r"\?",
            r"\b(?:duda|consulta|pregunta)s?\b|\bqueria (?:saber|preguntar)\b|\bcuanto tiempo\b|"
            r"\bque (?:datos|informacion) necesit\w+"),
    *_rules(T, 0.5, "question mark", r"\?\s*$|¿"),
    *_rules(T, 2.5, "suggestion",
            r"\bsuggestion\b|\bfeature request\b|\b(?:it )?would be (?:nice|great|useful|helpful|"
            r"handy)\b|\benhancement\b|\bcould you add\b|\bnice to have\b|\bidea\b",
            r"\bsugerencias?\b|\bpropuesta\b|\bmejora\b|\bestaria (?:bien|genial)\b|\bseria (?:muy "
            r")?(?:util|interesante|genial|practico)\b|\bnueva funcionalidad\b|\bidea\b"),
    *_rules(T, 2.5, "no hurry",
            r"\bnot (?:at all )?urgent\b|\bno rush\b|\bno hurry\b|\bwhenever (?:you|possible)\b|"
            r"\bwhen(?:ever)? you (?:have|get) (?:a )?(?:chance|moment|time)\b",
            r"\bno es (?:nada )?urgente\b|\bnada urgente\b|\bsin prisa\b|\bno hay prisa\b|"
            r"\bcuando pod(?:ais|as)\b|\bcuando teng(?:ais|as) (?:un )?(?:momento|tiempo)\b"),
    *_rules(T, 2.5, "low impact",
            r"\bnot (?:a )?(?:big|major) (?:deal|problem|issue)\b|\blow (?:priority|impact)\b|"
            r"\bminor (?:issue|thing)\b|\bsmall thing\b|\bcosmetic\b|\btypo\b|"
            r"\bjust for (?:planning|info)|\beverything is working fine\b",
            r"\bpoca importancia\b|\bbajo impacto\b|\bno es (?:nada )?grave\b|\bcosa menor\b|"
            r"\berrata\b|\bcosmetico\b|\btodo funciona (?:bien|correctamente)\b|\bes solo para\b"),
    *_rules(T, 3.0, "password help",
            r"\bforgot (?:my |the )?password\b|\b(?:reset|change) (?:my |the )?password\b|"
            r"\bpassword reset\b|\b(?:can|could) you reset\b",
            r"\bcontraseña olvidada\b|\bolvid\w+ (?:mi |la )?contraseña\b|\b(?:restablecer|cambiar|"
            r"resetear) (?:mi |la )?contraseña\b|"
            r"\bme la (?:podeis|puedes) (?:restablecer|resetear)"),
    *_rules(T, 2.0, "account or billing request",
            r"\bcopy of (?:the |our )?invoice\b|\binvoice for\b|\bbilling\b|\brenewal\b|"
            r"\bauthori[sz]ed contact\b|\btraining\b|\btutorials?\b|\buser guide\b|"
            r"\bincident report\b|\bthanks for (?:fixing|solving)\b",
            r"\bfactura\b|\brenovacion\b|\bcontacto autorizado\b|\bdar de alta a\b|\bformacion\b"
            r"|\bmanual de usuario\b|\binforme de la "
            r"incidencia\b|\b(?:enviar|mandar) (?:\w+ ){0,2}informe\b|\bgracias por (?:resolver|"
            r"solucionar|arreglar)\b"),
])

_TONE_RULES = frozenset(r for r in DEFAULT_RULES if r.label in TONE_LABELS)


# --- explicit tags --------------------------------------------------------------------

_TAG_WORDS = {
    B: ("blocker", "blocking", "bloqueante", "bloqueador"),
    C: ("critical", "critico", "critica"),
    M: ("major", "mayor", "moderate", "moderado", "moderada"),
    T: ("trivial", "minor", "menor", "leve", "low", "baja"),
}
_TAG_OF = {w: sev for sev, words in _TAG_WORDS.items() for w in words}
_TAG_WORD = "(" + "|".join(sorted(_TAG_OF, key=len, reverse=True)) + ")"
_TAG_KEY = r"(?:severity|priority|severidad|gravedad|prioridad|impact|impacto)"
_SUBJECT_TAG = _compile(rf"[\[(]\s*{_TAG_WORD}\s*[\])]|\b{_TAG_KEY}\s*[:=]\s*{_TAG_WORD}\b")
_BODY_TAG = _compile(rf"^[ \t*]*{_TAG_KEY}[ \t*]*[:=][ \t*]*{_TAG_WORD}\b")


def _explicit(subject: str, body: str) -> Inference | None:
    for text, tag_re, where in ((subject, _SUBJECT_TAG, "subject"), (body, _BODY_TAG, "body")):
        m = tag_re.search(_fold(text))
        if m:
            word = (m.group(1) or m.group(2)).lower()
            shown = unicodedata.normalize("NFC", text)[m.start():m.end()].strip()
            return Inference(_TAG_OF[word], f'explicit tag "{shown}" in the {where}', 1.0)
    return None


# --- the sender's own words -----------------------------------------------------------

_WROTE = _compile(r"^\s*(?:on\b.{0,300}\bwrote|el\b.{0,300}\bescribio)\s*:\s*$")
_SEPARATOR = _compile(r"^\s*-{2,}\s*(?:original message|mensaje original|forwarded message|"
                      r"mensaje reenviado)\s*-{2,}\s*$")
_FROM_LINE = _compile(r"^\s*\*?(?:from|de)\s*:\s*\S")
_SENT_LINE = _compile(r"^\s*\*?(?:sent|date|enviado(?: el)?|fecha)\s*:")


def _own_text(body: str) -> str:
    """`body` without quoted lines, earlier messages below a reply header, or the signature."""
    lines = unicodedata.normalize("NFC", body).splitlines()
    folded = [_fold(line) for line in lines]
    kept: list[str] = []
    for i, line in enumerate(folded):
        joined = line + " " + (folded[i + 1] if i + 1 < len(folded) else "")
        if (_SEPARATOR.match(line) or _WROTE.match(line) or
                (line.lstrip().lower().startswith(("on ", "el ")) and _WROTE.match(joined))):
            break
        if _FROM_LINE.match(line) and any(_SENT_LINE.match(n) for n in folded[i + 1:i + 5]):
            break  # Outlook puts no marker above the From/Sent block of the quoted mail
        if line.rstrip() == "--":
            break  # signature
        if not line.lstrip().startswith(">"):
            kept.append(lines[i])
    return "\n".join(kept)


# Words that turn the cue after them around ("not down", "no está caído") or make it
# hypothetical ("if the service is down"); checked in the same clause only.
_NEGATORS = {"not", "no", "never", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't",
             "didn't", "without", "nunca", "if", "whether", "case", "si", "caso"}
_CLAUSE_END = re.compile(r"[.;:!?¿¡,()\"]|\b(?:but|pero|and|y|aunque|although)\b", re.I)


# An outage "when the service is down" is a what-if; for other levels "when I upload
# a file it fails" is a plain report, so these only turn blocker cues off.
_WHAT_IF = {"when", "whenever", "cuando"}


def _negated(original: str, start: int, severity: Severity) -> bool:
    before = _CLAUSE_END.split(original[max(0, start - 40):start])[-1]
    words = re.findall(r"[\w']+", before.lower().replace("’", "'"))[-3:]
    stop = _NEGATORS | _WHAT_IF if severity is Severity.BLOCKER else _NEGATORS
    return any(w in stop for w in words)


@dataclass(frozen=True)
class _Hit:
    rule: SeverityRule
    text: str
    where: str
    score: float


_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)")


def _groups(rules: Sequence[SeverityRule]) -> list[tuple[re.Pattern[str] | None, list]]:
    """Rules in blocks of four, each with one alternation that matches where any of them could.

    A block whose alternation finds nothing is skipped whole: most mails touch few
    cues, so most of the per-rule searches never run. Patterns that cannot share an
    alternation (back-references, inline flags) keep a block without a prefilter.
    """
    blocks = []
    for i in range(0, len(rules), 4):
        block = list(rules[i:i + 4])
        combined = None
        if not any(_BACKREF.search(r.pattern) for r in block):
            try:
                combined = _compile("|".join(f"(?:{_fold(r.pattern)})" for r in block))
            except re.error:
                combined = None
        blocks.append((combined, block))
    return blocks


_DEFAULT_BLOCKS = _groups(DEFAULT_RULES)


def _hits(text: str, where: str, factor: float,
          blocks: list[tuple[re.Pattern[str] | None, list]]) -> list[_Hit]:
    original = unicodedata.normalize("NFC", text)
    folded = original.translate(_FOLD)
    candidates = []
    for combined, block in blocks:
        if combined is not None and combined.search(folded) is None:
            continue
        for rule in block:
            for m in rule.regex.finditer(folded):
                if not _negated(original, m.start(), rule.severity):
                    candidates.append((rule, m.start(), m.end()))
                    break  # one cue counts once per part, however often it is repeated
    # one stretch of text is one vote per level, even when several cues cover it
    found: list[_Hit] = []
    taken: list[tuple[Severity, int, int]] = []
    for rule, start, end in sorted(candidates, key=lambda c: -c[0].weight):
        if any(s == rule.severity and start < e and b < end for s, b, e in taken):
            continue
        taken.append((rule.severity, start, end))
        shown = " ".join(original[start:end].split())
        found.append(_Hit(rule, shown, where, rule.weight * factor))
    return found


# --- headers --------------------------------------------------------------------------

def _header_hint(headers: Mapping[str, Any] | None) -> tuple[int, str] | None:
    """(-1 more severe | +1 less severe, what said so) from priority headers."""
    for key, raw in (headers or {}).items():
        name = key.lower()
        for value in raw if isinstance(raw, list | tuple) else [raw]:
            v = str(value).strip().lower()
            high = ((name == "x-priority" and v[:1] in ("1", "2")) or
                    (name in ("importance", "x-msmail-priority") and v.startswith("high")) or
                    (name == "priority" and v.startswith("urgent")))
            low = ((name == "x-priority" and v[:1] in ("4", "5")) or
                   (name in ("importance", "x-msmail-priority") and v.startswith("low")) or
                   (name == "priority" and v.startswith("non-urgent")))
            if high or low:
                return (-1 if high else 1), f"{key}: {value}"
    return None


# --- inference ------------------------------------------------------------------------

def _as_rule(rule: Any) -> SeverityRule:
    if isinstance(rule, SeverityRule):
        return rule
    if isinstance(rule, Mapping):
        return SeverityRule(**rule)
    return SeverityRule(rule.severity, rule.pattern, rule.weight, rule.label)


def _ranked(scores: Mapping[Severity, float]) -> list[tuple[Severity, float]]:
    # ties go to the more severe level: a missed outage costs more than an early reply
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0].rank))


def _describe(hit: _Hit) -> str:
    kind = f"{hit.rule.severity}: {hit.rule.label}" if hit.rule.label else str(hit.rule.severity)
    return f'"{hit.text}" ({kind}) in the {hit.where}'


def infer(subject: str, body: str, headers: Mapping[str, Any] | None = None, *,
          extra_rules: Iterable[Any] = (), default: Severity = Severity.MAJOR) -> Inference:
    """The severity a new mail asks for, why, and how sure (0..1) the guess is."""
    subject, default = subject or "", Severity(default)
    text = _own_text((body or "")[:MAX_BODY_CHARS * 2])[:MAX_BODY_CHARS]
    tagged = _explicit(subject, text)
    if tagged:
        return tagged
    extra = [_as_rule(r) for r in extra_rules]
    rules = _DEFAULT_BLOCKS + _groups(extra) if extra else _DEFAULT_BLOCKS
    # a "Re:" subject was written for an earlier message: weigh it like body text
    is_reply = re.match(r"\s*(?:re|aw|rv|fw|fwd|tr)\s*:", subject, re.I)
    hits = (_hits(subject, "subject", 1.0 if is_reply else SUBJECT_FACTOR, rules)
            + _hits(text, "body", 1.0, rules))
    scores: dict[Severity, float] = {}
    tone: dict[Severity, float] = {}
    for hit in hits:
        bucket = tone if hit.rule in _TONE_RULES else scores
        bucket[hit.rule.severity] = bucket.get(hit.rule.severity, 0.0) + hit.score
    for sev, score in tone.items():
        scores[sev] = scores.get(sev, 0.0) + min(score, TONE_CAP)
    text_winner = _ranked(scores)[0][0] if scores else default
    nudge = ""
    hint = _header_hint(headers)
    if hint:
        step, said = hint
        target = list(Severity)[min(3, max(0, text_winner.rank + step))]
        if target != text_winner:
            scores[target] = scores.get(target, 0.0) + HEADER_WEIGHT
            won = _ranked(scores)[0][0] == target
            nudge = (f"; {said} moved it from {text_winner} to {target}" if won
                     else f"; {said} ignored against the text")
    if not scores:
        return Inference(default, f"no severity cue in the subject or body; using the "
                                  f"default ({default})", 0.1)
    ranked = _ranked(scores)
    (best, top), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    confidence = round((top - second) / top * top / (top + 2.0), 2)
    mine = sorted((h for h in hits if h.rule.severity == best), key=lambda h: -h.score)
    if mine:
        reason = "matched " + "; ".join(_describe(h) for h in mine[:3])
    else:
        reason = f"no severity cue in the text; default {default}"
    rivals = sorted((h for h in hits if h.rule.severity != best), key=lambda h: -h.score)
    if rivals:
        reason += f"; outweighing {_describe(rivals[0])}"
    return Inference(best, reason + nudge, confidence)
