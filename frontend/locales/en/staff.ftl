# Orderboard's words for the staff pages in English (not in the customer's build).

## The dispatcher's buttons
action-start-preparing = Start preparing
action-mark-ready = Mark ready
action-collected = Collected
action-out-for-delivery = Out for delivery
action-delivered = Delivered
action-recall-to = Recall to { $stage }
action-back-to = Back to { $stage }
action-cancel = Cancel
action-fire-now = Fire now
action-served = Served

## The staff settings
settings-language = Language of the staff screens
settings-language-browser = As the browser

## An order card on the dispatcher
card-label = Order { $number }, { $stage }
card-label-for = Order { $number } for { $name }, { $stage }
card-age-title = Time in this stage
card-qr-title = Tracking link and QR code (T)
card-qr-label = QR: tracking link of order { $number }
card-qr = QR
card-ref-title = Reference in the system the order came from

## The dispatcher
dispatcher-title = Dispatcher · Orderboard
dispatcher-heading = Dispatcher
dispatcher-created = Order { $number } created
dispatcher-no-orders = No orders
dispatcher-loading = Loading orders…
nav-board = Board
nav-workshop = Workshop
nav-reports = Reports
nav-keys = Keys
nav-keys-label = Keys: keyboard shortcuts
nav-settings = Settings
webhooks-disabled = { $count ->
    [one] { $count } webhook endpoint disabled
   *[other] { $count } webhook endpoints disabled
}
notice-dismiss = Dismiss
finished-heading = Recently finished
finished-empty = Collected, delivered and cancelled orders appear here for a recall.
cancel-heading = Cancel order { $number }?
cancel-heading-for = Cancel order { $number } for { $name }?
cancel-text = The customer's tracking page will show it as cancelled. You can recall it from Recently finished.
cancel-keep = Keep order
cancel-confirm = Cancel order
dialog-close = Close
keys-heading = Keyboard shortcuts
keys-panel = Keyboard
keys-select = Select an order
keys-advance-keys = A or Enter
keys-advance = Advance the selected order
keys-recall = Recall (one step back)
keys-cancel = Cancel (asks first)
keys-tracking = Tracking link and QR code
keys-new-order = New order
keys-esc = Esc
keys-close = Close a dialog / clear selection
keys-help = Show the shortcuts
settings-ages = Time an order may spend in one stage before its timer changes colour.
settings-amber = Amber after (minutes)
settings-red = Red after (minutes)
settings-passphrase = Staff passphrase
settings-passphrase-set = Set: staff sign in with it. Change it here.
settings-passphrase-unset = Not set: only this computer can change orders. Set one (a PIN of 4 or more) so staff can sign in on other screens.
settings-passphrase-new = New passphrase
settings-passphrase-button = Set passphrase
settings-passphrase-saved = Staff passphrase saved. Staff on other screens sign in with it.
settings-workshop-link = Open the workshop
settings-workshop-text = to compare polling, long polling, SSE and WebSocket live.
settings-save = Save
settings-amber-not-whole = Amber must be a whole number of minutes
settings-red-not-whole = Red must be a whole number of minutes
settings-amber-range = Amber must be 1 to { $max } minutes
settings-red-range = Red must be 1 to { $max } minutes
settings-red-after-amber = Red must come after amber

## The tracking link dialog and the staff sign-in
qr-heading = Track order { $number }
qr-text = Let the customer scan this code, or send them the link.
qr-image = QR code of the tracking link
qr-done = Done
sign-in-heading = Staff sign-in
sign-in-text = Enter the staff passphrase to see and change orders.
sign-in-passphrase = Passphrase
sign-in-button = Sign in

## The new-order form
form-item = Item
form-item-n = Item { $n }
form-qty-n = Quantity of item { $n }
form-remove-n = Remove item { $n }
form-one-less = One less
form-one-more = One more
form-channel = Channel
form-add-item = + Add item
form-customer = Customer name
form-note = Note
form-optional = (optional)
form-creating = Creating…
form-create = Create order

## What went wrong with a change
failure-network = Server not reachable
failure-network-text = The change was not saved. Check the connection and try again.
failure-request = Request failed
failure-status = The server answered with status { $status }.
failure-version-conflict = Someone else changed this order first
failure-stage-conflict = That change is no longer possible
failure-number-in-use = Number in use
failure-validation = Check the order
failure-not-found = Not found
failure-no-free-number = No free order number
failure-too-many-changes = This order cannot change any more
failure-demo-not-running = The demo is not running
failure-cannot-move = it cannot move any more
failure-can-move = it can move to { $stages }
failure-can-move-either = it can move to { $stages } or { $last }
failure-real-state = Order { $number } ({ $channel }) is now { $stage }; { $next }. Your change was not applied.

## The reports
reports-title = Reports · Orderboard
reports-prep = Prep times
reports-from = From
reports-to = To
reports-by = By
reports-zone = Zone
reports-show = Show
reports-export = Export CSV
reports-finished = Finished orders
reports-search-placeholder = Number, name or reference
reports-search = Search
reports-newer = Newer
reports-older = Older
reports-found = { $count } found · page { $page } of { $pages }
reports-handed-over = Handed over
reports-cancelled = Cancelled
reports-received-ready = Received → ready (p50 / p90)
reports-ready-handed = Ready → handed over (p50 / p90)
reports-total = Total (p50 / p90)
reports-total-bar = Total, p50 over p90
reports-busiest = Busiest hours
reports-hour-orders = { $hour }: { $count ->
    [one] { $count } order
   *[other] { $count } orders
}
reports-overall = { $count } handed over, { $cancelled } cancelled; total p50 { $p50 }, p90 { $p90 } (zone { $zone }).
reports-recalled = Recalled to { $stage }: it is back on the dispatcher.
reports-reference = Reference: { $reference }

