# Orderboard auf Deutsch: die Personalansichten (nicht im Kunden-Build).

## The dispatcher's buttons
action-start-preparing = Zubereitung starten
action-mark-ready = Als fertig melden
action-collected = Abgeholt
action-out-for-delivery = Losgefahren
action-delivered = Geliefert
action-recall-to = Zurückholen: { $stage }
action-back-to = Zurück zu { $stage }
action-cancel = Stornieren
action-fire-now = Jetzt starten
action-served = Serviert

## The staff settings
settings-language = Sprache der Personalansichten
settings-language-browser = Wie der Browser

## An order card on the dispatcher
card-label = Bestellung { $number }, { $stage }
card-label-for = Bestellung { $number } für { $name }, { $stage }
card-age-title = Zeit in dieser Phase
card-qr-title = Tracking-Link und QR-Code (T)
card-qr-label = QR: Tracking-Link der Bestellung { $number }
card-qr = QR
card-ref-title = Referenz im System, aus dem die Bestellung kam

## The dispatcher
dispatcher-title = Auftragsübersicht · Orderboard
dispatcher-heading = Auftragsübersicht
dispatcher-created = Bestellung { $number } angelegt
dispatcher-no-orders = Keine Bestellungen
dispatcher-loading = Bestellungen werden geladen…
nav-board = Anzeigetafel
nav-workshop = Werkstatt
nav-reports = Berichte
nav-keys = Tasten
nav-keys-label = Tasten: Tastenkürzel
nav-settings = Einstellungen
webhooks-disabled = { $count ->
    [one] { $count } Webhook-Endpunkt deaktiviert
   *[other] { $count } Webhook-Endpunkte deaktiviert
}
notice-dismiss = Schließen
finished-heading = Kürzlich abgeschlossen
finished-empty = Abgeholte, gelieferte und stornierte Bestellungen erscheinen hier und lassen sich zurückholen.
cancel-heading = Bestellung { $number } stornieren?
cancel-heading-for = Bestellung { $number } für { $name } stornieren?
cancel-text = Die Tracking-Seite des Kunden zeigt sie als storniert. Sie können sie unter „Kürzlich abgeschlossen“ zurückholen.
cancel-keep = Bestellung behalten
cancel-confirm = Bestellung stornieren
dialog-close = Schließen
keys-heading = Tastenkürzel
keys-panel = Tastatur
keys-select = Bestellung auswählen
keys-advance-keys = A oder Enter
keys-advance = Ausgewählte Bestellung weiterschalten
keys-recall = Zurückholen (einen Schritt zurück)
keys-cancel = Stornieren (mit Rückfrage)
keys-tracking = Tracking-Link und QR-Code
keys-new-order = Neue Bestellung
keys-esc = Esc
keys-close = Dialog schließen / Auswahl aufheben
keys-help = Tastenkürzel zeigen
settings-ages = Wie lange eine Bestellung in einer Phase bleiben darf, bevor ihr Timer die Farbe wechselt.
settings-amber = Gelb nach (Minuten)
settings-red = Rot nach (Minuten)
settings-passphrase = Personal-Passwort
settings-passphrase-set = Gesetzt: Das Personal meldet sich damit an. Hier ändern.
settings-passphrase-unset = Nicht gesetzt: Nur dieser Computer kann Bestellungen ändern. Legen Sie eines fest (eine PIN mit mindestens 4 Zeichen), damit sich das Personal an anderen Bildschirmen anmelden kann.
settings-passphrase-new = Neues Passwort
settings-passphrase-button = Passwort festlegen
settings-passphrase-saved = Personal-Passwort gespeichert. Das Personal an anderen Bildschirmen meldet sich damit an.
settings-workshop-link = Werkstatt öffnen
settings-workshop-text = um Polling, Long Polling, SSE und WebSocket live zu vergleichen.
settings-save = Speichern
settings-amber-not-whole = Gelb muss eine ganze Zahl von Minuten sein
settings-red-not-whole = Rot muss eine ganze Zahl von Minuten sein
settings-amber-range = Gelb muss zwischen 1 und { $max } Minuten liegen
settings-red-range = Rot muss zwischen 1 und { $max } Minuten liegen
settings-red-after-amber = Rot muss nach Gelb kommen

## The tracking link dialog and the staff sign-in
qr-heading = Bestellung { $number } verfolgen
qr-text = Lassen Sie den Kunden diesen Code scannen oder schicken Sie ihm den Link.
qr-image = QR-Code des Tracking-Links
qr-done = Fertig
sign-in-heading = Anmeldung für das Personal
sign-in-text = Geben Sie das Personal-Passwort ein, um Bestellungen zu sehen und zu ändern.
sign-in-passphrase = Passwort
sign-in-button = Anmelden

