//! The browser shell: worker glue, import, downloads and the UI. Everything
//! here is a thin layer over the pipeline; no face logic lives in it.

pub mod js;

#[cfg(feature = "worker")]
pub mod worker;

#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod download;
#[cfg(feature = "app")]
pub mod edit;
#[cfg(feature = "app")]
pub mod find;
#[cfg(feature = "app")]
pub mod history;
#[cfg(feature = "app")]
pub mod import;
#[cfg(feature = "app")]
pub mod library;
#[cfg(feature = "app")]
pub mod pool;
#[cfg(feature = "app")]
pub mod session;
#[cfg(feature = "app")]
pub mod state;
