//! The page's one live stream. Order streams go through the profile's shared
//! connection (`shared_stream`) where the browser allows it; otherwise, and
//! for the workshop's own stream, the page holds a native `EventSource`,
//! kept alive across server restarts.
//!
//! While the browser retries by itself (readyState CONNECTING) it sends
//! `Last-Event-ID` and the server replays what was missed. When the browser
//! gives up (readyState CLOSED, e.g. the server was still down when it
//! retried), the page's `on_closed` decides: usually a new `EventSource` after
//! a backoff, resuming with `?last_event_id=N` from the last id seen.

use super::shared_stream::SharedStream;
use orderboard_frontend::state::connection::{reconnect_delay_ms, resume_url};
use orderboard_frontend::state::connection_wall::BoardConnection;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventSource, MessageEvent};

/// The SSE event names of the order streams (`queue` on tracking streams,
/// `settings` on the staff and board streams).
const ORDER_EVENT_NAMES: &[&str] = &["snapshot", "order", "reset", "queue", "settings"];

/// What the stream reports to its page.
pub enum StreamSignal<'a> {
    Message {
        event: &'a str,
        data: &'a str,
    },
    Opened,
    /// An error; the browser may still be retrying by itself. The
    /// connection is down since `since_ms` (ms since the epoch): now for the
    /// page's own stream, or when the shared connection went down, which
    /// may be before this page joined.
    Failed {
        since_ms: i64,
    },
}