## The new-order form
form-item = Artikel
form-item-n = Artikel { $n }
form-qty-n = Menge von Artikel { $n }
form-remove-n = Artikel { $n } entfernen
form-one-less = Eins weniger
form-one-more = Eins mehr
form-channel = Art
form-add-item = + Artikel hinzufügen
form-customer = Name des Kunden
form-note = Notiz
form-optional = (optional)
form-creating = Wird angelegt…
form-create = Bestellung anlegen

## What went wrong with a change
failure-network = Server nicht erreichbar
failure-network-text = Die Änderung wurde nicht gespeichert. Prüfen Sie die Verbindung und versuchen Sie es erneut.
failure-request = Anfrage fehlgeschlagen
failure-status = Der Server antwortete mit Status { $status }.
failure-version-conflict = Jemand anderes hat diese Bestellung zuerst geändert
failure-stage-conflict = Diese Änderung ist nicht mehr möglich
failure-number-in-use = Nummer vergeben
failure-validation = Bestellung prüfen
failure-not-found = Nicht gefunden
failure-no-free-number = Keine freie Bestellnummer
failure-too-many-changes = Diese Bestellung kann nicht mehr geändert werden
failure-demo-not-running = Die Demo läuft nicht
failure-cannot-move = sie kann nicht mehr weiter
failure-can-move = sie kann zu { $stages }
failure-can-move-either = sie kann zu { $stages } oder { $last }
failure-real-state = Bestellung { $number } ({ $channel }) ist jetzt { $stage }; { $next }. Ihre Änderung wurde nicht übernommen.

## The reports
reports-title = Berichte · Orderboard
reports-prep = Zubereitungszeiten
reports-from = Von
reports-to = Bis
reports-by = Nach
reports-zone = Zeitzone
reports-show = Anzeigen
reports-export = CSV exportieren
reports-finished = Abgeschlossene Bestellungen
reports-search-placeholder = Nummer, Name oder Referenz
reports-search = Suchen
reports-newer = Neuere
reports-older = Ältere
reports-found = { $count } gefunden · Seite { $page } von { $pages }
reports-handed-over = Übergeben
reports-cancelled = Storniert
reports-received-ready = Eingegangen → fertig (p50 / p90)
reports-ready-handed = Fertig → übergeben (p50 / p90)
reports-total = Gesamt (p50 / p90)
reports-total-bar = Gesamt, p50 über p90
reports-busiest = Stoßzeiten
reports-hour-orders = { $hour }: { $count ->
    [one] { $count } Bestellung
   *[other] { $count } Bestellungen
}
reports-overall = { $count } übergeben, { $cancelled } storniert; gesamt p50 { $p50 }, p90 { $p90 } (Zeitzone { $zone }).
reports-recalled = Zurückgeholt: { $stage }. Sie ist wieder in der Auftragsübersicht.
reports-reference = Referenz: { $reference }

## API keys and webhooks
copy = Kopieren
keys-api-heading = API-Schlüssel
keys-api-text = Für eine Kasse oder eine Lieferplattform: Sie sendet den Schlüssel als Authorization: Bearer, von jedem Rechner aus.
keys-api-name = Name
keys-api-read = Bestellungen lesen
keys-api-write = Bestellungen anlegen und weiterschalten
keys-api-make = Schlüssel erzeugen
keys-api-once = Kopieren Sie diesen Schlüssel jetzt: Er wird nur dieses eine Mal angezeigt.
keys-api-revoke = Widerrufen
hooks-heading = Webhooks
hooks-text = Jede Änderung wird signiert (Standard Webhooks) an diese Adressen gesendet und 24 Stunden lang wiederholt.
hooks-disabled = { $count ->
    [one] { $count } Webhook-Endpunkt nach 24 Stunden Fehlern deaktiviert
   *[other] { $count } Webhook-Endpunkte nach 24 Stunden Fehlern deaktiviert
}
hooks-address = Adresse
hooks-created = Neue Bestellungen
hooks-stage-changed = Phasenwechsel
hooks-cancelled = Stornierungen
hooks-add = Endpunkt hinzufügen
hooks-once = Kopieren Sie das Signaturgeheimnis jetzt: Es wird nur dieses eine Mal angezeigt.
hooks-delete = Löschen

## The demo driver
demo-sign-in = Melden Sie sich als Personal an, um die Demo zu starten oder zu stoppen.
demo-heading = Demo-Bestellungen
demo-text = Füllt die Küche mit realistischen Bestellungen, die von selbst durch ihre Phasen laufen. Tempo 1 ist das Tempo einer echten Küche, 10 ist zehnmal so schnell; derselbe Seed spielt dieselben Bestellungen erneut ab.
demo-speed = Tempo
demo-seed = Seed
demo-reading = Demo-Status wird gelesen…
demo-start = Demo starten
demo-stop = Demo stoppen

