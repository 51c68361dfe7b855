//! Several tabs on one library. One tab writes at a time: a run holds the
//! browser's lock on the library (Web Locks) from its first photo to its last
//! saved grouping, and a tab that wants to run meanwhile waits for it; a
//! correction made while another tab runs is refused with a sentence. When a
//! tab has changed the library it says so on a `BroadcastChannel`; the
//! others re-read it (see the library service), so every tab ends up
//! showing the same people. A newer build opening the library announces its
//! schema first, so older tabs close their connection (IndexedDB would
//! otherwise block the upgrade until they are closed) and ask to be reloaded.

use futures::channel::oneshot;
use js_sys::{Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "facesort-library";
const LOCK: &str = "facesort-library";

/// What one tab tells the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum TabMessage {
    /// Photos or who is who changed and are saved.
    Changed,
    /// The library was deleted: nothing of it is valid any more.
    Cleared,
    /// A tab is opening the library with this schema version.
    Opening { schema: u32 },
}

/// This tab's end of the channel; messages from other tabs go to `on_message`.
pub struct Tabs {
    channel: Option<BroadcastChannel>,
    _listener: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl Tabs {
    pub fn open(mut on_message: impl FnMut(TabMessage) + 'static) -> Tabs {
        let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
            return Tabs {
                channel: None,
                _listener: None,
            };
        };
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            // A message another version cannot read is ignored, not fatal.
            if let Ok(message) = serde_wasm_bindgen::from_value(event.data()) {
                on_message(message);
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Tabs {
            channel: Some(channel),
            _listener: Some(listener),
        }
    }

    pub fn tell(&self, message: &TabMessage) {
        if let (Some(channel), Ok(value)) = (&self.channel, serde_wasm_bindgen::to_value(message)) {
            let _ = channel.post_message(&value);
        }
    }
}

/// The library's write lock, held until dropped (or `release`d). Browsers
/// without Web Locks (none current) run unlocked, as before.
pub struct LibraryLock {
    release: Option<Function>,
    /// Settles once the browser has let the lock go.
    released: Option<Promise>,
}

impl Drop for LibraryLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

impl LibraryLock {
    const UNLOCKED: LibraryLock = LibraryLock {
        release: None,
        released: None,
    };

    /// Waits until no other tab writes.
    pub async fn acquire() -> LibraryLock {
        request(false).await.unwrap_or(Self::UNLOCKED)
    }

    /// Lets the lock go and waits until the browser has: dropping it only
    /// asks, so this tab's own next `try_acquire` could still find it held.
    pub async fn release(mut self) {
        if let (Some(release), Some(released)) = (self.release.take(), self.released.take()) {
            let _ = release.call0(&JsValue::NULL);
            let _ = JsFuture::from(released).await;
        }
    }

    /// The lock if no other tab holds it, at once.
    pub async fn try_acquire() -> Option<LibraryLock> {
        request(true).await
    }
}

/// `navigator.locks.request(LOCK, {ifAvailable}, callback)`: the callback's
/// promise is kept pending until the returned lock is dropped.
async fn request(if_available: bool) -> Option<LibraryLock> {
    // From the global scope, not `window`: Web Locks exist in workers too.
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = match navigator.is_object() {
        true => Reflect::get(&navigator, &"locks".into()).ok()?,
        false => JsValue::UNDEFINED,
    };
    if locks.is_undefined() {
        return Some(LibraryLock::UNLOCKED);
    }
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let (granted_tx, granted) = oneshot::channel::<Option<Function>>();
    let granted_tx = Rc::new(RefCell::new(Some(granted_tx)));
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let Some(tx) = granted_tx.borrow_mut().take() else {
            return JsValue::UNDEFINED;
        };
        if lock.is_null() {
            // ifAvailable, and another tab holds it.
            let _ = tx.send(None);
            return JsValue::UNDEFINED;
        }
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        let _ = tx.send(release);
        held.into()
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &if_available.into());
    // Its promise settles when the lock is released.
    let released: Promise = request
        .call3(&locks, &LOCK.into(), &options, &callback)
        .ok()?
        .dyn_into()
        .ok()?;
    granted.await.ok().flatten().map(|release| LibraryLock {
        release: Some(release),
        released: Some(released),
    })
}