## API keys and webhooks (the dispatcher's settings)
copy = Copy
keys-api-heading = API keys
keys-api-text = For a till or a delivery platform: it sends the key as Authorization: Bearer, from any machine.
keys-api-name = Name
keys-api-read = Read orders
keys-api-write = Create and move orders
keys-api-make = Make key
keys-api-once = Copy this key now: it is shown only this once.
keys-api-revoke = Revoke
hooks-heading = Webhooks
hooks-text = Every change is sent to these addresses, signed (Standard Webhooks), retried for 24 hours.
hooks-disabled = { $count ->
    [one] { $count } webhook endpoint disabled after failing for 24 hours
   *[other] { $count } webhook endpoints disabled after failing for 24 hours
}
hooks-address = Address
hooks-created = New orders
hooks-stage-changed = Stage changes
hooks-cancelled = Cancellations
hooks-add = Add endpoint
hooks-once = Copy the signing secret now: it is shown only this once.
hooks-delete = Delete

## The demo driver
demo-sign-in = Sign in as staff to start or stop the demo driver.
demo-heading = Demo orders
demo-text = Fills the kitchen with realistic orders that move through their stages by themselves. Speed 1 is a real kitchen's pace, 10 is ten times faster; the same seed plays the same orders again.
demo-speed = Speed
demo-seed = Seed
demo-reading = Reading the demo driver…
demo-start = Start demo
demo-stop = Stop demo

# Kitchen printers: the settings section, the top bar, the order card.
printers-heading = Kitchen printers
printers-intro = ESC/POS printers on the network (port 9100). Each new order prints a ticket with the items of the printer's stations (none: every item); tickets wait while a printer is off.
printers-name = Name
printers-address = Address
printers-stations = Stations (optional, comma-separated)
printers-add = Add printer
printers-every-item = every item
printers-test = Test print
printers-remove = Remove
printers-online = online
printers-unknown = not tried yet
printers-offline = offline since { $since }: { $why }
printers-waiting = { $count ->
    [one] { $count } ticket waiting
   *[other] { $count } tickets waiting
}
printers-offline-notice = { $count ->
    [one] Printer { $names } is offline: its tickets wait
   *[other] Printers { $names } are offline: their tickets wait
}
printers-reprint-queued = { $count ->
    [0] No printer prints this order
    [one] Reprint queued
   *[other] Reprint queued on { $count } printers
}
printers-error-name = Give the printer a name (1 to 40 characters), such as "Grill"
printers-error-address = Give the printer's address: an IP address or host name, with :port if not 9100
printers-error-stations = A station id is 1 to 40 characters; at most 20 stations
card-reprint = Reprint
card-reprint-label = Reprint order { $number }
card-reprint-title = Print this order's kitchen tickets again

# The kitchen: the new-order form's item details, the pass, shared settings.
form-details-n = Details of item { $n }
form-modifiers = Modifiers: no onions, extra cheese
form-modifiers-n = Modifiers of item { $n }
form-item-note = Note for the kitchen
form-item-note-n = Kitchen note of item { $n }
form-station-n = Station of item { $n }
form-station-from-menu = Station from the menu
form-table = Table
form-due = Due
form-due-hint = (optional: a scheduled order, up to 7 days ahead)
card-table = Table
card-item-done = done
card-item-todo = to make
card-waiting-on = Waiting on:
card-due = Due
settings-shared = Shared by every screen: a change applies at once on every dispatcher, station and board.
settings-stations = Stations
settings-stations-help = One per line: id | name | #colour | prep minutes (optional)
settings-stations-example = grill | Grill | #ef4444 | 12
settings-stations-screens = Each station has its own screen at /station/ followed by the station's id.
settings-menu = Menu
settings-menu-help = One dish per line: name | category | station (optional)
settings-menu-example = Burger | Mains | grill
settings-kitchen = Kitchen
settings-auto-ready = Ready by itself when the last item is bumped
settings-dine-in-board = Show dine-in orders on the board
settings-board-minutes = Board keeps a ready order (minutes, 0 = until collected; ?ready_minutes= on a board overrides)
settings-board-minutes-error = The board's ready timeout must be a whole number of minutes (0 keeps orders until collected)
settings-sounds = Sound when an order arrives (board: when one is ready)
settings-sound-dispatcher = Dispatcher
settings-sound-stations = Stations
settings-sound-board = Board

# Station screens.
station-title = { $station } · Station · Orderboard
station-table = Table { $table }
station-undo = Undo (U)
station-sound-on = Turn sound on
station-dispatcher = Dispatcher
station-items = Items to make
station-dismiss = Dismiss
station-unknown = No station with this id in the settings.
station-loading = Loading orders…
station-nothing = Nothing to make
station-all-day = All day
station-keys = Keys
station-key-bump = Bump the item at that position
station-key-undo = Undo the last bump
