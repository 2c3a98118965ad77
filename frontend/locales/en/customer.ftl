# Orderboard's words in English (the default and the fallback): those of
# the customer's pages and those shared with the staff pages (staff.ftl has
# the staff pages' own, left out of the customer's build). Every message
# here must be in de/customer.ftl and es/customer.ftl too: `cargo test -p
# orderboard-frontend` fails otherwise. Ids are kebab-case; placeables are
# $number (order numbers), $count (plural forms), $time (an Intl clock time).

## Stages and channels (the model's English labels stay the API's)
stage-received = Received
stage-preparing = Preparing
stage-ready = Ready
stage-out_for_delivery = Out for delivery
stage-collected = Collected
stage-delivered = Delivered
stage-cancelled = Cancelled
channel-pickup = Pickup
channel-delivery = Delivery

## Counts and ages
orders-count = { $count ->
    [one] { $count } order
   *[other] { $count } orders
}
age-minutes = { $minutes ->
    [one] { $minutes } min
   *[other] { $minutes } min
}
age-slow = ▲ slow
age-late = ■ late

## The connection badge
conn-connecting = Connecting…
conn-live = Live
conn-reconnecting = Reconnecting…
conn-offline = Offline since { $time }
conn-ended = Updates ended

## The language switch
language-label = Language

## The board (the customer display)
board-title = Order status · Orderboard
board-heading = Order status
board-preparing = Preparing
board-ready = Ready
board-empty = Ready orders appear here
board-sound = Tap to enable sound
board-page = Page { $page } of { $pages }

## The tracking page
track-title = Your order · Orderboard
track-order-number = Order number
track-announce = Order { $number }: { $stage }
track-ended-cancelled = Live updates have ended.
track-ended-complete = This order is complete. Live updates have ended.
track-progress = Progress
track-items = Items
track-whose-order = { $name }'s order
track-your-order = Your order
track-not-found-heading = No such order
track-not-found-text = This tracking link does not match any order. Please check the link, or ask at the counter.
track-loading = Looking up your order…
track-queue = Queue
track-queue-ahead = { $count ->
    [0] Next in line
    [one] { $count } order ahead
   *[other] { $count } orders ahead
}
track-queue-ready-around = Ready around { $time }
track-queue-any-moment = Ready any moment now
track-queue-typical = Typical wait: about { $minutes } min
headline-received = Order received
detail-received = The kitchen has your order and will start on it shortly.
headline-preparing = Being prepared
detail-preparing = Your order is being made right now.
headline-ready-pickup = Ready for pickup
detail-ready-pickup = Please come to the counter and show your number.
headline-ready-delivery = Ready, waiting for the driver
detail-ready-delivery = Your order is packed and leaves shortly.
headline-out = Out for delivery
detail-out = Your order is on its way to you.
headline-collected = Collected
headline-delivered = Delivered
detail-enjoy = Enjoy your meal!
headline-cancelled = Cancelled
detail-cancelled = This order was cancelled. Please ask at the counter if this is unexpected.

## The ready alert on the tracking page
alert-heading = Ready alert
alert-turn-off = Alert is on: turn it off
alert-turn-on = Tell me when it's ready
alert-notify-title = Order { $number } is ready
alert-notify-body = Please collect it at the counter.
alert-on-notification = On: when your order is ready, your phone shows a notification, plays a sound and vibrates, even with this page in the background. Keep the browser open.
alert-on-refused = On, without notifications: they are blocked for this site, so nothing shows while the screen is locked. While this page stays open, it plays a sound, vibrates and flashes its title when your order is ready.
alert-on-insecure = On, without notifications: this page is not on a secure (https) connection, so your phone cannot show one. While this page stays open, it plays a sound, vibrates and flashes its title when your order is ready.
alert-on-unsupported = On, without notifications: this browser cannot show them. While this page stays open, it plays a sound, vibrates and flashes its title when your order is ready.
alert-on-not-asked = On: when your order is ready, this page plays a sound and vibrates.
alert-off-insecure = This page is not on a secure (https) connection, so it cannot send notifications. Turned on, it plays a sound, vibrates and flashes its title when your order is ready, while the page stays open.
alert-off-refused = Notifications are blocked for this site. Turned on, this page plays a sound, vibrates and flashes its title when your order is ready, while it stays open.
alert-off-unsupported = This browser cannot show notifications. Turned on, this page plays a sound, vibrates and flashes its title when your order is ready, while it stays open.
alert-off = Turned on, your phone shows a notification, plays a sound and vibrates when your order is ready. The browser asks whether this site may send notifications; if you refuse, you still get the sound and vibration while this page is open.

## The page for an unknown address
not-found-title = Not found · Orderboard
not-found-heading = Page not found
not-found-text = This address is not part of Orderboard.
not-found-link = Go to the dispatcher

# The kitchen model: scheduled and served orders, dine-in.
stage-scheduled = Scheduled
stage-served = Served
channel-dine_in = Dine-in
headline-scheduled = Order scheduled
detail-scheduled = The kitchen starts on your order in time for when you want it.
headline-ready-dine-in = Ready
detail-ready-dine-in = Your order is on its way to your table.
headline-served = Served
