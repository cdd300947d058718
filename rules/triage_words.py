"""The words of severity triage, English and Spanish: which phrase names which concept.

Data only (rules/triage_scan.py reads it; a phrase listed under two keys is an error at
import). Each key is one or more concept tags; each value lists phrases separated by
"|", in lower case (accents are folded on loading, so "caído" and "caido" are one
phrase). Phrases match whole words, longest first, so "mobile app" wins over "app" and
"everyone else" over "everyone". "#" stands for any number. Both languages sit under
each concept on purpose: a concept with only English words shows at a glance.

things    SVC the service as a whole; PAGE a page (weaker); LOGINPAGE; ACCESS getting in;
          DOC documents and files; BROWSE folders, lists, the dashboard; REST "the rest"
          (ELSE: of what is not said, so "everything else works" does not say the service
          is up); EVERYTHING; MAINT maintenance (with STILL, said of now: the service is
          unavailable); EXTERNAL not ours ("other websites", "our network"); ROUTE a way
          documents come in (API, import, scanner); F:<name> a non-critical feature,
          <name> is what agents are told (search, OCR, previews, ...)
actions   CREATE READ REACH (get to the service) OPEN (a document, or the service: by its
          object) SEE FIND (reading only with a document); SIGNING makes a CREATE signing
          documents ("sign", "firma digital"); signature requests, sending for signature
          and the signing service are a feature (e-signature)
states    DOWN the service is unavailable (PARTICLE: "down" alone, which after a slowness
          word is only its particle: "slowing the whole team down"); NET a browser's
          connection error (refused, reset, DNS: the site as a whole, whatever page was
          asked for); UNAVAIL a weaker "unavailable"; FAIL (TIMEOUT: it times out); WORKS;
          LOAD; SHOWS ("appears": only negated it says something); HANGS ("keeps
          loading"); SLOW and TAKES+TIME (latency, with a thing); LAG (latency by itself);
          INTERMIT drops (BETWEEN: what works does so between them; OFTEN "sometimes",
          "twice": drops where a fault is said); RECOVER back again;
          EXAGG "everything is broken"; STANDSTILL work has stopped; NOFAULT "nothing is
          broken"; RETRACT "false alarm" (what was said before it is withdrawn); LOWIMPACT
          cosmetic; FORGOT a forgotten password
modality  NEG NEGLONG (to the clause's end: "neither", "don't think") ABLE (can)
          NOTABLE (can't) TOTAL (any, every)
scope     ALL SOME ONE ME (the writer: weaker than "everyone" said elsewhere) OTHERS
          (everyone else: so it is one user) PARTIAL (one folder, large files) LOC a place
          (an office, a branch, home: where it fails, where it works) EVERYWHERE (any
          browser, device or network: not the writer's machine)
clause    PAST (an old, resolved incident, and what is asked after one: an incident
          report, compensation) HYPO (if, will) SINCE (still now, today; STILL "still")
          HOWTO REQUEST SUGGEST THANKS; WISH (need, hope: a recovery wished for is not
          said); WHEN (what works "when we go in" is when the fault shows, not a
          mitigation); "-" phrases only keep their words from being read otherwise
          ("same as last month" compares with an old incident, it is not one; "ha vuelto a
          pasar" is the fault again, not the service back)

COMPOSED and GENDERED, at the end, add phrases built from parts.
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    # ---- things
    "SVC": """platform|platfrom|plataforma|site|website|web site|web app|webapp|web ui
        |web interface|web|system|sistema|instance|instancia|tenant|portal|application
        |aplicacion|app|server|servidor|service|servicio|environment|entorno|production
        |produccion|prod|workspace|subdomain|subdominio|domain|dominio|address|direccion|urlsite
        |sitio|pagina web|document portal|document system|records system
        |document management system|sistema documental|gestor documental|gestor
        |web de documentos|web de los documentos|host|the whole system|todo el sistema|docsuite
        |athento""",
    "PAGE": """page|pages|home page|homepage|home screen|pagina|paginas|screen|pantalla|url
        |urls|link|links|tab|pestana|enlace|enlaces""",
    "LOGINPAGE": """login page|login screen|login form|log in page|sign in page|sign-in page
        |pantalla de acceso|pagina de acceso|formulario de acceso|la de acceso
        |pantalla de inicio de sesion|pagina de inicio de sesion|la de inicio de sesion
        |pagina de login|web login page""",
    "ACCESS": """log in|login|logins|logging in|logged in|log on|sign in|signing in|sign-in
        |sso|saml|2fa|# factor|mfa|otp|one time code|one time codes|authenticator
        |authenticator app|codigo de verificacion|codigo de un solo uso|autenticador
        |app de autenticacion|aplicacion de autenticacion|authentication|auth|credentials
        |verification code|get in|getting in|get past|iniciar sesion|inicio de sesion
        |inicia sesion|entrar|identificarse|autenticacion|doble factor|acceso
        |authentication service|account service|servicio de autenticacion|password
        |contrasena|logs in|gets in|signs in|entra|entran|ingresar|ingreso|ingresa|ingresan
        |ingresamos|loguear|loguearme|loguearse|loguearnos|logearse|logueo|logon|logging on
        |sign on|authenticate|autenticarse|clave|verification codes|codigos de verificacion
        |two step verification|# step verification|two factor|second factor|segundo factor
        |verification step|paso de verificacion|verificacion en # pasos
        |verificacion en dos pasos|login code|login codes|codigo de acceso|codigos de acceso""",
    "ACCESS FAIL": """locked out|lockout|account locked|cuenta bloqueada|usuario bloqueado""",
    "DOC": """document|documents|doc|docs|file|files|pdf|pdfs|attachment|attachments|case file
        |case files|content|contents|drawings|forms|bundles|scanned|scans|documento|documentos
        |fichero|ficheros|archivo|archivos|expediente|expedientes|contenido|planos|escaneados
        |escaneado|storage|almacenamiento""",
    "BROWSE": """folder|folders|folder list|folder lists|folder tree|list of files|file list
        |browse|browsing|navigate|navigating|dashboard|tasks|matters|metadata|carpeta|carpetas
        |lista de archivos|lista de ficheros|navegar|panel|metadatos|tareas|arbol de carpetas""",
    "REST": """other parts|rest of the app
        |rest of the application|rest of the site|rest of the platform|rest of the service
        |rest of the system|resto de la aplicacion
        |resto de la web|resto de la plataforma|nothing else is affected|nothing else affected
        |other modules|otros modulos|other features|otras funciones|el resto de funciones
        |the other features""",
    "REST ELSE": """the rest|everything else|all else|anything else|el resto|lo demas
        |todo lo demas|everything else seems""",
    "EVERYTHING": """everything|anything|todo|all of it""",
    "EXTERNAL": """other websites|other sites|otras webs|otras paginas|marketing site
        |status page|pagina de estado|staging|our network|our own network|our mail gateway
        |mail gateway|nuestra red|nuestra pasarela|our idp|identity provider
        |proveedor de identidad|accounting system|programa de contabilidad|uptime monitor
        |el resto de paginas|el resto de las paginas|las demas paginas|los demas sitios
        |otros sitios web|other services|other cloud services|other online tools
        |otros servicios|el resto de servicios|el resto de los servicios|los demas servicios
        |servicios en la nube|cloud services|other saas tools
        |monitoring|monitorizacion|our proxy|nuestro proxy|el resto de paginas web
        |el resto de webs|el resto de las webs|las demas webs|las demas paginas web
        |otras paginas web|other web pages|every other site|every other website
        |all other sites|all other websites|other online services|other online
        |problem is on our side|issue is on our side|problem was on our side
        |issue was on our side|it was on our side|fault on our side|problema es nuestro
        |problema era nuestro|era de nuestro lado|fallo nuestro|problema de nuestro lado""",
    "MAINT": """maintenance|mantenimiento|maintenance mode|maintenance window
        |scheduled maintenance|planned maintenance|modo mantenimiento|modo de mantenimiento
        |ventana de mantenimiento|mantenimiento programado|mantenimiento planificado""",
    "MAINT STILL": """maintenance never ended|maintenance has not ended
        |maintenance hasn't ended|maintenance did not end|maintenance didn't end
        |maintenance has not finished|maintenance hasn't finished|maintenance is not over
        |maintenance isn't over|maintenance never finished|el mantenimiento no ha terminado
        |el mantenimiento no ha acabado|el mantenimiento no ha finalizado
        |el mantenimiento no termina|el mantenimiento no acaba|el mantenimiento nunca termino
        |mantenimiento sin terminar""",
    "EVERYWHERE TOTAL": """any browser|every browser|all browsers|any device|every device
        |all devices|any computer|every computer|all computers|any pc|every pc|all pcs
        |any network|every network|all networks|any connection|from anywhere|anywhere
        |cualquier navegador|todos los navegadores|cualquier dispositivo
        |todos los dispositivos|cualquier ordenador|todos los ordenadores|cualquier equipo
        |todos los equipos|cualquier red|todas las redes|cualquier conexion
        |desde cualquier sitio|desde cualquier lugar|en cualquier sitio""",
    "EVERYWHERE": """other browsers|another browser|different browsers|several browsers
        |# browsers|both browsers|other devices|another device|different devices
        |other computers|another computer|another pc|other networks|another network
        |different network|different networks|mobile data|4g|5g|hotspot|tethering
        |from outside our network|outside our network|from outside the office
        |otros navegadores|otro navegador|distintos navegadores|varios navegadores
        |# navegadores|ambos navegadores|otros dispositivos|otro dispositivo|otro ordenador
        |otros ordenadores|otro equipo|otros equipos|otra red|otras redes|distintas redes
        |datos moviles|datos del movil|datos del celular|fuera de nuestra red
        |fuera de la oficina""",
    "LOC": """office|offices|branch|branches|head office|headquarters|hq|home|from home
        |at home|working from home|home office|oficina|oficinas|sucursal|sucursales|sede
        |sedes|delegacion|delegaciones|matriz|oficina central|casa|desde casa|en casa
        |teletrabajo|remotely|working remotely|remote users|remote workers
        |remote staff|teletrabajando|teletrabajan|teletrabajamos|en remoto|trabajando en remoto
        |trabajan en remoto""",
    "ROUTE": """api|rest api|api key|integration|integracion|erp|import|imports|importing
        |import address|import folder|mail intake|mail-in|e mail import|scanner|scanner station
        |batch|nightly batch|lote|escaner|importacion|entrada por correo|via the api
        |through the api|por api""",
    "F:search": """search|searches|searching|search index|full-text search|serch|buscador
        |busqueda|busquedas|buscar|buscamos|indice de busqueda|query|queries|indexing
        |indexed|index|indexacion|indexado""",
    "F:OCR": """ocr""",
    "F:previews": """preview|previews|preview pane|preview panel|thumbnail|thumbnails|grid view
        |previsualizacion|previsualizaciones|vista previa|miniatura|miniaturas""",
    "F:notifications": """notification|notifications|notification e mails|e mails|e mail|emails
        |email|mail|mails|reset password mail|notificaciones|notificacion|avisos|correos|correo
        |correos de aviso""",
    "F:exports": """export|exports|exporting|exported|csv|zip|bulk download|download a folder
        |exportacion|exportaciones|exportar|exporta|exportan|exportamos|exporto|exports to
        |descarga masiva|xlsx|excel""",
    "F:reports": """report|reports|reporting|reports section|informe|informes|reporte|reportes""",
    "F:the audit log": """audit log|audit trail|version history|history|registro de auditoria
        |historial|historial de versiones""",
    "F:workflows": """workflow|workflows|approval workflow|flujo|flujo de aprobacion|flujos""",
    "F:e-signature": """signature request|signature requests|solicitudes de firma
        |e signature request|e signature requests|signing request|signing requests
        |solicitud de firma|envelope|envelopes|signers|firmantes|send for signature
        |sent for signature|sending for signature|send for signing|send out for signature
        |send to sign|sent to sign|request a signature|request signatures|signing service
        |signature service|e signature service|e signature integration|docusign|adobe sign
        |enviar a firmar|enviar a firma|envio a firma|envio a firmar|enviado a firma
        |enviados a firma|enviar para firma|envio para firma|mandar a firmar|mandar a firma
        |solicitar firma|solicitar la firma|servicio de firma|servicio de firmas
        |integracion de firma|proveedor de firma""",
    "F:printing": """print|prints|printing|printed|print button|printer|printers|print preview
        |imprimir|imprime|imprimen|imprimimos|impresion|impresiones|impresora|impresoras
        |boton de imprimir""",
    "F:an integration": """webhook|webhooks|connector|conector|sync|syncing|synchronising
        |synchronizing|sincronizacion|sincronizar""",
    "F:the mobile app": """mobile app|phone app|the app on|app del movil|app movil
        |aplicacion movil|app del celular|aplicacion del celular|android|ios""",
    "F:a page or panel": """related documents|documentos relacionados|calendar|calendario|widget
        |tags|etiquetas|comments|comentarios|recycle bin|papelera|settings|configuracion
        |admin panel|admin settings|administracion|profile|perfil|user settings""",
    # ---- actions
    "CREATE DOC": """new document|nuevo documento|cargar documentos|cargar archivos""",
    "CREATE": """upload|uploads|uploaded|uploading|create|creates|created|creating|creation
        |save|saves|saved|saving|add|adds|adding|store|register|subir|sube|suben|subimos
        |subida|subidas|subirlos|crear|crea|crean|creamos|creacion|guardar|guarda|guardan
        |guardado|se guardo|dar de alta|anadir|registrar|edit|editar|process|procesar
        |tramitar|approve|aprobar""",
    "CREATE SIGNING": """sign|signing|signed|firmar|firmado|signature|signatures|e signature
        |digital signature|electronic signature|firma|firmas|firma digital|firma electronica
        |firmas electronicas""",
    "READ": """read|reading|view|viewing|viewer|download|downloads|downloading|downloaded
        |retrieve|pull up|apertura|visor|visualizar|leer|consultar|descargar|descarga
        |descargas|descargarlo|recuperar|localizar|bajar|bajarlo|bajarlos|bajamos""",
    "OPEN": """open|opens|opening|opened|abrir|abre|abren|abrirla|abierto|se abre|se abren
        |se ha abierto|se abrio""",
    "SEE": """see|ver|vemos""",
    "FIND": """find|finds|encontrar|encuentra|encuentran|locate""",
    "REACH": """access|acces|reach|connect|connect to|conect|use|get to|get into|acceder
        |accede|conectar|conectan|usar|llegar|llegamos|entrar en la|entrar en el|entrar al
        |entrar a la|entrar en su|entrar en nuestra|entrar en nuestro|acceder a la
        |acceder al|acceder a su|get into the|access the|log into the|log in to the
        |sign into the|sign in to the|entrar a|entrar en|llega a la|llegan a la|llega al
        |llegan al|llegamos al|llegamos a la|llegaron a la|get onto|get onto the|ingresar a
        |ingresar al|ingresar en|ingresa a|ingresan a|ingresamos a""",
    # ---- states
    "DOWN PARTICLE": """down""",
    "DOWN": """offline|unreachable|inaccessible|inaccesible|unresponsive|outage now
        |caido|caida|caidos|se cayo|se ha caido|se nos ha caido|fuera de linea
        |fuera de servicio|sin servicio|bad gateway|gateway time-out|gateway timeout
        |service unavailable|service temporarily unavailable|servicio no disponible|502|503
        |504|no connection|no conection|sin conexion
        |tiempo de espera agotado|se ha agotado el tiempo|se agoto el tiempo
        |agoto el tiempo de espera|tenant not found|site not found|website not found
        |workspace not found|instance not found|sitio no encontrado|no se encuentra el sitio
        |full outage|complete outage|caida completa|not there
        |maintenance page|pagina de mantenimiento|be back soon|volvemos enseguida
        |be back shortly|back shortly|volveremos en breve|volvemos en breve
        |volveremos enseguida|down for maintenance|cerrado por mantenimiento
        |loss of service|interruption of service|interrupcion total del servicio
        |interrupcion del servicio|total outage|caida total|caida general|cut off
        |no responden|no responde|sin estar disponible|sin responder|won't connect
        |no conecta|blank white page|pagina en blanco|white page|grey page|stopped responding
        |dejo de responder|ha dejado de responder|han dejado de responder|white screen
        |blank screen|blank page|pantalla blanca|pantalla en blanco|isn't there|is not there
        |isnt there|is no longer there|aren't there|no esta ahi|ya no esta|cayo""",
    "DOWN NET": """connection refused|connection timed out|connection has timed out
        |connection reset|connection was reset|can't be reached|cannot be reached
        |can not be reached|server unreachable|host unreachable|cannot connect to server
        |could not reach server|no connection to server|secure connection failed
        |refuses to connect|refused to connect|netfail|dns error|non-existent domain
        |not resolve|no longer resolves|does not resolve|doesn't resolve
        |no se puede acceder a este sitio|no se puede acceder al sitio|conexion segura fallida
        |conexion rechazada|ha rechazado la conexion|se ha rechazado la conexion
        |se ha restablecido la conexion|error de dns|dominio inexistente|no resuelve
        |tiempo de espera de la conexion|se agoto el tiempo de espera de la conexion
        |se ha agotado el tiempo de espera de la conexion|la conexion ha caducado
        |la conexion ha expirado""",
    "FAIL TIMEOUT": """times out|timed out|time out|timeout|timeouts|took too long to respond
        |takes too long to respond|taking too long to respond|tarda demasiado en responder
        |tardo demasiado en responder|tardado demasiado en responder""",
    "UNAVAIL": """unavailable|not available|no disponible|no esta disponible|indisponible
        |falta de disponibilidad|lack of availability|indisponibilidad
        |no estara disponible|temporarily unavailable|no accesible""",
    "FAIL": """fail|fails|failed|failing|failure|error|errors|broken|crash|crashes|crashed
        |hangs|hang|stuck|spins|spin|spinning|blank|empty|0 byte|0-byte|0 kb|0 bytes|missing
        |disappeared|gone|lost|corrupted|corrupt|not found|never arrives|never arrive
        |never get|never gets|not generated|could not be generated|couldn't be generated
        |cannot be generated|can't be generated|could not generate|couldn't generate
        |failed to generate|not sent|stay pending|stays pending
        |pending delivery|invalid|rejected|rejects|rejecting|forbidden|403|404|500
        |internal server error
        |unexpected error|redirected back|loop
        |over and over|not permitted|not allowed|disabled|falla|fallan|fallo|fallido|fallida
        |fallidas|roto|rota|se cuelga|se queda gris|en blanco|vacio|vacia|vacios|faltan
        |falta|desaparecido|desaparecidos|han desaparecido|perdido|perdidos|se pierden
        |corrupto|no llega|no llegan|nunca llega|nunca les llega|no se generan|no se envian
        |no valido|no se ha podido generar|no se pudo generar|no se puede generar
        |no se genera|rechaza|rechazan|prohibido|bucle|se cierra|da error|dan error|sale error
        |no se guardo|no se encuentra|stopped working|se ha parado|declined|spins forever
        |not firing|not fired|not moving|not advancing|not processing|not being processed
        |stopped being processed|stopped advancing|no procesa|no avanza|pendiente|wrong
        |incorrect|incorrecto|incorrecta|land in spam|mal|receives nothing|receive nothing
        |returns nothing|return nothing|does nothing|shows nothing|gets nothing|get nothing
        |no hace nada|no devuelve nada|no llega nada|no sale nada|no se ve nada|se colgo
        |greyed out|grayed out|throws|throwing|keeps crashing|goes blank|grey box|gray box
        |recuadro gris|caja gris|grey screen|gray screen|pantalla gris|stays grey|stays gray
        |blank box|grey icon|gray icon|icono gris|denied|access denied|permission denied
        |acceso denegado|denegado|no autorizado|unauthorized|unauthorised|broke|rechazado
        |bug|bugs|glitch|glitches|busted|hung|colgado|tildado|se tilda|se tildo|bloqueado""",
    "FAIL NEG": """stopped|has stopped|have stopped|ha dejado de|han dejado de|dejado de
        |dejo de|dejaron de""",
    "CREATE FAIL": """read only mode|in read only|modo solo lectura|modo de solo lectura
        |en solo lectura|modo lectura""",
    "WORKS": """works|work|working|worked|fine|ok|okay|normally|as usual|as normal|normal
        |correctly|no problem|no problems|without problems|without any problem
        |without a problem|is up|are up|is clearly up|is still up|up and running|is running
        |running|reachable|is reachable|responds|responding|accessible|available|operational
        |green|funciona|funcionan|funcionando|funciono|ha funcionado|va bien|van bien
        |anda bien|andan bien|bien|con normalidad|sin problema|sin problemas|correctamente
        |disponible|accesible|responde|esta en marcha|en marcha|esta arriba|arriba
        |sigue funcionando|sigue entrando|still gets in|still work|still works|is fine
        |are fine|are all fine|show fine|shows fine|se ven bien|usable|returning results
        |returns results|devuelve resultados|fires|receive|receives|receiving|received
        |recibe|reciben|recibimos|arrive|arrives|arriving|arrived|llega|llegan|sirve|sirven|anda|andan|jala|funca
        |como siempre|como de costumbre|as always|workin|normalmente|sin incidencias
        |como de normal""",
    "LOAD": """load|loads|loading|loaded|carga|cargan|cargar|cargando|finishes loading
        |termina de cargar""",
    "SLOW": """slow|slowly|slower|slowness|very slow|sluggish|slowing|slows|slowed|slow down
        |slows down|slowing down|slowed down|slowdown|lento|lenta|lentos|lentas
        |lentisimo|lentisima|despacio|response times|response time|tiempos de respuesta
        |tiempo de respuesta|lentitud|demorado|retraso|retrasos|delayed|delay|delays
        |hours late|# hours late|minutes late|# minutes late|days late|# days late|arrive late
        |arrives late|arriving late|arrived late|come in late|comes in late|con retraso
        |con horas de retraso|llega tarde|llegan tarde|llegaron tarde|retrasado|retrasados
        |retrasada|retrasadas|atrasado|atrasados|atrasada|atrasadas""",
    "TAKES": """takes|take|taking|took|tarda|tardan|tardaba|demora|demoran|se demora|se demoran""",
    "TIME": """seconds|second|minutes|minute|hours|segundos|minutos|horas|forever|ages
        |eternity|minuto|segundo|hora|media hora|s|sec|secs|seg|segs|min|mins|h|hrs""",
    "INTERMIT": """intermittent|intermittently|on and off|came back by itself|back by itself
        |keeps dropping|drops|dropping|dropping out|drop out|kicked out|disconnects
        |disconnections|disconnected|sporadic|intermitente|intermitentes|se corta|cortes
        |pierden la sesion|desconexiones|regresa solo|se ha vuelto a caer|vuelto a caer
        |entre una caida y otra|between the drops|comes back by itself|then it comes back
        |se cae y vuelve|unstable|inestable|goes down and comes back|se cae cada
        |kicks us out|logs us out|logged out|nos echa|nos saca|nos desconecta|se desconecta""",
    "OFTEN": """every # minutes|every few minutes|every so often|a minute or two|twice
        |three times|# times|several times|from time to time|now and then|sporadically
        |randomly|occasionally|each time|at times|sometimes|cada rato|cada # minutos|a ratos
        |de vez en cuando|a veces|varias veces|dos veces|tres veces|# veces|uno o # minutos
        |unos # minutos|cada tanto|por momentos|cada poco rato|cada poco|cada dos por tres""",
    "RECOVER": """back now|is back|are back|it back|back in|back up|works again|working again
        |work again|all good now|all fine now|fine now|returning results again|ya funciona
        |ha vuelto|vuelve a funcionar|vuelve a estar disponible|funciona de nuevo|ya entra
        |vuelve a dar|ya va|we can all work again|todos podemos trabajar|ahora funciona|ahora va
        |now it works|it works now|works now|working now|funciona ahora""",
    "EXAGG": """everything is broken|everything broken|nothing works|nothing is working
        |completely unusable|unusable|dead|is dead|todo roto|esta todo roto|no funciona nada
        |inservible|es inservible""",
    "STANDSTILL": """completely blocked|totally blocked|completamente bloqueados
        |totalmente bloqueados|totalmente bloqueado|at a standstill|sitting idle
        |personas paradas|esta parada|estan parados|estamos parados
        |todo el despacho detenido|detenido|detenidos|paralizados|paralizada
        |back office is stopped|equipo de operaciones esta parado|paralizado""",
    "NOFAULT": """nothing broken|nothing is broken|everything is working|everything works
        |everything working|everything working fine|everything working well
        |everything is running fine|todo funcionando|todo esta funcionando
        |everything is working well|everything is working fine|all good|no hay nada roto
        |todo funciona|todo funciona bien|todo ha funcionado bien|everything has worked fine
        |quedo todo|confirmed|confirmado|not a fault|no fault|not a bug|no es un fallo
        |no es ningun fallo|no es una incidencia|all fine|everything is fine|everything fine
        |todo bien|todo va bien|va todo bien|all is well|ningun problema|ningun error
        |ningun fallo|no hay ningun problema|no hay problema""",
    "RETRACT": """sorry for the noise|false alarm|my mistake|my bad|user error|never mind
        |nevermind|ignore my last|ignore my previous|please ignore|disregard|falsa alarma
        |error mio|culpa mia|fallo mio|olvidad mi|ignorad mi|ignorad el|no era un fallo
        |wasn't a fault|was not a fault""",
    "LOWIMPACT": """cosmetic|purely cosmetic|typo|not a big problem|not a big deal|not a problem
        |minor issue|pixels|cosmetico|errata|tonteria|no es grave|cosa menor|una tonteria""",
    "FORGOT": """forgot my password|forgot the password|forgotten my password
        |olvidado mi contrasena|olvide mi contrasena|olvidado la contrasena""",
    # ---- modality
    "NEG": """not|no|never|n't|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|won't|hasn't
        |haven't|hadn't|dont|doesnt|dosnt|didnt|isnt|arent|wont|hasnt|havent|nunca|tampoco
        |no longer|no se|no le|no nos|no me|no les|no lo|no la|sin|without""",
    "NEGLONG": """don't think|do not think|no creo|i don't think|neither|nor|ni""",
    "ABLE": """can|could|able to|is able to|are able to|managed to|has managed to|manage to
        |puede|pueden|puedo|podemos|pudimos|consigue|consiguen|conseguimos|consigo|ha podido
        |han podido|hemos podido|se puede|se pueden|deja|dejan|permite|has been able to
        |have been able to""",
    "NOTABLE": """can't|cannot|can not|cant|couldn't|could not|couldnt|unable to|unable
        |not able to|imposible|impossible|no way to|no other way to|no hay manera de
        |no hay forma de|there's no way to|there is no way to|sin poder
        |without being able to""",
    "TOTAL": """any|every|all|each|a single|cualquier|cualquiera|todos los|todas las|cada""",
    "NEG TOTAL": """nothing goes in|nothing|nada|no single|not a single|not one|ni un|ni una
        |ni un solo|ni una sola|not even|ningun|ninguna""",
    # ---- scope
    "NEG ALL": """nobody|no one|noone|nobdy|none of us|none of our|none of the|no user|no users
        |not one user|none|nadie|ninguno|ningun usuario|ninguno de|ninguna de|ninguno podemos
        |not a single user|ni un solo usuario|no single user""",
    "ALL": """everyone|everybody|all users|all of us|all our users|all of our users
        |all of them|all staff|all # users|all # staff|every user|every account|each user
        |for all|for anyone|anyone|any of us|any user|cualquiera de nosotros
        |cualquiera de los usuarios|cualquier usuario|all employees|whole company
        |whole office|whole team|whole firm|entire company|entire office|company-wide
        |company wide|both sites|both offices|all branches|all three branches|all hotels
        |all of hr|todos|todas|a todos|para todos|todo el mundo|toda la empresa
        |toda la oficina|todo el equipo|todo el despacho|todos los usuarios|a los # usuarios
        |los # usuarios|todas las sedes|all users including|including admins
        |including administrators|administrators included|admins included
        |administradores incluidos|tambien los dos administradores|affects everyone
        |affecting everyone|affecting all users|whole team is waiting|todo el personal
        |toda la plantilla|a toda la plantilla|all our staff|all personnel|the whole staff
        |toda la organizacion|the entire organisation|the entire organization
        |entire organisation|entire organization|whole organisation|whole organization
        |todos los empleados|todos los companeros|todos los trabajadores|todos nosotros
        |todas las oficinas|todas las sucursales|toda la gente|todo el departamento
        |all colleagues|all of the users|all the users|the entire team|the whole department
        |every single user|every employee|all of our staff|all our employees|everyone in
        |everybody in|todo el personal de|our users|nuestros usuarios|our staff
        |our employees|nuestros empleados|nuestro personal|los usuarios|the users
        |every one of|each one of|cada uno de|cada una de|todos y cada uno|for us|just us
        |all # of us|all # of them|the # of us|all # of our|both of us|a los # nos
        |los # que somos|las # que somos|todos los # que somos|los # de la oficina
        |only us|para nosotros|a nosotros""",
    # ---- phrases that only keep their words from being read as something else
    "-": """as well|set up|sign up|up to|thanks again|not only|not just|no rush|no hurry
        |sin prisa|no corre prisa|not urgent|no es urgente|right away|to report
        |would like to report|report a|report an|console reports|reportar|works exclusively
        |works from|work from|works with|work with|works on|work on|trabaja con|trabajan con
        |trabajamos con|webhook log|connector log|the log|error log|logs|nada mas|en si
        |mientras tanto|in the meantime|any idea|any ideas|any update|any news|alguna idea
        |alguna novedad|come back to|get back to|please see|please find
        |see attached|find attached|adjunto|os adjunto|te adjunto|on and off the
        |on and off our|on and off vpn|read only|solo lectura|de solo lectura|appears to
        |appear to|seems to|parece que|parece|on our side|our side|on our end|at our end
        |por nuestra parte|de nuestro lado|por nuestro lado|looks fine|seems fine|looks ok
        |seems ok|looks normal|seems to work|parece que va bien|parece que funciona
        |aparentemente|drop down|dropdown|scroll down|narrow down|write down|track down
        |let down|let us down|further down|down below|upside down|down arrow
        |stops us working|stops us from working|stopping us from working|stopped us working
        |stops us working normally|prevents us from working|prevents us from working normally
        |keeps us from working|nos impide trabajar|nos impide trabajar con normalidad
        |nos impide trabajar bien|no nos deja trabajar|no nos deja trabajar con normalidad
        |no nos deja trabajar bien
        |same as last week|same as last month|same as last time|like last week|like last month
        |like last time|just like last week|just like last month|just like last time
        |igual que la semana pasada|igual que el mes pasado|igual que la ultima vez
        |como la semana pasada|como el mes pasado|como la ultima vez|como la otra vez
        |ha vuelto a pasar|ha vuelto a ocurrir|ha vuelto a suceder|vuelve a pasar
        |vuelve a ocurrir""",
    "SOME": """some users|some of our users|some of us|a few users|several users
        |# of our # users|# of our #|some people|algunos usuarios|algunos|varios usuarios
        |# de nuestros""",
    "ONE": """one user|one of our|our colleague|a colleague|one colleague|one person
        |a single user|one employee|she gets|he gets|her account|his account|una usuaria
        |un usuario|uno de nuestros|una de nuestras|nuestra companera|nuestro companero
        |only one user|una sola persona""",
    "OTHERS": """everyone else|everybody else|the other #|the others|his colleagues
        |her colleagues|other users|the rest of the office|the rest of the team|colleagues open
        |el resto de la oficina|el resto del equipo|sus companeros|los demas usuarios|los demas
        |el resto de usuarios|my colleagues|mis companeros|my coworkers|our other users
        |nuestros otros usuarios|los otros usuarios|the other users""",
    "PARTIAL": """one document|a single document|one specific document|one specific
        |one folder|in one folder|only in|one page|larger than|bigger than|over # mb
        |more than # mb|smaller|other folders|any other folder|all other documents
        |other documents|some documents|mas de # mb|mas pequeno|lo mas pequeno
        |las demas carpetas|otras carpetas|otros documentos|los demas documentos
        |ese documento|un documento concreto|un solo documento|un unico documento
        |solo un documento|un documento en concreto|una carpeta concreta|una sola carpeta
        |solo una carpeta|una carpeta en concreto|uno de los documentos""",
    # ---- clause marks
    "PAST": """last week|last month|last tuesday|last monday|last wednesday|last thursday
        |last friday|last time|last year|yesterday outage|fixed|fixing|quick fix|resolved
        |sorted|solved|semana pasada|mes pasado|martes pasado|lunes pasado|pasado|de ayer
        |arreglar|arreglado|resolver|resuelto|resolvisteis|se resolvio|solucionado
        |estuvo caida|estuvo caido|del lunes|del martes|del miercoles|del jueves|del viernes
        |del sabado|del domingo|monday outage|tuesday outage|wednesday outage
        |thursday outage|friday outage|incident report|outage report|post mortem|postmortem
        |root cause|rca|informe de la incidencia|informe de la caida|informe del incidente
        |informe de incidencia|compensation|compensacion|refund|reembolso|service credit
        |service credits|sla credit|abono|indemnizacion|what happened|que paso|que ha pasado
        |que ocurrio""",
    "HYPO": """if|whether|in case|ever|will the|would|will be|si|si no|en caso|estara|habra|sera
        |as if
        |por si""",
    "SINCE": """since|desde|right now|ahora mismo|today|now|this morning|currently
        |at the moment|hoy|ahora|esta manana|actualmente|en este momento""",
    "SINCE STILL": """still|sigue|siguen|seguimos|todavia""",
    "HOWTO": """how do|how can|how to|how should|how long|is there a way|is there any way
        |is it possible|would it be possible|where can|where do|where is|where are|which|what is
        |what are|does your|can we|can i|can an|como|donde|cual|cuanto|cuantos|que diferencia
        |existe|hay alguna|hay algun|es posible|seria posible|quick question|quick q
        |pregunta rapida|curious|curiosidad|wondering|pregunta|question|duda|consulta|is there
        |are there|do you|does it|will there be""",
    "REQUEST": """could you|can you|can u|would you|please add|please send|please resend
        |please confirm|podeis|podriais|podrias|me podeis|nos podeis|me pueden|nos pueden
        |me colaboran|could we|let me know|decidme|necesito saber|please|por favor|kindly
        |we would like|we'd like|queremos|querriamos|nos gustaria|i would like|i'd like
        |me gustaria|me podrian|nos podrian|podrian|quisiera|quisieramos|necesitamos saber
        |could u|can someone""",
    "BETWEEN": """in between|between drops|between outages|the rest of the time|entre medias
        |el resto del tiempo|entre caida y caida|entre corte y corte""",
    "WHEN": """when|whenever|cuando|siempre que|cada vez que""",
    "WISH": """need|needs|we need|we really need|want|wants|we want|hope|hoping|expect
        |necesito|necesitamos|necesita|necesitan|quiero|espero|esperamos|ojala""",
    "SUGGEST": """suggestion|feature request|idea|would be great|would be nice|would be useful
        |would be helpful|would love|it would save|nice to have|roadmap|sugerencia
        |estaria genial|estaria bien|seria util|seria genial|seria muy util|nueva funcionalidad
        |propuesta de mejora""",
    "THANKS": """thanks|thank you|happy new year|satisfied|very satisfied|# stars|wish
        |close the ticket|you can close|gracias|feliz ano|agradecer|agradezco
        |cerrar la incidencia|cerrar el ticket|podeis cerrar|happy holidays|felices fiestas
        |feliz navidad|merry christmas|season greetings|congratulations|congrats|well done
        |great job|good job|looks great|love the new|enhorabuena|felicidades|felicitaciones
        |queda genial|buen trabajo|kudos|appreciate|agradecemos|os agradezco|have a good
        |have a nice|buen fin de semana|feliz""",
    "SHOWS": """appear|appears|appearing|aparece|aparecen|show up|shows up|comes up""",
    "LAG": """latency|performance|latencia|rendimiento|degradation|degradacion|degraded""",
    "NOTABLE ONE": """""",
    "HANGS": """se queda cargando|se quedan cargando|se queda pensando|keeps loading
        |keeps spinning|loads forever|just spins|sigue cargando|se trabo|se traba|trabado
        |se queda trabado|freezes|frozen|froze|se congela|se congelo|freeze""",
    "ACCESS WORKS": """entramos|we log in|we get in|logramos entrar|iniciamos sesion
        |conseguimos entrar|we sign in""",
    "BROWSE WORKS": """navegamos|we browse|vemos el panel|vemos las carpetas
        |we see the dashboard|we get the dashboard|get the dashboard|see the dashboard
        |vemos los documentos|we see the documents""",
    "NEG TOTAL PAGE": """no page|no pages|ninguna pagina|not a single page|ni una pagina
        |not one page""",
    "TOTAL PAGE": """whatever you click|whatever we click|whatever i click|wherever you click
        |wherever we click|wherever i click|anything you click|anything we click
        |anything i click|no matter what you click|no matter what we click
        |no matter where you click|no matter where we click|whatever page|whichever page
        |every click|pinches donde pinches|pinchemos donde pinchemos|pinche donde pinche
        |hagas clic donde hagas clic|hagamos clic donde hagamos clic|da igual donde pinches
        |da igual donde pinchemos|da igual donde hagas clic|da igual lo que pinches
        |pinches lo que pinches|cualquier cosa que pinches|cualquier enlace|cada clic""",
    "NEG TOTAL DOC": """no document|no documents|no file|no files|no new documents
        |ningun documento|ningun doc|ningun expediente|ningun fichero|ni un documento
        |not a single document|no doc|no docs""",
    "NOTABLE ME": """i can't|i cannot|i can not|i cant|i couldn't|i could not|i am unable to
        |i'm unable to|no puedo|no consigo|no he podido""",
    "ME": """my account|mi cuenta|mi usuario|my user|for me|only me|just me|only for me
        |solo a mi|a mi me""",
}

