// Orderboard's shared live connection: one EventSource per stream URL for
// every page of this origin in one browser profile (browsers allow only six
// HTTP/1.1 connections per host, and each open EventSource holds one).
//
// It runs either as a SharedWorker (each page talks to it over its own
// MessagePort) or, where SharedWorker is missing, as a dedicated Worker of
// the page elected leader with Web Locks, talking to every page over the
// BroadcastChannel "orderboard-live". The page side is
// frontend/src/live/shared_stream.rs; messages are JSON strings:
//
//   page -> hub  {op: "follow",    page, url, last_id}   (last_id null: needs a snapshot)
//                {op: "unfollow",  page, url}
//                {op: "reconnect", page, url}            (after "closed": try again, with back-off)
//   hub -> page  {to, url, kind: "message", event, data, id}
//                {to, url, kind: "opened" | "failed" | "closed"}
//                {kind: "hello"}                         (a new hub: every page follows again)
//
// A page that joins late gets the newest snapshot the hub holds and every
// change after it (or, when the hub holds none, a snapshot fetched with one
// short request), then the live changes. Pages drop any change whose id is
// not above the last they applied, so a replay never duplicates.
//
// "failed" and "closed" carry `since` (ms since the epoch): when the
// connection went down, so a page that joins while it is down says
// "offline since" the same time as the others.
//
// Tracking pages of different orders share one connection too. Each
// tracking URL (/api/track/{token}/events) keeps its own channel, as above,
// but no EventSource of its own: up to MAX_TRACKED of them are served by one
// combined stream, /api/track/events?tokens=t1,t2,…, whose `order` events
// name their order's token and whose snapshot lists every order. When a
// tracking URL joins, its order's state comes first, with one short request
// (fetchSnapshot of its own URL, as of some id S); then the combined stream
// is reopened with the new set, resuming after min(the last id it received,
// S). Every id is a global event-log sequence number, so that replay holds
// every change after S to the new order and every change the others have
// not seen; the hub passes a channel only ids above the last it received
// (and pages drop any repeat besides), so nothing is lost or doubled. A
// joining page that already has a state (after a new hub's "hello") resumes
// from its own last id instead. A tracking URL that leaves is taken out a
// moment later (REMOVE_DELAY_MS), so a reload does not reopen twice. Past
// MAX_TRACKED orders, a tracking URL gets an EventSource of its own.

"use strict";

const EVENT_NAMES = ["snapshot", "order", "reset", "queue", "settings"];
// Past this many changes after its snapshot, the hub fetches a fresh one, so
// what it keeps for late pages stays small.
const MAX_KEPT_CHANGES = 512;
// The most orders on the combined tracking stream (MAX_TRACKED_ORDERS in
// crates/model).
const MAX_TRACKED = 32;
// How long a left tracking URL stays on the combined stream, and how long
// joins are gathered before it reopens.
const REMOVE_DELAY_MS = 2000;
const JOIN_DELAY_MS = 30;
const TRACK_URL = /^\/api\/track\/([A-Za-z0-9_-]{1,64})\/events$/;

const seq = (id) => (id == null || id === "" ? null : Number(id));
const backoffMs = (attempt) => Math.min(1000 * 2 ** Math.min(attempt, 4), 10000);
const withLastId = (url, id) =>
  id == null ? url : `${url}${url.includes("?") ? "&" : "?"}last_event_id=${id}`;

