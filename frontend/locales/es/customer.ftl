# Orderboard en español. Los mismos ids que en/customer.ftl (el test lo comprueba).

## Stages and channels
stage-received = Recibido
stage-preparing = En preparación
stage-ready = Listo
stage-out_for_delivery = En reparto
stage-collected = Recogido
stage-delivered = Entregado
stage-cancelled = Cancelado
channel-pickup = Para llevar
channel-delivery = A domicilio

## Counts and ages
orders-count = { $count ->
    [one] { $count } pedido
   *[other] { $count } pedidos
}
age-minutes = { $minutes ->
    [one] { $minutes } min
   *[other] { $minutes } min
}
age-slow = ▲ lento
age-late = ■ tarde

## The connection badge
conn-connecting = Conectando…
conn-live = En directo
conn-reconnecting = Reconectando…
conn-offline = Sin conexión desde las { $time }
conn-ended = Actualizaciones terminadas

## The language switch
language-label = Idioma

## The board
board-title = Estado de pedidos · Orderboard
board-heading = Estado de pedidos
board-preparing = En preparación
board-ready = Listos
board-empty = Aquí aparecen los pedidos listos
board-sound = Toque para activar el sonido
board-page = Página { $page } de { $pages }

## The tracking page
track-title = Su pedido · Orderboard
track-order-number = Número de pedido
track-announce = Pedido { $number }: { $stage }
track-ended-cancelled = Las actualizaciones en directo han terminado.
track-ended-complete = Este pedido está completo. Las actualizaciones en directo han terminado.
track-progress = Progreso
track-items = Artículos
track-whose-order = Pedido de { $name }
track-your-order = Su pedido
track-not-found-heading = Pedido no encontrado
track-not-found-text = Este enlace no corresponde a ningún pedido. Compruebe el enlace o pregunte en el mostrador.
track-loading = Buscando su pedido…
track-queue = Cola
track-queue-ahead = { $count ->
    [0] El siguiente en la cola
    [one] { $count } pedido por delante
   *[other] { $count } pedidos por delante
}
track-queue-ready-around = Listo hacia las { $time }
track-queue-any-moment = Listo en cualquier momento
track-queue-typical = Espera habitual: unos { $minutes } min
headline-received = Pedido recibido
detail-received = La cocina tiene su pedido y empezará enseguida.
headline-preparing = En preparación
detail-preparing = Estamos preparando su pedido ahora mismo.
headline-ready-pickup = Listo para recoger
detail-ready-pickup = Acérquese al mostrador y muestre su número.
headline-ready-delivery = Listo, esperando al repartidor
detail-ready-delivery = Su pedido está empaquetado y sale enseguida.
headline-out = En reparto
detail-out = Su pedido va de camino.
headline-collected = Recogido
headline-delivered = Entregado
detail-enjoy = ¡Que aproveche!
headline-cancelled = Cancelado
detail-cancelled = Este pedido se ha cancelado. Si no lo esperaba, pregunte en el mostrador.

## The ready alert
alert-heading = Aviso de pedido listo
alert-turn-off = Aviso activado: desactivar
alert-turn-on = Avísame cuando esté listo
alert-notify-title = El pedido { $number } está listo
alert-notify-body = Recójalo en el mostrador.
alert-on-notification = Activado: cuando su pedido esté listo, su móvil mostrará una notificación, sonará y vibrará, aunque esta página esté en segundo plano. Mantenga el navegador abierto.
alert-on-refused = Activado, sin notificaciones: están bloqueadas para este sitio, así que no verá nada con la pantalla bloqueada. Mientras esta página siga abierta, sonará, vibrará y hará parpadear su título cuando su pedido esté listo.
alert-on-insecure = Activado, sin notificaciones: esta página no usa una conexión segura (https), así que su móvil no puede mostrarlas. Mientras esta página siga abierta, sonará, vibrará y hará parpadear su título cuando su pedido esté listo.
alert-on-unsupported = Activado, sin notificaciones: este navegador no puede mostrarlas. Mientras esta página siga abierta, sonará, vibrará y hará parpadear su título cuando su pedido esté listo.
alert-on-not-asked = Activado: cuando su pedido esté listo, esta página sonará y vibrará.
alert-off-insecure = Esta página no usa una conexión segura (https), así que no puede enviar notificaciones. Si lo activa, sonará, vibrará y hará parpadear su título cuando su pedido esté listo, mientras la página siga abierta.
alert-off-refused = Las notificaciones están bloqueadas para este sitio. Si lo activa, esta página sonará, vibrará y hará parpadear su título cuando su pedido esté listo, mientras siga abierta.
alert-off-unsupported = Este navegador no puede mostrar notificaciones. Si lo activa, esta página sonará, vibrará y hará parpadear su título cuando su pedido esté listo, mientras siga abierta.
alert-off = Si lo activa, su móvil mostrará una notificación, sonará y vibrará cuando su pedido esté listo. El navegador le preguntará si este sitio puede enviar notificaciones; si no lo permite, seguirá teniendo sonido y vibración mientras esta página esté abierta.

## The page for an unknown address
not-found-title = No encontrada · Orderboard
not-found-heading = Página no encontrada
not-found-text = Esta dirección no forma parte de Orderboard.
not-found-link = Ir al panel de pedidos

# The kitchen model: scheduled and served orders, dine-in.
stage-scheduled = Programado
stage-served = Servido
channel-dine_in = En mesa
headline-scheduled = Pedido programado
detail-scheduled = La cocina empezará su pedido a tiempo para la hora que eligió.
headline-ready-dine-in = Listo
detail-ready-dine-in = Su pedido va de camino a su mesa.
headline-served = Servido