pub(super) type Handler = Rc<dyn Fn(&LiveStream, StreamSignal<'_>)>;
type Listener = Closure<dyn FnMut(Event)>;
pub(super) type ClosedHandler = Rc<dyn Fn(&LiveStream)>;

/// A handle on the page's stream; clones share it.
#[derive(Clone)]
pub enum LiveStream {
    /// This page's own `EventSource`.
    Own(OwnStream),
    /// The profile's shared connection.
    Shared(SharedStream),
}

struct Inner {
    base_url: String,
    event_names: &'static [&'static str],
    source: Option<EventSource>,
    listeners: Vec<(&'static str, Listener)>,
    /// Listeners of closed sources, dropped at the next connect (never while
    /// one of them may still be running).
    retired: Vec<Listener>,
    last_event_id: Option<String>,
    attempt: u32,
    stopped: bool,
    handler: Handler,
    on_closed: ClosedHandler,
}

impl LiveStream {
    /// Follows the order stream `url` and reports everything to `handler`;
    /// `on_closed` runs when the connection was given up on.
    pub fn open(
        url: &str,
        handler: impl Fn(&LiveStream, StreamSignal<'_>) + 'static,
        on_closed: impl Fn(&LiveStream) + 'static,
    ) -> LiveStream {
        let handler: Handler = Rc::new(handler);
        let on_closed: ClosedHandler = Rc::new(on_closed);
        // `?connection=own` keeps a page off the shared connection: the
        // workshop's six-connection wall frames boards that way to show
        // what one stream per page costs.
        if BoardConnection::from_query(&super::browser::location_search()) == BoardConnection::Own {
            return LiveStream::Own(OwnStream::open(url, ORDER_EVENT_NAMES, handler, on_closed));
        }
        match SharedStream::follow(url, handler.clone(), on_closed.clone()) {
            Some(shared) => LiveStream::Shared(shared),
            None => LiveStream::Own(OwnStream::open(url, ORDER_EVENT_NAMES, handler, on_closed)),
        }
    }

    /// A stream of this page's own, with other event names (the workshop's
    /// `sample` and `comparison`).
    #[cfg(feature = "staff")]
    pub fn open_with_events(
        url: &str,
        event_names: &'static [&'static str],
        handler: impl Fn(&LiveStream, StreamSignal<'_>) + 'static,
        on_closed: impl Fn(&LiveStream) + 'static,
    ) -> LiveStream {
        LiveStream::Own(OwnStream::open(
            url,
            event_names,
            Rc::new(handler),
            Rc::new(on_closed),
        ))
    }

    /// Opens the stream again after the next backoff delay.
    pub fn reconnect_after_backoff(&self) {
        match self {
            LiveStream::Own(own) => own.reconnect_after_backoff(),
            LiveStream::Shared(shared) => shared.reconnect_after_backoff(),
        }
    }

    /// Closes the stream for good: no reconnect follows.
    pub fn stop(&self) {
        match self {
            LiveStream::Own(own) => own.stop(),
            LiveStream::Shared(shared) => shared.stop(),
        }
    }
}

/// A page's own `EventSource`; clones share it.
#[derive(Clone)]
pub struct OwnStream(Rc<RefCell<Inner>>);

impl OwnStream {
    fn open(
        url: &str,
        event_names: &'static [&'static str],
        handler: Handler,
        on_closed: ClosedHandler,
    ) -> OwnStream {
        let stream = OwnStream(Rc::new(RefCell::new(Inner {
            base_url: url.to_string(),
            event_names,
            source: None,
            listeners: Vec::new(),
            retired: Vec::new(),
            last_event_id: None,
            attempt: 0,
            stopped: false,
            handler,
            on_closed,
        })));
        stream.connect();
        stream
    }

    fn connect(&self) {
        let weak = Rc::downgrade(&self.0);
        let mut inner = self.0.borrow_mut();
        if inner.stopped {
            return;
        }
        inner.retired.clear();
        let url = resume_url(&inner.base_url, inner.last_event_id.as_deref());
        let source = match EventSource::new(&url) {
            Ok(s) => s,
            Err(e) => {
                drop(inner);
                super::browser::log_warning(&format!("cannot open {url}: {e:?}"));
                self.reconnect_after_backoff();
                return;
            }
        };
        let names = inner.event_names;
        for &name in names {
            let w = weak.clone();
            let listener = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
                if let Some(me) = upgrade(&w) {
                    me.on_message(name, ev);
                }
            });
            let _ =
                source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            inner.listeners.push((name, listener));
        }
        let w = weak.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Some(me) = upgrade(&w) {
                me.0.borrow_mut().attempt = 0;
                me.emit(StreamSignal::Opened);
            }
        });
        let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
        inner.listeners.push(("open", on_open));
        let w = weak;
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Some(me) = upgrade(&w) {
                me.on_error();
            }
        });
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        inner.listeners.push(("error", on_error));
        inner.source = Some(source);
    }

    fn on_message(&self, name: &str, ev: Event) {
        let Ok(msg) = ev.dyn_into::<MessageEvent>() else {
            return;
        };
        let id = msg.last_event_id();
        if !id.is_empty() {
            self.0.borrow_mut().last_event_id = Some(id);
        }
        let data = msg.data().as_string().unwrap_or_default();
        self.emit(StreamSignal::Message {
            event: name,
            data: &data,
        });
    }

    fn on_error(&self) {
        let closed = self
            .0
            .borrow()
            .source
            .as_ref()
            .is_some_and(|s| s.ready_state() == EventSource::CLOSED);
        self.emit(StreamSignal::Failed {
            since_ms: super::browser::now_ms(),
        });
        if closed {
            self.close_source();
            let (stopped, on_closed) = {
                let inner = self.0.borrow();
                (inner.stopped, inner.on_closed.clone())
            };
            if !stopped {
                on_closed(&LiveStream::Own(self.clone()));
            }
        }
    }

    fn emit(&self, signal: StreamSignal<'_>) {
        let handler = self.0.borrow().handler.clone();
        handler(&LiveStream::Own(self.clone()), signal);
    }

    fn close_source(&self) {
        let mut inner = self.0.borrow_mut();
        if let Some(source) = inner.source.take() {
            for (name, listener) in std::mem::take(&mut inner.listeners) {
                let _ = source
                    .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                inner.retired.push(listener);
            }
            source.close();
        }
    }

    /// Opens a new `EventSource` after the next backoff delay.
    fn reconnect_after_backoff(&self) {
        let delay = {
            let mut inner = self.0.borrow_mut();
            if inner.stopped {
                return;
            }
            let d = reconnect_delay_ms(inner.attempt);
            inner.attempt = inner.attempt.saturating_add(1);
            d
        };
        let weak = Rc::downgrade(&self.0);
        leptos::prelude::set_timeout(
            move || {
                if let Some(me) = upgrade(&weak) {
                    me.close_source();
                    me.connect();
                }
            },
            Duration::from_millis(delay as u64),
        );
    }

    fn stop(&self) {
        self.0.borrow_mut().stopped = true;
        self.close_source();
    }
}

fn upgrade(weak: &Weak<RefCell<Inner>>) -> Option<OwnStream> {
    weak.upgrade().map(OwnStream)
}
