//! A page's end of the profile's shared live connection.
//!
//! Browsers keep at most six HTTP/1.1 connections per host per profile, and
//! every open `EventSource` holds one. So the pages of one origin share one
//! stream per URL, held by `live-worker.js` (the hub): in a `SharedWorker`
//! where the browser has one, else in a dedicated worker of the page elected
//! leader with Web Locks, over a `BroadcastChannel`. When the leader page
//! closes, the next page in the lock's queue starts a new hub, which asks
//! every page to follow again from the last id it applied.
//!
//! The hub sends a page its snapshot first, then every change; this side
//! drops a change whose id is not above the last one applied, so a replay
//! after a handover never duplicates one.

use super::browser::log_warning;
use super::event_source::{ClosedHandler, Handler, LiveStream, StreamSignal};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent, MessagePort, SharedWorker, Worker};

/// The hub's script, served from this origin.
const HUB_SCRIPT: &str = "/live-worker.js";
/// The channel between the pages and a leader page's hub.
const BROADCAST_NAME: &str = "orderboard-live";
/// The lock whose holder runs the hub when there is no `SharedWorker`.
const LEADER_LOCK: &str = "orderboard-live-hub";

/// How this page reaches the hub.
enum HubLink {
    Port(MessagePort),
    Broadcast(BroadcastChannel),
}

/// What the page sends the hub.
#[derive(Serialize)]
struct Request<'a> {
    op: &'a str,
    page: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_id: Option<String>,
}

/// What the hub sends.
#[derive(Deserialize)]
struct HubMessage {
    to: Option<String>,
    url: Option<String>,
    kind: String,
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    /// With "failed" and "closed": since when the connection is down (ms
    /// since the epoch).
    since: Option<f64>,
}

struct PageHub {
    page_id: String,
    link: HubLink,
    /// Requests waiting for the page's own lock: the hub takes a page whose
    /// lock it is granted for gone, so nothing is sent before the page holds it.
    waiting: Option<Vec<String>>,
    streams: HashMap<String, Weak<RefCell<Shared>>>,
    /// Kept for the page's life: the message listener, the workers.
    _keep: Vec<JsValue>,
}

thread_local! {
    static PAGE_HUB: RefCell<Option<Option<PageHub>>> = const { RefCell::new(None) };
}

pub(super) struct Shared {
    url: String,
    /// The id of the last snapshot or change this page applied.
    last_id: Option<u64>,
    stopped: bool,
    handler: Handler,
    on_closed: ClosedHandler,
}

/// A page's stream through the hub; clones share it.
#[derive(Clone)]
pub struct SharedStream(Rc<RefCell<Shared>>);

impl SharedStream {
    /// Follows `url` through the profile's hub, or `None` when this browser
    /// can share nothing (no `SharedWorker`, nor Web Locks with
    /// `BroadcastChannel`): the page then opens its own stream.
    pub(super) fn follow(
        url: &str,
        handler: Handler,
        on_closed: ClosedHandler,
    ) -> Option<SharedStream> {
        if !with_hub(|_| ()) {
            return None;
        }
        let stream = SharedStream(Rc::new(RefCell::new(Shared {
            url: url.to_string(),
            last_id: None,
            stopped: false,
            handler,
            on_closed,
        })));
        with_hub(|hub| {
            hub.streams
                .insert(url.to_string(), Rc::downgrade(&stream.0));
            hub.send("follow", url, None);
        });
        Some(stream)
    }

    /// Asks the hub to open the stream again after its back-off (it had
    /// given up, see [`StreamSignal::Failed`] and the page's `on_closed`).
    pub fn reconnect_after_backoff(&self) {
        let inner = self.0.borrow();
        if !inner.stopped {
            let url = inner.url.clone();
            drop(inner);
            with_hub(|hub| hub.send("reconnect", &url, None));
        }
    }

    /// Stops following: the hub closes the stream when no page follows it.
    pub fn stop(&self) {
        let url = {
            let mut inner = self.0.borrow_mut();
            if inner.stopped {
                return;
            }
            inner.stopped = true;
            inner.url.clone()
        };
        with_hub(|hub| {
            hub.streams.remove(&url);
            hub.send("unfollow", &url, None);
        });
    }

    fn receive(&self, msg: HubMessage) {
        if self.0.borrow().stopped {
            return;
        }
        let me = LiveStream::Shared(self.clone());
        let handler = self.0.borrow().handler.clone();
        let since_ms = msg
            .since
            .map_or_else(super::browser::now_ms, |ms| ms as i64);
        match msg.kind.as_str() {
            "message" => {
                let (Some(event), Some(data)) = (msg.event, msg.data) else {
                    return;
                };
                let id = msg.id.as_deref().and_then(|id| id.parse::<u64>().ok());
                let whole_state = event == "snapshot" || event == "reset";
                {
                    let mut inner = self.0.borrow_mut();
                    match (whole_state, inner.last_id, id) {
                        // A change before any state, or one already applied.
                        (false, None, _) => return,
                        (false, Some(last), Some(id)) if id <= last => return,
                        _ => {}
                    }
                    if id.is_some() {
                        inner.last_id = id;
                    }
                }
                handler(
                    &me,
                    StreamSignal::Message {
                        event: &event,
                        data: &data,
                    },
                );
            }
            "opened" => handler(&me, StreamSignal::Opened),
            "failed" => handler(&me, StreamSignal::Failed { since_ms }),
            "closed" => {
                handler(&me, StreamSignal::Failed { since_ms });
                let on_closed = self.0.borrow().on_closed.clone();
                on_closed(&me);
            }
            other => log_warning(&format!("live hub: unknown message `{other}`")),
        }
    }
}