# Küchendrucker: der Abschnitt der Einstellungen, die obere Leiste, die Bestellkarte.
printers-heading = Küchendrucker
printers-intro = ESC/POS-Drucker im Netzwerk (Port 9100). Jede neue Bestellung druckt einen Bon mit den Artikeln der Stationen des Druckers (keine: alle Artikel); solange ein Drucker aus ist, warten seine Bons.
printers-name = Name
printers-address = Adresse
printers-stations = Stationen (optional, durch Kommas getrennt)
printers-add = Drucker hinzufügen
printers-every-item = alle Artikel
printers-test = Testdruck
printers-remove = Entfernen
printers-online = online
printers-unknown = noch nicht versucht
printers-offline = offline seit { $since }: { $why }
printers-waiting = { $count ->
    [one] { $count } Bon wartet
   *[other] { $count } Bons warten
}
printers-offline-notice = { $count ->
    [one] Drucker { $names } ist offline: seine Bons warten
   *[other] Drucker { $names } sind offline: ihre Bons warten
}
printers-reprint-queued = { $count ->
    [0] Kein Drucker druckt diese Bestellung
    [one] Nachdruck eingereiht
   *[other] Nachdruck auf { $count } Druckern eingereiht
}
printers-error-name = Geben Sie dem Drucker einen Namen (1 bis 40 Zeichen), etwa „Grill“
printers-error-address = Geben Sie die Adresse des Druckers an: eine IP-Adresse oder einen Hostnamen, mit :Port, wenn nicht 9100
printers-error-stations = Eine Stations-ID hat 1 bis 40 Zeichen; höchstens 20 Stationen
card-reprint = Nachdruck
card-reprint-label = Bestellung { $number } nachdrucken
card-reprint-title = Die Küchenbons dieser Bestellung noch einmal drucken

# The kitchen: the new-order form's item details, the pass, shared settings.
form-details-n = Details zu Position { $n }
form-modifiers = Extras: ohne Zwiebeln, extra Käse
form-modifiers-n = Extras zu Position { $n }
form-item-note = Hinweis für die Küche
form-item-note-n = Küchenhinweis zu Position { $n }
form-station-n = Station für Position { $n }
form-station-from-menu = Station laut Speisekarte
form-table = Tisch
form-due = Fällig
form-due-hint = (optional: vorbestellt, bis zu 7 Tage im Voraus)
card-table = Tisch
card-item-done = fertig
card-item-todo = offen
card-waiting-on = Wartet auf:
card-due = Fällig
settings-shared = Gilt für alle Bildschirme: eine Änderung wirkt sofort an jedem Pass, jeder Station und jeder Anzeige.
settings-stations = Stationen
settings-stations-help = Eine pro Zeile: ID | Name | #Farbe | Zubereitungsminuten (optional)
settings-stations-example = grill | Grill | #ef4444 | 12
settings-stations-screens = Jede Station hat einen eigenen Bildschirm unter /station/ gefolgt von ihrer ID.
settings-menu = Speisekarte
settings-menu-help = Ein Gericht pro Zeile: Name | Kategorie | Station (optional)
settings-menu-example = Burger | Hauptgerichte | grill
settings-kitchen = Küche
settings-auto-ready = Automatisch fertig, wenn die letzte Position erledigt ist
settings-dine-in-board = Bestellungen im Restaurant auf der Anzeige zeigen
settings-board-minutes = Die Anzeige behält eine fertige Bestellung (Minuten, 0 = bis zur Abholung; ?ready_minutes= an einer Anzeige hat Vorrang)
settings-board-minutes-error = Die Haltezeit der Anzeige muss eine ganze Zahl von Minuten sein (0 behält Bestellungen bis zur Abholung)
settings-sounds = Ton bei neuer Bestellung (Anzeige: wenn eine fertig ist)
settings-sound-dispatcher = Pass
settings-sound-stations = Stationen
settings-sound-board = Anzeige

# Station screens.
station-title = { $station } · Station · Orderboard
station-table = Tisch { $table }
station-undo = Rückgängig (U)
station-sound-on = Ton einschalten
station-dispatcher = Pass
station-items = Zu machen
station-dismiss = Schließen
station-unknown = Keine Station mit dieser ID in den Einstellungen.
station-loading = Bestellungen werden geladen…
station-nothing = Nichts zu tun
station-all-day = Gesamt offen
station-keys = Tasten
station-key-bump = Position an dieser Stelle erledigen
station-key-undo = Letzte Erledigung zurücknehmen
