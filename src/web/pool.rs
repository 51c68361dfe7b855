//! A pool of Web Workers running the pipeline, with typed requests and replies.

use super::js::describe;
use crate::people::book::GroupingJob;
use crate::people::cluster::Clustering;
use crate::wire::worker::{FromWorker, ToWorker, BYTES_FIELD};
use futures::channel::oneshot;
use js_sys::{Array, ArrayBuffer, Reflect};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// More workers than cores only adds memory (each holds its own models).
const MAX_WORKERS: usize = 4;

type Reply = oneshot::Sender<FromWorker>;

#[derive(Default)]
struct Inbox {
    ready: Option<oneshot::Sender<Result<(), String>>>,
    photos: HashMap<u32, Reply>,
    cluster: Option<Reply>,
    dead: Option<String>,
}

impl Inbox {
    /// A worker that crashed answers every outstanding request with why.
    fn fail_all(&mut self, message: String) {
        if let Some(r) = self.ready.take() {
            let _ = r.send(Err(message.clone()));
        }
        for (id, r) in self.photos.drain() {
            let _ = r.send(FromWorker::Failed {
                id,
                message: message.clone(),
            });
        }
        if let Some(r) = self.cluster.take() {
            let _ = r.send(FromWorker::Failed {
                id: u32::MAX,
                message: message.clone(),
            });
        }
        self.dead = Some(message);
    }
}

struct Slot {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    busy: Cell<usize>,
    /// Kept alive as long as the worker: dropping them detaches the handlers.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

pub struct WorkerPool {
    slots: Vec<Slot>,
}

pub fn default_size() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(2);
    cores.clamp(1, MAX_WORKERS)
}

impl WorkerPool {
    /// Starts `size` workers and waits until every one has loaded its models.
    pub async fn start(size: usize) -> Result<WorkerPool, String> {
        let mut slots = Vec::new();
        let mut readies = Vec::new();
        for _ in 0..size {
            let worker = Worker::new("./worker_loader.js")
                .map_err(|e| format!("could not start a worker: {}", describe(&e)))?;
            let inbox = Rc::new(RefCell::new(Inbox::default()));
            let (tx, rx) = oneshot::channel();
            inbox.borrow_mut().ready = Some(tx);
            readies.push(rx);
            let on_message = {
                let inbox = inbox.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    route(&inbox, event.data())
                })
            };
            let on_error = {
                let inbox = inbox.clone();
                Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                    inbox
                        .borrow_mut()
                        .fail_all(format!("the worker stopped: {}", event.message()));
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            slots.push(Slot {
                worker,
                inbox,
                busy: Cell::new(0),
                _on_message: on_message,
                _on_error: on_error,
            });
        }
        for rx in readies {
            rx.await
                .unwrap_or_else(|_| Err("a worker stopped while loading".into()))?;
        }
        Ok(WorkerPool { slots })
    }

    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// Analyses one photo on the least busy worker; `bytes` is transferred.
    pub async fn analyse(&self, id: u32, bytes: ArrayBuffer) -> FromWorker {
        let slot = self
            .slots
            .iter()
            .filter(|s| s.inbox.borrow().dead.is_none())
            .min_by_key(|s| s.busy.get());
        let Some(slot) = slot else {
            return FromWorker::Failed {
                id,
                message: "every worker has stopped; reload the page".into(),
            };
        };
        let (tx, rx) = oneshot::channel();
        slot.inbox.borrow_mut().photos.insert(id, tx);
        let message = serde_wasm_bindgen::to_value(&ToWorker::Analyse { id })
            .expect("protocol messages serialise");
        Reflect::set(&message, &BYTES_FIELD.into(), &bytes)
            .expect("setting a property on a fresh object");
        slot.busy.set(slot.busy.get() + 1);
        let sent = slot
            .worker
            .post_message_with_transfer(&message, &Array::of1(&bytes));
        let reply = match sent {
            Ok(()) => rx.await.unwrap_or(FromWorker::Failed {
                id,
                message: "the worker stopped".into(),
            }),
            Err(e) => FromWorker::Failed {
                id,
                message: describe(&e),
            },
        };
        slot.busy.set(slot.busy.get() - 1);
        reply
    }

    /// Clusters on a worker so the page never computes the distance matrix.
    pub async fn cluster(&self, job: GroupingJob) -> Result<Clustering, String> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.inbox.borrow().dead.is_none())
            .ok_or("every worker has stopped; reload the page")?;
        let (tx, rx) = oneshot::channel();
        slot.inbox.borrow_mut().cluster = Some(tx);
        let message = serde_wasm_bindgen::to_value(&ToWorker::Cluster { job })
            .expect("protocol messages serialise");
        slot.worker
            .post_message(&message)
            .map_err(|e| describe(&e))?;
        match rx.await {
            Ok(FromWorker::Clustered { clustering }) => Ok(clustering),
            Ok(FromWorker::Failed { message, .. }) => Err(message),
            _ => Err("the worker stopped while grouping faces".into()),
        }
    }
}

fn route(inbox: &Rc<RefCell<Inbox>>, data: JsValue) {
    let message: FromWorker = match serde_wasm_bindgen::from_value(data) {
        Ok(m) => m,
        Err(e) => {
            return inbox
                .borrow_mut()
                .fail_all(format!("unreadable reply from a worker: {e}"))
        }
    };
    let mut inbox = inbox.borrow_mut();
    match message {
        FromWorker::Ready => {
            if let Some(r) = inbox.ready.take() {
                let _ = r.send(Ok(()));
            }
        }
        FromWorker::ModelsFailed { message } => inbox.fail_all(message),
        FromWorker::Analysed { id, .. } | FromWorker::Failed { id, .. }
            if inbox.photos.contains_key(&id) =>
        {
            let reply = inbox.photos.remove(&id).expect("checked above");
            let _ = reply.send(message);
        }
        FromWorker::Clustered { .. } => {
            if let Some(r) = inbox.cluster.take() {
                let _ = r.send(message);
            }
        }
        // A failure that is not about a photo (an unreadable request, as from
        // a worker of another version) answers the grouping waiting, if any,
        // rather than leaving it waiting for ever.
        FromWorker::Failed { .. } => {
            if let Some(r) = inbox.cluster.take() {
                let _ = r.send(message);
            }
        }
        FromWorker::Analysed { .. } => {}
    }
}
