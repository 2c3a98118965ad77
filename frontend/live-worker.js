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

"use strict";

const EVENT_NAMES = ["snapshot", "order", "reset"];
// Past this many changes after its snapshot, the hub fetches a fresh one, so
// what it keeps for late pages stays small.
const MAX_KEPT_CHANGES = 512;

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
    this.keptFrom = seq(resumeId); // `changes` is complete after this id
    this.lastId = resumeId; // the last id received, to resume from
    this.state = "connecting";
    this.attempt = 0;
    this.retry = null;
    this.fetching = false;
    this.connect();
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
    const n = seq(id);
    if (id) this.lastId = id;
    if (event === "snapshot" || event === "reset") {
      this.base = { event, data, id };
      this.changes = [];
      this.keptFrom = n;
    } else if (this.keptFrom != null && n > this.keptFrom) {
      this.changes.push({ event, data, id });
      if (this.changes.length > MAX_KEPT_CHANGES) this.refreshBase();
    }
    for (const [page, sub] of this.subs) {
      if (sub.ready) this.hub.send(page, { url: this.url, kind: "message", event, data, id });
    }
  }

  setState(kind) {
    this.state = kind;
    for (const page of this.subs.keys()) this.hub.send(page, { url: this.url, kind });
  }

  follow(page, lastId) {
    const last = seq(lastId);
    this.subs.set(page, { ready: false, fresh: last == null });
    if (this.state === "opened" || this.state === "failed" || this.state === "closed") {
      this.hub.send(page, { url: this.url, kind: this.state });
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
    if (this.source || this.retry) return;
    this.retry = setTimeout(() => this.connect(), backoffMs(this.attempt++));
  }

  close() {
    if (this.source) this.source.close();
    clearTimeout(this.retry);
  }
}

// Every stream this hub holds, by URL, and what pages ask of it.
class Hub {
  constructor(send, forget = () => {}) {
    this.send = send;
    this.forget = forget;
    this.channels = new Map();
    this.pages = new Set();
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
