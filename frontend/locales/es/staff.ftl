# Orderboard en español: las pantallas del personal (no están en la versión de clientes).

## The dispatcher's buttons
action-start-preparing = Empezar a preparar
action-mark-ready = Marcar como listo
action-collected = Recogido
action-out-for-delivery = Sale a reparto
action-delivered = Entregado
action-recall-to = Recuperar a { $stage }
action-back-to = Volver a { $stage }
action-cancel = Cancelar
action-fire-now = Empezar ya
action-served = Servido

## The staff settings
settings-language = Idioma de las pantallas del personal
settings-language-browser = Como el navegador

## An order card on the dispatcher
card-label = Pedido { $number }, { $stage }
card-label-for = Pedido { $number } para { $name }, { $stage }
card-age-title = Tiempo en esta etapa
card-qr-title = Enlace de seguimiento y código QR (T)
card-qr-label = QR: enlace de seguimiento del pedido { $number }
card-qr = QR
card-ref-title = Referencia en el sistema del que vino el pedido

## The dispatcher
dispatcher-title = Panel de pedidos · Orderboard
dispatcher-heading = Panel de pedidos
dispatcher-created = Pedido { $number } creado
dispatcher-no-orders = Sin pedidos
dispatcher-loading = Cargando pedidos…
nav-board = Pantalla
nav-workshop = Taller
nav-reports = Informes
nav-keys = Teclas
nav-keys-label = Teclas: atajos de teclado
nav-settings = Ajustes
webhooks-disabled = { $count ->
    [one] { $count } webhook desactivado
   *[other] { $count } webhooks desactivados
}
notice-dismiss = Cerrar
finished-heading = Terminados recientemente
finished-empty = Aquí aparecen los pedidos recogidos, entregados y cancelados, para poder recuperarlos.
cancel-heading = ¿Cancelar el pedido { $number }?
cancel-heading-for = ¿Cancelar el pedido { $number } de { $name }?
cancel-text = La página de seguimiento del cliente lo mostrará como cancelado. Puede recuperarlo desde «Terminados recientemente».
cancel-keep = Mantener pedido
cancel-confirm = Cancelar pedido
dialog-close = Cerrar
keys-heading = Atajos de teclado
keys-panel = Teclado
keys-select = Seleccionar un pedido
keys-advance-keys = A o Intro
keys-advance = Avanzar el pedido seleccionado
keys-recall = Recuperar (un paso atrás)
keys-cancel = Cancelar (pregunta antes)
keys-tracking = Enlace de seguimiento y código QR
keys-new-order = Nuevo pedido
keys-esc = Esc
keys-close = Cerrar un diálogo / quitar la selección
keys-help = Mostrar los atajos
settings-ages = Tiempo que un pedido puede pasar en una etapa antes de que su temporizador cambie de color.
settings-amber = Ámbar después de (minutos)
settings-red = Rojo después de (minutos)
settings-passphrase = Contraseña del personal
settings-passphrase-set = Definida: el personal inicia sesión con ella. Cámbiela aquí.
settings-passphrase-unset = Sin definir: solo este ordenador puede cambiar pedidos. Defina una (un PIN de 4 o más) para que el personal pueda iniciar sesión en otras pantallas.
settings-passphrase-new = Nueva contraseña
settings-passphrase-button = Definir contraseña
settings-passphrase-saved = Contraseña del personal guardada. El personal de otras pantallas inicia sesión con ella.
settings-workshop-link = Abrir el taller
settings-workshop-text = para comparar en directo polling, long polling, SSE y WebSocket.
settings-save = Guardar
settings-amber-not-whole = Ámbar debe ser un número entero de minutos
settings-red-not-whole = Rojo debe ser un número entero de minutos
settings-amber-range = Ámbar debe estar entre 1 y { $max } minutos
settings-red-range = Rojo debe estar entre 1 y { $max } minutos
settings-red-after-amber = Rojo debe ir después de ámbar

## The tracking link dialog and the staff sign-in
qr-heading = Seguir el pedido { $number }
qr-text = Deje que el cliente escanee este código o envíele el enlace.
qr-image = Código QR del enlace de seguimiento
qr-done = Hecho
sign-in-heading = Acceso del personal
sign-in-text = Introduzca la contraseña del personal para ver y cambiar pedidos.
sign-in-passphrase = Contraseña
sign-in-button = Entrar