impl PageHub {
    fn send(&mut self, op: &str, url: &str, last_id: Option<String>) {
        let text = serde_json::to_string(&Request {
            op,
            page: &self.page_id,
            url,
            last_id,
        })
        .unwrap_or_default();
        match &mut self.waiting {
            Some(waiting) => waiting.push(text),
            None => self.post(&text),
        }
    }

    fn post(&self, text: &str) {
        let sent = match &self.link {
            HubLink::Port(port) => port.post_message(&JsValue::from_str(text)),
            HubLink::Broadcast(channel) => channel.post_message(&JsValue::from_str(text)),
        };
        if let Err(e) = sent {
            log_warning(&format!("live hub: cannot send: {e:?}"));
        }
    }

    /// A new hub started: every stream follows again from its last id.
    fn follow_again(&mut self) {
        let follows: Vec<(String, Option<String>)> = self
            .streams
            .iter()
            .filter_map(|(url, stream)| {
                let stream = stream.upgrade()?;
                let last = stream.borrow().last_id.map(|id| id.to_string());
                Some((url.clone(), last))
            })
            .collect();
        for (url, last) in follows {
            self.send("follow", &url, last);
        }
    }

    /// The page holds its lock: what waited for it goes out.
    fn lock_held() {
        PAGE_HUB.with(|cell| {
            if let Some(Some(hub)) = cell.borrow_mut().as_mut() {
                for text in hub.waiting.take().unwrap_or_default() {
                    hub.post(&text);
                }
            }
        });
    }
}

/// Runs `f` on the page's hub, connecting to it the first time; `false`
/// when there is no hub to be had.
fn with_hub(f: impl FnOnce(&mut PageHub)) -> bool {
    PAGE_HUB.with(|cell| {
        let mut slot = cell.borrow_mut();
        let hub = slot.get_or_insert_with(connect);
        match hub {
            Some(hub) => {
                f(hub);
                true
            }
            None => false,
        }
    })
}

fn on_hub_message(ev: MessageEvent) {
    let Some(text) = ev.data().as_string() else {
        return;
    };
    let Ok(msg) = serde_json::from_str::<HubMessage>(&text) else {
        log_warning("live hub: a malformed message");
        return;
    };
    // Find the stream without holding the hub while the page handles it.
    let target = PAGE_HUB.with(|cell| {
        let mut slot = cell.borrow_mut();
        let hub = slot.as_mut()?.as_mut()?;
        if msg.kind == "hello" {
            hub.follow_again();
            return None;
        }
        if msg.to.as_deref().is_some_and(|to| to != hub.page_id) {
            return None;
        }
        hub.streams.get(msg.url.as_deref()?)?.upgrade()
    });
    if let Some(stream) = target {
        SharedStream(stream).receive(msg);
    }
}

fn connect() -> Option<PageHub> {
    let global = js_sys::global();
    let has = |name: &str| js_sys::Reflect::has(&global, &JsValue::from_str(name)).unwrap_or(false);
    let locks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let page_id = format!(
        "{:x}-{:x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
    );
    let listener = Closure::<dyn FnMut(MessageEvent)>::new(on_hub_message);
    let mut keep: Vec<JsValue> = Vec::new();
    // The page holds a lock named after it for its whole life; the hub
    // learns from it when the page is gone.
    if let Some(locks) = &locks {
        hold_lock_forever(
            locks,
            &format!("orderboard-page-{page_id}"),
            Some(Box::new(PageHub::lock_held)),
        );
    }
    let link = if has("SharedWorker") {
        let worker = match SharedWorker::new_with_str(HUB_SCRIPT, "orderboard-live") {
            Ok(worker) => worker,
            Err(e) => {
                log_warning(&format!("live hub: no shared worker: {e:?}"));
                return None;
            }
        };
        let port = worker.port();
        port.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        port.start();
        keep.push(worker.into());
        HubLink::Port(port)
    } else if has("BroadcastChannel") && has("Worker") && locks.is_some() {
        let channel = BroadcastChannel::new(BROADCAST_NAME).ok()?;
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        // Queue for the leader's lock: whoever holds it runs the hub in a
        // worker of its own, until its page closes.
        let start_hub: Box<dyn FnOnce()> = Box::new(|| match Worker::new(HUB_SCRIPT) {
            Ok(worker) => LEADER_WORKER.with(|w| *w.borrow_mut() = Some(worker)),
            Err(e) => log_warning(&format!("live hub: cannot start the worker: {e:?}")),
        });
        if let Some(locks) = &locks {
            hold_lock_forever(locks, LEADER_LOCK, Some(start_hub));
        }
        HubLink::Broadcast(channel)
    } else {
        return None;
    };
    keep.push(listener.into_js_value());
    Some(PageHub {
        page_id,
        link,
        waiting: locks.is_some().then(Vec::new),
        streams: HashMap::new(),
        _keep: keep,
    })
}

thread_local! {
    /// The hub this page runs while it is the leader.
    static LEADER_WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Requests the Web Lock `name` and holds it until the page closes, running
/// `on_granted` once it is this page's.
fn hold_lock_forever(locks: &JsValue, name: &str, on_granted: Option<Box<dyn FnOnce()>>) {
    let mut on_granted = on_granted;
    let callback = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock| {
        if let Some(run) = on_granted.take() {
            run();
        }
        // A promise that never settles: the lock is held until the page goes.
        js_sys::Promise::new(&mut |_, _| {})
    });
    let request = js_sys::Reflect::get(locks, &JsValue::from_str("request"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(request) = request {
        if let Err(e) = request.call2(locks, &JsValue::from_str(name), callback.as_ref()) {
            log_warning(&format!("live hub: cannot request lock {name}: {e:?}"));
        }
    }
    callback.forget();
}
