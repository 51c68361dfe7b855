//! A download written to disk as it is made, through the service worker
//! (`public/sw.js`, "streamed downloads"): for browsers without a save-file
//! picker (Firefox, Safari), where a zip offered as one Blob would first be
//! held whole by the browser.
//!
//! The page posts a `MessagePort` to its service worker, then points a hidden
//! frame at `download/<id>`; the worker answers that request with a download
//! whose body asks the page for one chunk at a time. Where the page has no
//! service worker (the first visit before it took control, a development
//! server, a private window that allows none) [`StreamedDownload::open`] says
//! so and the caller falls back to Blob parts.

use super::crypto::random_bytes;
use super::error::DownloadError;
use crate::wire::gallery::to_hex;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use gloo::timers::callback::{Interval, Timeout};
use gloo::timers::future::TimeoutFuture;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlIFrameElement, MessageChannel, MessageEvent, MessagePort, ServiceWorker};

/// How long the service worker may take to take the port, and then to see
/// the frame's request, before the page falls back to Blob parts.
const READY_MS: u32 = 3_000;
const STARTED_MS: u32 = 10_000;
/// Browsers stop a service worker that received no event for about 30 s.
const KEEP_ALIVE_MS: u32 = 10_000;
/// Left in place a while after the end: removing the frame at once could
/// cancel a download whose last chunks are still being saved.
const FRAME_LINGER_MS: u32 = 60_000;

/// What the service worker says through the port.
#[derive(Debug, PartialEq)]
enum Said {
    Ready,
    Started,
    /// Wants the next chunk.
    Pull,
    /// The user cancelled the download in the browser.
    Cancelled,
}

impl Said {
    fn of(event: &MessageEvent) -> Option<Said> {
        let kind = Reflect::get(&event.data(), &"kind".into())
            .ok()?
            .as_string()?;
        match kind.as_str() {
            "ready" => Some(Said::Ready),
            "started" => Some(Said::Started),
            "pull" => Some(Said::Pull),
            "cancelled" => Some(Said::Cancelled),
            _ => None,
        }
    }
}

pub(super) struct StreamedDownload {
    port: MessagePort,
    said: mpsc::UnboundedReceiver<Said>,
    frame: HtmlIFrameElement,
    ended: bool,
    _listener: Closure<dyn FnMut(MessageEvent)>,
    _keep_alive: Interval,
}

impl StreamedDownload {
    /// Starts a streamed download of `file_name`; `None` where the page has
    /// no service worker to stream through (or it did not answer in time).
    pub(super) async fn open(file_name: &str) -> Option<StreamedDownload> {
        let window = web_sys::window()?;
        let worker = window.navigator().service_worker().controller()?;
        let document = window.document()?;
        let channel = MessageChannel::new().ok()?;
        let (tx, said) = mpsc::unbounded();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(s) = Said::of(&event) {
                let _ = tx.unbounded_send(s);
            }
        });
        let port = channel.port1();
        port.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        let id = to_hex(&random_bytes(16).ok()?);
        let message = message("stream-download");
        let _ = Reflect::set(&message, &"id".into(), &id.as_str().into());
        let _ = Reflect::set(&message, &"name".into(), &file_name.into());
        worker
            .post_message_with_transferable(&message, &Array::of1(&channel.port2()))
            .ok()?;
        let frame: HtmlIFrameElement = document.create_element("iframe").ok()?.unchecked_into();
        let mut download = StreamedDownload {
            port,
            said,
            frame,
            ended: false,
            _listener: listener,
            _keep_alive: keep_alive(worker),
        };
        if download.next_within(READY_MS).await != Some(Said::Ready) {
            return None;
        }
        download.frame.set_hidden(true);
        download.frame.set_title("Download");
        download.frame.set_src(&format!("download/{id}"));
        document.body()?.append_child(&download.frame).ok()?;
        if download.next_within(STARTED_MS).await != Some(Said::Started) {
            return None;
        }
        Some(download)
    }

    async fn next_within(&mut self, ms: u32) -> Option<Said> {
        futures::select! {
            said = self.said.next() => said,
            _ = TimeoutFuture::new(ms).fuse() => None,
        }
    }

    /// Sends one chunk when the download asks for it.
    pub(super) async fn write(&mut self, bytes: &[u8]) -> Result<(), DownloadError> {
        match self.said.next().await {
            Some(Said::Pull) => {}
            Some(Said::Cancelled) => return Err(DownloadError::DownloadCancelled),
            _ => return Err(DownloadError::DownloadStopped),
        }
        let chunk = Uint8Array::from(bytes);
        let message = message("chunk");
        let _ = Reflect::set(&message, &"bytes".into(), &chunk.buffer());
        self.port
            .post_message_with_transferable(&message, &Array::of1(&chunk.buffer()))
            .map_err(|e| DownloadError::Write(e.into()))
    }

    /// Ends the download: everything was written.
    pub(super) fn finish(mut self) {
        self.say("end");
        self.ended = true;
    }

    fn say(&self, kind: &str) {
        let _ = self.port.post_message(&message(kind));
    }
}

/// Unless finished, the download is stopped, and the browser drops what it
/// saved of it: a cancelled or failed export leaves no partial zip.
impl Drop for StreamedDownload {
    fn drop(&mut self) {
        if !self.ended {
            self.say("abort");
        }
        // The listener goes with `self`: the port must not call it after.
        self.port.set_onmessage(None);
        let frame = self.frame.clone();
        Timeout::new(FRAME_LINGER_MS, move || frame.remove()).forget();
    }
}

/// A message to the service worker: `{kind}`, to which a caller may add fields.
fn message(kind: &str) -> Object {
    let message = Object::new();
    let _ = Reflect::set(&message, &"kind".into(), &kind.into());
    message
}

fn keep_alive(worker: ServiceWorker) -> Interval {
    Interval::new(KEEP_ALIVE_MS, move || {
        let _ = worker.post_message(&"keep-alive".into());
    })
}