// Reads a stream's first event (its snapshot) with one short request.
async function fetchSnapshot(url) {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
  if (response.status !== 200) {
    abort.abort();
    throw new Error(`snapshot of ${url}: HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`snapshot of ${url}: the stream ended first`);
      text += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = text.indexOf("\n\n")) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const fields = { event: "message", data: [], id: null };
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon === 0) continue; // a comment
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (name === "data") fields.data.push(value);
          else if (name === "event" || name === "id") fields[name] = value;
        }
        if (fields.event === "snapshot" || fields.event === "reset") {
          return { event: "snapshot", data: fields.data.join("\n"), id: fields.id };
        }
      }
    }
  } finally {
    abort.abort();
  }
}

// One stream URL: its EventSource, what late pages need, and its followers.
class Channel {
  constructor(hub, url, resumeId) {
    this.hub = hub;
    this.url = url;
    this.subs = new Map(); // page id -> {ready}
    this.base = null; // the newest snapshot: {event, data, id}
    this.changes = []; // every change after `keptFrom`, in order
    this.queue = null; // the newest `queue` event since `base`: {event, data}
    this.keptFrom = seq(resumeId); // `changes` is complete after this id
    this.lastId = resumeId; // the last id received, to resume from
    this.state = "connecting";
    this.attempt = 0;
    this.retry = null;
    this.fetching = false;
    this.since = null; // when the connection went down, while it is
    const token = TRACK_URL.exec(url)?.[1];
    this.tracked = token != null && hub.tracking.join(this, token);
    if (!this.tracked) this.connect();
  }

  connect() {
    this.retry = null;
    const source = new EventSource(withLastId(this.url, this.lastId));
    this.source = source;
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (e) => this.received(name, e.data, e.lastEventId));
    }
    source.onopen = () => {
      this.attempt = 0;
      this.setState("opened");
    };
    source.onerror = () => {
      this.setState("failed");
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (server down, 204 for a finished order, 4xx):
        // the pages decide, each asking for "reconnect" or unfollowing.
        this.source = null;
        this.setState("closed");
      }
    };
  }

  received(event, data, id) {
    if (event === "queue") {
      // No id of its own (EventSource repeats the last one): it moves nothing.
      this.queue = { event, data, id: null };
      for (const [page, sub] of this.subs) {
        if (sub.ready) this.hub.send(page, { url: this.url, kind: "message", ...this.queue });
      }
      return;
    }
    const n = seq(id);
    if (id) this.lastId = id;
    if (event === "snapshot" || event === "reset") {
      this.base = { event, data, id };
      this.changes = [];
      this.keptFrom = n;
      this.queue = null; // the snapshot carries the place
    } else if (this.keptFrom != null && n > this.keptFrom) {
      this.changes.push({ event, data, id });
      if (this.changes.length > MAX_KEPT_CHANGES) this.refreshBase();
    }
    for (const [page, sub] of this.subs) {
      if (sub.ready) this.hub.send(page, { url: this.url, kind: "message", event, data, id });
    }
  }

  setState(kind, since = Date.now()) {
    if (kind === "opened") this.since = null;
    else if (kind === "failed" || kind === "closed") this.since ??= since;
    this.state = kind;
    for (const page of this.subs.keys()) this.hub.send(page, this.stateMessage());
  }

  stateMessage() {
    const msg = { url: this.url, kind: this.state };
    if (this.since != null) msg.since = this.since;
    return msg;
  }

  follow(page, lastId) {
    const last = seq(lastId);
    this.subs.set(page, { ready: false, fresh: last == null });
    if (this.state === "opened" || this.state === "failed" || this.state === "closed") {
      this.hub.send(page, this.stateMessage());
    }
    if (last != null && this.keptFrom != null && last >= this.keptFrom) {
      this.replay(page, last, null); // it has a state: only what it missed
    } else if (this.base) {
      this.replay(page, seq(this.base.id), { ...this.base, event: last == null ? "snapshot" : "reset" });
    } else if (this.keptFrom != null) {
      this.refreshBase(); // resumed without a snapshot: fetch one for this page
    } else {
      this.subs.get(page).ready = true; // the first snapshot is on its way
    }
  }

  replay(page, after, state) {
    if (state) this.hub.send(page, { url: this.url, kind: "message", ...state });
    for (const c of this.changes) {
      if (seq(c.id) > after) this.hub.send(page, { url: this.url, kind: "message", ...c });
    }
    if (this.queue) this.hub.send(page, { url: this.url, kind: "message", ...this.queue });
    this.subs.get(page).ready = true;
  }

  // Takes a fresh snapshot with one short request: what late pages get, and
  // the changes kept shrink to those after it.
  async refreshBase() {
    if (this.fetching) return;
    this.fetching = true;
    try {
      const snap = await fetchSnapshot(this.url);
      const at = seq(snap.id);
      if (this.keptFrom == null || at < this.keptFrom) {
        throw new Error(`snapshot of ${this.url} older than what is kept`);
      }
      this.base = snap;
      this.queue = null; // the fresh snapshot carries the place
      this.changes = this.changes.filter((c) => seq(c.id) > at);
      this.keptFrom = at;
      for (const [page, sub] of this.subs) {
        if (!sub.ready) this.replay(page, at, { ...snap, event: sub.fresh ? "snapshot" : "reset" });
      }
      this.fetching = false;
    } catch (err) {
      console.warn(`orderboard live: ${err}`);
      setTimeout(() => {
        this.fetching = false;
        if ([...this.subs.values()].some((s) => !s.ready)) this.refreshBase();
      }, backoffMs(this.attempt++));
    }
  }

  reconnect() {
    if (this.tracked) return this.hub.tracking.reconnect(this);
    if (this.source || this.retry) return;
    this.retry = setTimeout(() => this.connect(), backoffMs(this.attempt++));
  }

  close() {
    if (this.tracked) return this.hub.tracking.leave(this);
    if (this.source) this.source.close();
    clearTimeout(this.retry);
  }
}

// The combined stream of the tracking channels (see the top of this file).
class Tracking {
  constructor() {
    this.members = new Map(); // token -> its channel
    this.source = null;
    this.lastId = null; // the last id the combined stream received
    this.floor = null; // a lower id to resume from: an order joined as of it
    this.since = null; // when the combined stream went down, while it is
    this.attempt = 0;
    this.timer = null; // the next reopen
    this.timerAt = Infinity;
  }

  // Takes a tracking channel on; false when the combined stream is full.
  join(channel, token) {
    if (this.members.size >= MAX_TRACKED) return false;
    this.members.set(token, channel);
    channel.token = token;
    if (channel.lastId != null) this.from(channel.lastId);
    else this.fetchState(channel);
    return true;
  }

  // The joining order's state, with one short request; then the combined
  // stream reopens from no later than it.
  async fetchState(channel) {
    channel.fetchingState = true;
    try {
      const snap = await fetchSnapshot(channel.url);
      if (this.members.get(channel.token) !== channel) return;
      channel.received(snap.event, snap.data, snap.id);
      this.from(snap.id);
    } catch (err) {
      // Unknown order, or the server is down: its pages look and decide
      // (each asks for "reconnect", or leaves).
      console.warn(`orderboard live: ${err}`);
      if (this.members.get(channel.token) === channel) channel.setState("closed", this.since ?? Date.now());
    } finally {
      channel.fetchingState = false;
    }
  }

  // Reopens soon, resuming no later than `id`.
  from(id) {
    const n = seq(id);
    this.floor = this.floor == null ? n : Math.min(this.floor, n);
    this.reopenIn(JOIN_DELAY_MS);
  }

  leave(channel) {
    if (this.members.get(channel.token) !== channel) return;
    this.members.delete(channel.token);
    this.reopenIn(REMOVE_DELAY_MS);
  }

  // A page asks again after "closed": its order's state if it has none
  // yet, and the combined stream if it is down.
  reconnect(channel) {
    if (channel.lastId == null) {
      if (!channel.fetchingState) setTimeout(() => this.fetchState(channel), backoffMs(this.attempt++));
    } else if (!this.source && this.timer == null) {
      this.reopenIn(backoffMs(this.attempt++));
    }
  }

  reopenIn(ms) {
    const at = Date.now() + ms;
    if (this.timer != null && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.reopen(), ms);
  }

  // The orders with a state, on one stream again.
  reopen() {
    clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    if (this.source) {
      this.source.close();
      this.source = null;
    }
    const joined = [...this.members].filter(([, c]) => c.lastId != null);
    if (joined.length === 0) {
      this.lastId = null;
      this.floor = null;
      return;
    }
    const ids = [this.lastId, this.floor].filter((n) => n != null);
    const from = ids.length > 0 ? Math.min(...ids) : null; // none: a snapshot of all
    this.lastId = from;
    this.floor = null;
    const tokens = joined.map(([token]) => token).join(",");
    const source = new EventSource(withLastId(`/api/track/events?tokens=${tokens}`, from));
    this.source = source;
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (e) => this.received(name, e.data, e.lastEventId));
    }
    source.onopen = () => {
      this.attempt = 0;
      this.since = null;
      for (const [, channel] of joined) channel.setState("opened");
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.since ??= Date.now();
      const closed = source.readyState === EventSource.CLOSED;
      if (closed) this.source = null;
      for (const channel of this.members.values()) {
        if (channel.lastId == null) continue;
        channel.setState("failed", this.since);
        if (closed) channel.setState("closed", this.since);
      }
    };
  }

  // A combined event, handed to the channel of the order it is about: a
  // snapshot or reset split into one per order, a change only if its id is
  // above the last that channel received.
  received(event, data, id) {
    let body;
    try {
      body = JSON.parse(data);
    } catch {
      return;
    }
    if (event === "queue") {
      // A place in the queue: no id of its own, for the order it names.
      this.members.get(body.token)?.received(event, JSON.stringify({ queue: body.queue }), null);
      return;
    }
    const n = seq(id);
    if (n != null) this.lastId = n;
    if (event === "order") {
      const channel = this.members.get(body.token);
      if (channel && (channel.lastId == null || n > seq(channel.lastId))) {
        channel.received(event, data, id);
      }
    } else {
      for (const { token, order, queue } of body.orders ?? []) {
        const channel = this.members.get(token);
        if (channel) channel.received(event, JSON.stringify({ as_of: body.as_of, order, queue }), id);
      }
    }
  }
}

// Every stream this hub holds, by URL, and what pages ask of it.
class Hub {
  constructor(send, forget = () => {}) {
    this.send = send;
    this.forget = forget;
    this.channels = new Map();
    this.pages = new Set();
    this.tracking = new Tracking();
  }

  handle(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const { op, page, url } = msg;
    if (typeof page !== "string" || typeof url !== "string" || !url.startsWith("/api/")) return;
    const channel = this.channels.get(url);
    if (op === "follow") {
      this.watchPage(page);
      if (channel) channel.follow(page, msg.last_id ?? null);
      else {
        const created = new Channel(this, url, msg.last_id ?? null);
        this.channels.set(url, created);
        created.follow(page, msg.last_id ?? null);
      }
    } else if (op === "unfollow" && channel) {
      this.leave(channel, page);
    } else if (op === "reconnect" && channel) {
      channel.reconnect();
    }
  }

  leave(channel, page) {
    channel.subs.delete(page);
    if (channel.subs.size === 0) {
      channel.close();
      this.channels.delete(channel.url);
    }
  }

  // Each page holds a Web Lock named after it for its whole life; when the
  // hub is granted that lock, the page is gone and its follows end.
  watchPage(page) {
    if (this.pages.has(page) || !self.navigator.locks) return;
    this.pages.add(page);
    self.navigator.locks.request(`orderboard-page-${page}`, () => {
      this.pages.delete(page);
      this.forget(page);
      for (const channel of [...this.channels.values()]) {
        if (channel.subs.has(page)) this.leave(channel, page);
      }
    });
  }
}

if (typeof SharedWorkerGlobalScope !== "undefined" && self instanceof SharedWorkerGlobalScope) {
  const ports = new Map(); // page id -> its port
  const hub = new Hub(
    (page, msg) => ports.get(page)?.postMessage(JSON.stringify(msg)),
    (page) => ports.delete(page),
  );
  self.onconnect = (e) => {
    const port = e.ports[0];
    port.onmessage = (m) => {
      try {
        const page = JSON.parse(m.data).page;
        if (typeof page === "string") ports.set(page, port);
      } catch {
        return;
      }
      hub.handle(m.data);
    };
    port.start();
  };
} else {
  // The leader page's dedicated worker: every page, the leader included,
  // talks to it over one BroadcastChannel.
  const channel = new BroadcastChannel("orderboard-live");
  const hub = new Hub((page, msg) => channel.postMessage(JSON.stringify({ to: page, ...msg })));
  channel.onmessage = (m) => hub.handle(m.data);
  channel.postMessage(JSON.stringify({ kind: "hello" }));
}