# Phrases built from two lists, added where the lists above do not have them already:
# (key, first parts, second parts). "the rest of the" + "staff" is everyone else
# (OTHERS: so one user is affected), as "the rest of the" + "platform" is the rest of the
# service (REST, above); "the rest of the internet", "internet works" are not ours.
COMPOSED: tuple[tuple[str, str, str], ...] = (
    ("OTHERS", """the rest of the|the rest of our|the rest of|el resto del|el resto de la
        |el resto de los|el resto de las|el resto de|los demas|las demas|all the other
        |todos los demas|todas las demas""",
     """staff|team|office|users|user|colleagues|people|employees|company|firm|department
        |practice|branch|us|personal|equipo|oficina|usuarios|usuarias|companeros|companeras
        |gente|empleados|empresa|despacho|departamento|plantilla|trabajadores|sede|sucursal
        |nosotros"""),
    ("EXTERNAL", """the rest of the|everything else on the|everything else on|el resto de
        |lo demas de|todo lo demas de|our|our own|nuestro|nuestra|el|la conexion a
        |la conexion de""",
     """internet|internet connection|conexion a internet|conexion"""),
    ("EXTERNAL", """internet|internet connection""",
     """works|is fine|is working|funciona|va bien|funciona bien|anda bien|va|esta bien"""),
    # a day said by its date is not today: "on 3 June our workspace was unreachable", "el
    # 12 de marzo el servicio estuvo caído" (PAST; "since 3 June" stays SINCE)
    ("PAST", """on #|on the #|on""",
     """january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug
        |september|sep|sept|october|oct|november|nov|december|dec|january #|jan #
        |february #|feb #|march #|mar #|april #|apr #|may #|june #|jun #|july #|jul #
        |august #|aug #|september #|sep #|sept #|october #|oct #|november #|nov #
        |december #|dec #"""),
    ("PAST", """el #|el dia #|el pasado #|caida del #|caida del dia #|corte del #
        |incidencia del #|incidente del #|interrupcion del #""",
     """de enero|de febrero|de marzo|de abril|de mayo|de junio|de julio|de agosto
        |de septiembre|de setiembre|de octubre|de noviembre|de diciembre"""),
)

# Spanish states and quantifiers agree with their noun: for each one-word phrase under
# these concepts that ends in -o, the -a, -os and -as forms mean the same ("ninguno",
# "ninguna"; "rechazado", "rechazadas").
GENDERED = frozenset({"FAIL", "UNAVAIL", "STANDSTILL", "HANGS", "SLOW", "NEG ALL"})