## The new-order form
form-item = Artículo
form-item-n = Artículo { $n }
form-qty-n = Cantidad del artículo { $n }
form-remove-n = Quitar el artículo { $n }
form-one-less = Uno menos
form-one-more = Uno más
form-channel = Tipo
form-add-item = + Añadir artículo
form-customer = Nombre del cliente
form-note = Nota
form-optional = (opcional)
form-creating = Creando…
form-create = Crear pedido

## What went wrong with a change
failure-network = Servidor no disponible
failure-network-text = El cambio no se ha guardado. Compruebe la conexión y vuelva a intentarlo.
failure-request = La petición ha fallado
failure-status = El servidor respondió con el estado { $status }.
failure-version-conflict = Otra persona cambió este pedido antes
failure-stage-conflict = Ese cambio ya no es posible
failure-number-in-use = Número en uso
failure-validation = Revise el pedido
failure-not-found = No encontrado
failure-no-free-number = No queda ningún número de pedido libre
failure-too-many-changes = Este pedido ya no puede cambiar
failure-demo-not-running = La demo no está en marcha
failure-cannot-move = ya no puede avanzar
failure-can-move = puede pasar a { $stages }
failure-can-move-either = puede pasar a { $stages } o { $last }
failure-real-state = El pedido { $number } ({ $channel }) está ahora en { $stage }; { $next }. Su cambio no se ha aplicado.

## The reports
reports-title = Informes · Orderboard
reports-prep = Tiempos de preparación
reports-from = Desde
reports-to = Hasta
reports-by = Por
reports-zone = Zona horaria
reports-show = Mostrar
reports-export = Exportar CSV
reports-finished = Pedidos terminados
reports-search-placeholder = Número, nombre o referencia
reports-search = Buscar
reports-newer = Más recientes
reports-older = Más antiguos
reports-found = { $count } encontrados · página { $page } de { $pages }
reports-handed-over = Entregados
reports-cancelled = Cancelados
reports-received-ready = Recibido → listo (p50 / p90)
reports-ready-handed = Listo → entregado (p50 / p90)
reports-total = Total (p50 / p90)
reports-total-bar = Total, p50 sobre p90
reports-busiest = Horas punta
reports-hour-orders = { $hour }: { $count ->
    [one] { $count } pedido
   *[other] { $count } pedidos
}
reports-overall = { $count } entregados, { $cancelled } cancelados; total p50 { $p50 }, p90 { $p90 } (zona { $zone }).
reports-recalled = Recuperado a { $stage }: vuelve a estar en el panel de pedidos.
reports-reference = Referencia: { $reference }

## API keys and webhooks
copy = Copiar
keys-api-heading = Claves de API
keys-api-text = Para una caja o una plataforma de reparto: envía la clave como Authorization: Bearer, desde cualquier equipo.
keys-api-name = Nombre
keys-api-read = Leer pedidos
keys-api-write = Crear y avanzar pedidos
keys-api-make = Crear clave
keys-api-once = Copie esta clave ahora: solo se muestra esta vez.
keys-api-revoke = Revocar
hooks-heading = Webhooks
hooks-text = Cada cambio se envía firmado (Standard Webhooks) a estas direcciones y se reintenta durante 24 horas.
hooks-disabled = { $count ->
    [one] { $count } webhook desactivado tras fallar durante 24 horas
   *[other] { $count } webhooks desactivados tras fallar durante 24 horas
}
hooks-address = Dirección
hooks-created = Pedidos nuevos
hooks-stage-changed = Cambios de etapa
hooks-cancelled = Cancelaciones
hooks-add = Añadir endpoint
hooks-once = Copie el secreto de firma ahora: solo se muestra esta vez.
hooks-delete = Eliminar

## The demo driver
demo-sign-in = Inicie sesión como personal para iniciar o detener la demo.
demo-heading = Pedidos de demostración
demo-text = Llena la cocina de pedidos realistas que avanzan solos por sus etapas. La velocidad 1 es el ritmo de una cocina real, 10 es diez veces más rápido; la misma semilla repite los mismos pedidos.
demo-speed = Velocidad
demo-seed = Semilla
demo-reading = Leyendo el estado de la demo…
demo-start = Iniciar demo
demo-stop = Detener demo

