//! A pool of Web Workers running the pipeline. Each request gets an id the
//! pool owns; a worker's reply is matched to its request by that id, and its
//! kind is checked against the request's own reply type
//! ([`WorkerRequest`]).

use super::error::{AskError, PoolError};
use crate::people::cluster::Clustering;
use crate::web::js::describe;
use crate::wire::grouping::GroupingError;
use crate::wire::grouping::GroupingJob;
use crate::wire::worker::{
    AnalyseError, AnalyseRequest, FromWorker, PhotoReport, RequestId, WorkerRequest, BYTES_FIELD,
};
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

type Waiting = oneshot::Sender<Result<FromWorker, PoolError>>;

/// One worker's outstanding requests, by id.
#[derive(Default)]
pub struct Inbox {
    ready: Option<oneshot::Sender<Result<(), PoolError>>>,
    waiting: HashMap<RequestId, Waiting>,
    dead: Option<PoolError>,
}

impl Inbox {
    /// Waits for the worker's `Ready` (or why it could not start).
    pub fn wait_ready(&mut self) -> oneshot::Receiver<Result<(), PoolError>> {
        let (tx, rx) = oneshot::channel();
        self.ready = Some(tx);
        rx
    }

    /// Waits for the reply to request `id`; a dead worker answers at once.
    pub fn wait_for(&mut self, id: RequestId) -> oneshot::Receiver<Result<FromWorker, PoolError>> {
        let (tx, rx) = oneshot::channel();
        match &self.dead {
            Some(error) => {
                let _ = tx.send(Err(error.clone()));
            }
            None => {
                self.waiting.insert(id, tx);
            }
        }
        rx
    }

    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    pub fn outstanding(&self) -> usize {
        self.waiting.len()
    }

    /// Hands a message from the worker to whoever waits for it.
    pub fn deliver(&mut self, message: FromWorker) {
        match message {
            FromWorker::Ready => {
                if let Some(r) = self.ready.take() {
                    let _ = r.send(Ok(()));
                }
            }
            FromWorker::ModelsFailed { error } => self.fail_all(PoolError::Models(error)),
            FromWorker::Unreadable { id: None, error } => {
                // Not even the id could be read: this worker and page disagree.
                self.fail_all(PoolError::Unreadable(error))
            }
            FromWorker::Unreadable {
                id: Some(id),
                error,
            } => {
                if let Some(w) = self.waiting.remove(&id) {
                    let _ = w.send(Err(PoolError::Unreadable(error)));
                }
            }
            FromWorker::Analysed { id, .. } | FromWorker::Grouped { id, .. } => {
                // A reply nobody waits for (its request was given up) is dropped.
                if let Some(w) = self.waiting.remove(&id) {
                    let _ = w.send(Ok(message));
                }
            }
        }
    }

    /// A worker that died answers every outstanding request with why.
    pub fn fail_all(&mut self, error: PoolError) {
        if let Some(r) = self.ready.take() {
            let _ = r.send(Err(error.clone()));
        }
        for (_, w) in self.waiting.drain() {
            let _ = w.send(Err(error.clone()));
        }
        self.dead = Some(error);
    }
}

struct Slot {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    /// Kept alive as long as the worker: dropping them detaches the handlers.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

pub struct WorkerPool {
    slots: Vec<Slot>,
    next_id: Cell<u32>,
}

pub fn default_size() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(2);
    cores.clamp(1, MAX_WORKERS)
}

impl WorkerPool {
    /// Starts `size` workers and waits until every one has loaded its models.
    pub async fn start(size: usize) -> Result<WorkerPool, PoolError> {
        let mut slots = Vec::new();
        let mut readies = Vec::new();
        for _ in 0..size {
            let worker =
                Worker::new("./worker_loader.js").map_err(|e| PoolError::Spawn(describe(&e)))?;
            let inbox = Rc::new(RefCell::new(Inbox::default()));
            readies.push(inbox.borrow_mut().wait_ready());
            let on_message = {
                let inbox = inbox.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    let mut inbox = inbox.borrow_mut();
                    match serde_wasm_bindgen::from_value::<FromWorker>(event.data()) {
                        Ok(message) => inbox.deliver(message),
                        Err(e) => inbox.fail_all(PoolError::Unreadable(e.to_string())),
                    }
                })
            };
            let on_error = {
                let inbox = inbox.clone();
                Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                    inbox
                        .borrow_mut()
                        .fail_all(PoolError::Stopped(event.message()));
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            slots.push(Slot {
                worker,
                inbox,
                _on_message: on_message,
                _on_error: on_error,
            });
        }
        for rx in readies {
            rx.await.unwrap_or(Err(PoolError::StoppedLoading))?;
        }
        Ok(WorkerPool {
            slots,
            next_id: Cell::new(0),
        })
    }

    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// Analyses one photo on the least busy worker; `bytes` is transferred.
    pub async fn analyse(
        &self,
        bytes: ArrayBuffer,
        request: AnalyseRequest,
    ) -> Result<PhotoReport, AskError<AnalyseError>> {
        self.ask(request, Some(bytes)).await
    }

    /// Groups faces on a worker, so the page never computes distances.
    pub async fn group(&self, job: GroupingJob) -> Result<Clustering, AskError<GroupingError>> {
        self.ask(job, None).await
    }

    /// Sends `request` to the least busy live worker and waits for its reply.
    pub async fn ask<R: WorkerRequest>(
        &self,
        request: R,
        transfer: Option<ArrayBuffer>,
    ) -> Result<R::Reply, AskError<R::Error>> {
        let slot = self
            .slots
            .iter()
            .filter(|s| !s.inbox.borrow().is_dead())
            .min_by_key(|s| s.inbox.borrow().outstanding())
            .ok_or(PoolError::AllStopped)?;
        let id = RequestId(self.next_id.get());
        self.next_id.set(self.next_id.get().wrapping_add(1));
        let message = serde_wasm_bindgen::to_value(&request.into_message(id))
            .map_err(|e| PoolError::Post(e.to_string()))?;
        let reply = slot.inbox.borrow_mut().wait_for(id);
        let sent = match &transfer {
            Some(bytes) => Reflect::set(&message, &BYTES_FIELD.into(), bytes).and_then(|_| {
                slot.worker
                    .post_message_with_transfer(&message, &Array::of1(bytes))
            }),
            None => slot.worker.post_message(&message),
        };
        if let Err(e) = sent {
            slot.inbox.borrow_mut().waiting.remove(&id);
            return Err(PoolError::Post(describe(&e)).into());
        }
        let message = reply
            .await
            .unwrap_or_else(|_| Err(PoolError::Stopped("it went away".into())))?;
        R::reply(message)
            .ok_or(PoolError::WrongReply)?
            .map_err(AskError::Refused)
    }
}
