//! A pool of Web Workers running the pipeline. Each request gets an id the
//! pool owns; a worker's reply is matched to its request by that id, and its
//! kind is checked against the request's own reply type
//! ([`WorkerRequest`]).

use super::error::{AskError, PhotoError, PoolError};
use crate::people::cluster::Clustering;
use crate::web::js::describe;
use crate::wire::grouping::GroupingError;
use crate::wire::grouping::GroupingJob;
use crate::wire::worker::{
    AnalyseError, AnalyseRequest, FromWorker, PhotoReport, RequestId, WorkerRequest, BYTES_FIELD,
};
use futures::channel::oneshot;
use futures::future::{LocalBoxFuture, Shared};
use futures::FutureExt;
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
            // It panicked: its wasm instance is unusable from here on.
            FromWorker::Crashed { message } => self.fail_all(PoolError::Crashed(message)),
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

    /// A worker that died answers every outstanding request with why. The
    /// first reason stands (a panic's message, then the error event it causes).
    pub fn fail_all(&mut self, error: PoolError) {
        if let Some(r) = self.ready.take() {
            let _ = r.send(Err(error.clone()));
        }
        for (_, w) in self.waiting.drain() {
            let _ = w.send(Err(error.clone()));
        }
        self.dead.get_or_insert(error);
    }

    /// Died of something a fresh worker would not repeat: a panic or an
    /// uncaught error on one photo, not models that fail to load.
    fn replaceable(&self) -> bool {
        matches!(
            self.dead,
            Some(PoolError::Crashed(_) | PoolError::Stopped(_) | PoolError::Unreadable(_))
        )
    }
}

/// Resolves once the worker has loaded its models (shared by every request
/// that waits for a worker still starting).
type Ready = Shared<LocalBoxFuture<'static, Result<(), PoolError>>>;

/// A crash loop (a browser that kills every worker) must end: after this
/// many replacements, dead workers stay dead and the run says so.
const MAX_REPLACEMENTS: u32 = 16;

struct Slot {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    ready: Ready,
    /// Kept alive as long as the worker: dropping them detaches the handlers.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

pub struct WorkerPool {
    slots: RefCell<Vec<Rc<Slot>>>,
    next_id: Cell<u32>,
    replaced: Cell<u32>,
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
        let slots = (0..size)
            .map(|_| Slot::spawn().map(Rc::new))
            .collect::<Result<Vec<_>, _>>()?;
        for slot in &slots {
            slot.ready.clone().await?;
        }
        Ok(WorkerPool {
            slots: RefCell::new(slots),
            next_id: Cell::new(0),
            replaced: Cell::new(0),
        })
    }

    pub fn size(&self) -> usize {
        self.slots.borrow().len()
    }

    /// The least busy live worker, after replacing any that crashed.
    fn pick(&self) -> Result<Rc<Slot>, PoolError> {
        let mut slots = self.slots.borrow_mut();
        for slot in slots.iter_mut() {
            if slot.inbox.borrow().replaceable() && self.replaced.get() < MAX_REPLACEMENTS {
                slot.worker.terminate();
                if let Ok(fresh) = Slot::spawn() {
                    self.replaced.set(self.replaced.get() + 1);
                    *slot = Rc::new(fresh);
                }
            }
        }
        slots
            .iter()
            .filter(|s| !s.inbox.borrow().is_dead())
            .min_by_key(|s| s.inbox.borrow().outstanding())
            .cloned()
            .ok_or(PoolError::AllStopped)
    }

    /// Analyses one photo on the least busy worker; `bytes` is transferred.
    pub async fn analyse(
        &self,
        bytes: ArrayBuffer,
        request: AnalyseRequest,
    ) -> Result<PhotoReport, AskError<AnalyseError>> {
        self.ask(request, Some(bytes)).await
    }

    /// Reads a file the user chose and analyses it (a reference photo or a
    /// guest's selfie: photos that are not added to a library).
    pub async fn analyse_file(
        &self,
        file: &web_sys::File,
        request: AnalyseRequest,
    ) -> Result<PhotoReport, PhotoError> {
        Ok(self.analyse(read_file(file).await?, request).await?)
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
        let slot = self.pick()?;
        // A replacement takes a moment to load its models.
        slot.ready.clone().await?;
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

impl Slot {
    fn spawn() -> Result<Slot, PoolError> {
        let worker = Worker::new(loader_url()).map_err(|e| PoolError::Spawn(describe(&e)))?;
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let ready = inbox.borrow_mut().wait_ready();
        let ready = async move { ready.await.unwrap_or(Err(PoolError::StoppedLoading)) }
            .boxed_local()
            .shared();
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
                // Handled here: the page must not report it as its own uncaught error.
                event.prevent_default();
                inbox
                    .borrow_mut()
                    .fail_all(PoolError::Stopped(event.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Slot {
            worker,
            inbox,
            ready,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

/// A photo file's bytes, read for a worker.
pub async fn read_file(file: &web_sys::File) -> Result<ArrayBuffer, PhotoError> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| PhotoError::Read(e.into()))?;
    Ok(ArrayBuffer::from(buffer))
}

/// The workers' loader; `?simd=baseline` on the page's address is passed on,
/// so the workers load their build without relaxed SIMD (public/worker_loader.js):
/// for tests, and for telling a browser's fault from Facesort's.
fn loader_url() -> &'static str {
    let asked = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("simd"));
    // Read as the loader reads its own address's.
    if asked.as_deref() == Some("baseline") {
        "./worker_loader.js?simd=baseline"
    } else {
        "./worker_loader.js"
    }
}