# Impresoras de cocina: la sección de ajustes, la barra superior, la tarjeta del pedido.
printers-heading = Impresoras de cocina
printers-intro = Impresoras ESC/POS en la red (puerto 9100). Cada pedido nuevo imprime un tique con los artículos de las estaciones de la impresora (ninguna: todos los artículos); los tiques esperan mientras una impresora está apagada.
printers-name = Nombre
printers-address = Dirección
printers-stations = Estaciones (opcional, separadas por comas)
printers-add = Añadir impresora
printers-every-item = todos los artículos
printers-test = Imprimir prueba
printers-remove = Quitar
printers-online = en línea
printers-unknown = aún sin probar
printers-offline = sin conexión desde { $since }: { $why }
printers-waiting = { $count ->
    [one] { $count } tique en espera
   *[other] { $count } tiques en espera
}
printers-offline-notice = { $count ->
    [one] La impresora { $names } está sin conexión: sus tiques esperan
   *[other] Las impresoras { $names } están sin conexión: sus tiques esperan
}
printers-reprint-queued = { $count ->
    [0] Ninguna impresora imprime este pedido
    [one] Reimpresión en cola
   *[other] Reimpresión en cola en { $count } impresoras
}
printers-error-name = Dé un nombre a la impresora (de 1 a 40 caracteres), como «Parrilla»
printers-error-address = Indique la dirección de la impresora: una dirección IP o un nombre de host, con :puerto si no es 9100
printers-error-stations = Un id de estación tiene de 1 a 40 caracteres; como mucho 20 estaciones
card-reprint = Reimprimir
card-reprint-label = Reimprimir el pedido { $number }
card-reprint-title = Imprimir de nuevo los tiques de cocina de este pedido

# The kitchen: the new-order form's item details, the pass, shared settings.
form-details-n = Detalles del artículo { $n }
form-modifiers = Cambios: sin cebolla, extra de queso
form-modifiers-n = Cambios del artículo { $n }
form-item-note = Nota para la cocina
form-item-note-n = Nota de cocina del artículo { $n }
form-station-n = Estación del artículo { $n }
form-station-from-menu = Estación según la carta
form-table = Mesa
form-due = Para
form-due-hint = (opcional: un pedido programado, hasta 7 días antes)
card-table = Mesa
card-item-done = hecho
card-item-todo = por hacer
card-waiting-on = Esperando a:
card-due = Para
settings-shared = Compartido por todas las pantallas: un cambio se aplica al momento en cada pase, estación y tablero.
settings-stations = Estaciones
settings-stations-help = Una por línea: id | nombre | #color | minutos de preparación (opcional)
settings-stations-example = grill | Parrilla | #ef4444 | 12
settings-stations-screens = Cada estación tiene su propia pantalla en /station/ seguido de su id.
settings-menu = Carta
settings-menu-help = Un plato por línea: nombre | categoría | estación (opcional)
settings-menu-example = Hamburguesa | Principales | grill
settings-kitchen = Cocina
settings-auto-ready = Listo solo cuando se marca el último artículo
settings-dine-in-board = Mostrar los pedidos en sala en el tablero
settings-board-minutes = El tablero mantiene un pedido listo (minutos, 0 = hasta que se recoja; ?ready_minutes= en un tablero tiene prioridad)
settings-board-minutes-error = El tiempo del tablero debe ser un número entero de minutos (0 mantiene los pedidos hasta que se recojan)
settings-sounds = Sonido al llegar un pedido (tablero: cuando uno está listo)
settings-sound-dispatcher = Pase
settings-sound-stations = Estaciones
settings-sound-board = Tablero

# Station screens.
station-title = { $station } · Estación · Orderboard
station-table = Mesa { $table }
station-undo = Deshacer (U)
station-sound-on = Activar sonido
station-dispatcher = Pase
station-items = Por hacer
station-dismiss = Cerrar
station-unknown = No hay ninguna estación con este id en los ajustes.
station-loading = Cargando pedidos…
station-nothing = Nada que hacer
station-all-day = Total pendiente
station-keys = Teclas
station-key-bump = Marcar el artículo en esa posición
station-key-undo = Deshacer la última marca
