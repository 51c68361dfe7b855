//! The browser shell over the pipeline: the worker side ([`worker`]), and on
//! the page, [`services`] (the library service, storage, the worker pool,
//! downloads) under the [`ui`] (Leptos components). The UI reads what the
//! services publish and sends them commands; services never reach into the UI.

pub mod js;

#[cfg(feature = "worker")]
pub mod worker;

#[cfg(feature = "app")]
pub mod services;
#[cfg(feature = "app")]
pub mod ui;
