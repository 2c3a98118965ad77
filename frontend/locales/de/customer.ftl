# Orderboard auf Deutsch. Dieselben Ids wie en/customer.ftl (der Test prüft es).

## Stages and channels
stage-received = Eingegangen
stage-preparing = In Zubereitung
stage-ready = Fertig
stage-out_for_delivery = Unterwegs
stage-collected = Abgeholt
stage-delivered = Geliefert
stage-cancelled = Storniert
channel-pickup = Abholung
channel-delivery = Lieferung

## Counts and ages
orders-count = { $count ->
    [one] { $count } Bestellung
   *[other] { $count } Bestellungen
}
age-minutes = { $minutes ->
    [one] { $minutes } Min.
   *[other] { $minutes } Min.
}
age-slow = ▲ langsam
age-late = ■ spät

## The connection badge
conn-connecting = Verbinde…
conn-live = Live
conn-reconnecting = Verbinde neu…
conn-offline = Offline seit { $time }
conn-ended = Keine Updates mehr

## The language switch
language-label = Sprache

## The board
board-title = Bestellstatus · Orderboard
board-heading = Bestellstatus
board-preparing = In Zubereitung
board-ready = Fertig
board-empty = Fertige Bestellungen erscheinen hier
board-sound = Tippen, um den Ton einzuschalten
board-page = Seite { $page } von { $pages }

## The tracking page
track-title = Ihre Bestellung · Orderboard
track-order-number = Bestellnummer
track-announce = Bestellung { $number }: { $stage }
track-ended-cancelled = Die Live-Updates sind beendet.
track-ended-complete = Diese Bestellung ist abgeschlossen. Die Live-Updates sind beendet.
track-progress = Fortschritt
track-items = Artikel
track-whose-order = Bestellung für { $name }
track-your-order = Ihre Bestellung
track-not-found-heading = Bestellung nicht gefunden
track-not-found-text = Dieser Link passt zu keiner Bestellung. Bitte prüfen Sie den Link oder fragen Sie an der Theke.
track-loading = Ihre Bestellung wird gesucht…
track-queue = Warteschlange
track-queue-ahead = { $count ->
    [0] Als Nächstes an der Reihe
    [one] { $count } Bestellung vor Ihnen
   *[other] { $count } Bestellungen vor Ihnen
}
track-queue-ready-around = Fertig gegen { $time }
track-queue-any-moment = Jeden Moment fertig
track-queue-typical = Übliche Wartezeit: etwa { $minutes } Min.
headline-received = Bestellung eingegangen
detail-received = Die Küche hat Ihre Bestellung und beginnt gleich damit.
headline-preparing = In Zubereitung
detail-preparing = Ihre Bestellung wird gerade zubereitet.
headline-ready-pickup = Fertig zur Abholung
detail-ready-pickup = Bitte kommen Sie an die Theke und zeigen Sie Ihre Nummer.
headline-ready-delivery = Fertig, wartet auf den Fahrer
detail-ready-delivery = Ihre Bestellung ist verpackt und geht gleich los.
headline-out = Unterwegs zu Ihnen
detail-out = Ihre Bestellung ist auf dem Weg zu Ihnen.
headline-collected = Abgeholt
headline-delivered = Geliefert
detail-enjoy = Guten Appetit!
headline-cancelled = Storniert
detail-cancelled = Diese Bestellung wurde storniert. Bitte fragen Sie an der Theke, falls das unerwartet ist.

## The ready alert
alert-heading = Fertig-Hinweis
alert-turn-off = Hinweis ist an: ausschalten
alert-turn-on = Sagen Sie mir, wenn sie fertig ist
alert-notify-title = Bestellung { $number } ist fertig
alert-notify-body = Bitte holen Sie sie an der Theke ab.
alert-on-notification = An: Wenn Ihre Bestellung fertig ist, zeigt Ihr Handy eine Mitteilung, spielt einen Ton und vibriert, auch wenn diese Seite im Hintergrund ist. Lassen Sie den Browser offen.
alert-on-refused = An, ohne Mitteilungen: Sie sind für diese Seite blockiert, daher erscheint bei gesperrtem Bildschirm nichts. Solange diese Seite offen ist, spielt sie einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist.
alert-on-insecure = An, ohne Mitteilungen: Diese Seite hat keine sichere (https-)Verbindung, daher kann Ihr Handy keine anzeigen. Solange diese Seite offen ist, spielt sie einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist.
alert-on-unsupported = An, ohne Mitteilungen: Dieser Browser kann keine anzeigen. Solange diese Seite offen ist, spielt sie einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist.
alert-on-not-asked = An: Wenn Ihre Bestellung fertig ist, spielt diese Seite einen Ton und vibriert.
alert-off-insecure = Diese Seite hat keine sichere (https-)Verbindung und kann daher keine Mitteilungen senden. Eingeschaltet spielt sie einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist, solange die Seite offen ist.
alert-off-refused = Mitteilungen sind für diese Seite blockiert. Eingeschaltet spielt diese Seite einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist, solange sie offen ist.
alert-off-unsupported = Dieser Browser kann keine Mitteilungen anzeigen. Eingeschaltet spielt diese Seite einen Ton, vibriert und lässt ihren Titel blinken, wenn Ihre Bestellung fertig ist, solange sie offen ist.
alert-off = Eingeschaltet zeigt Ihr Handy eine Mitteilung, spielt einen Ton und vibriert, wenn Ihre Bestellung fertig ist. Der Browser fragt, ob diese Seite Mitteilungen senden darf; lehnen Sie ab, bekommen Sie Ton und Vibration trotzdem, solange diese Seite offen ist.

## The page for an unknown address
not-found-title = Nicht gefunden · Orderboard
not-found-heading = Seite nicht gefunden
not-found-text = Diese Adresse gehört nicht zu Orderboard.
not-found-link = Zur Auftragsübersicht

# The kitchen model: scheduled and served orders, dine-in.
stage-scheduled = Geplant
stage-served = Serviert
channel-dine_in = Im Haus
headline-scheduled = Bestellung geplant
detail-scheduled = Die Küche beginnt rechtzeitig zu Ihrem Wunschtermin.
headline-ready-dine-in = Fertig
detail-ready-dine-in = Ihre Bestellung ist auf dem Weg zu Ihrem Tisch.
headline-served = Serviert
