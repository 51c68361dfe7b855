//! What can go wrong in the page's services, as types. The UI turns them into
//! sentences (their `Display`) at the edge, and nothing here is a bare string
//! to be searched.

use super::crypto::CryptoError;
use crate::web::js::BrowserError;
use crate::wire::gallery::GalleryError;
use crate::wire::grouping::GroupingError;
use crate::wire::worker::{AnalyseError, ModelsError};
use thiserror::Error;

#[derive(Clone, Debug, Error, PartialEq)]
pub enum StorageError {
    #[error("the browser's storage for this site is full (free some space on this computer, or remove other sites' data)")]
    Full,
    #[error("the browser's storage failed ({0})")]
    Failed(String),
    #[error("a record could not be prepared for storage ({0})")]
    Encode(String),
    #[error("the library holds no copy of it")]
    Missing,
    /// Another tab needs the library to itself (a newer version opening it).
    #[error("the library was closed in this tab; reload the page")]
    Closed,
}

impl StorageError {
    /// Classifies a failure by the DOMException the browser raised: a full
    /// disk is `QuotaExceededError`, whatever the message says.
    pub fn from_detail(detail: String) -> StorageError {
        if detail.contains("QuotaExceededError") {
            StorageError::Full
        } else {
            StorageError::Failed(detail)
        }
    }
}

impl From<rexie::Error> for StorageError {
    fn from(e: rexie::Error) -> Self {
        // rexie's own message is just "idb error": the DOMException is inside.
        let detail = match &e {
            rexie::Error::IdbError(inner) => inner.to_string(),
            other => other.to_string(),
        };
        StorageError::from_detail(detail)
    }
}

impl From<serde_wasm_bindgen::Error> for StorageError {
    fn from(e: serde_wasm_bindgen::Error) -> Self {
        StorageError::Encode(e.to_string())
    }
}

/// The worker pool could not do what was asked.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum PoolError {
    #[error("could not start a worker: {0}")]
    Spawn(String),
    #[error(transparent)]
    Models(#[from] ModelsError),
    #[error("a worker stopped while loading")]
    StoppedLoading,
    #[error("every worker has stopped; reload the page")]
    AllStopped,
    #[error("the worker stopped: {0}")]
    Stopped(String),
    /// A bug in Facesort met this photo; the worker was replaced.
    #[error("Facesort failed on this photo ({0}); the other photos go on")]
    Crashed(String),
    #[error("the request could not be sent to the worker: {0}")]
    Post(String),
    #[error("the worker could not read the request: {0}")]
    Unreadable(String),
    #[error("the worker answered another kind of request")]
    WrongReply,
}

impl PoolError {
    /// The worker died with the request on it, under way or queued behind
    /// the photo it was on: not necessarily this photo's doing.
    pub fn worker_lost(&self) -> bool {
        matches!(self, PoolError::Crashed(_) | PoolError::Stopped(_))
    }
}

/// Why one photo was not sorted: shown next to its name.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum PhotoError {
    #[error("the browser could not read the file ({0})")]
    Read(BrowserError),
    #[error("the browser could not read this folder ({0})")]
    ReadFolder(BrowserError),
    #[error("its content could not be hashed ({0})")]
    Hash(BrowserError),
    #[error(transparent)]
    Analyse(#[from] AnalyseError),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// Why an export (a zip or a folder) stopped.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum DownloadError {
    #[error("{name} could not be read from your library ({detail})")]
    Read { name: String, detail: String },
    #[error("the zip could not be written ({0})")]
    Zip(String),
    #[error("the file could not be written ({0})")]
    Write(BrowserError),
    /// The user (or the browser) cancelled a streamed download.
    #[error("the download was cancelled")]
    DownloadCancelled,
    /// A streamed download's other end went away.
    #[error("the download stopped")]
    DownloadStopped,
    #[error("the folder could not be written ({0})")]
    Folder(BrowserError),
    #[error("another export is under way; wait for it or cancel it")]
    Busy,
    #[error("{name} is no longer in the folder {folder} (moved, renamed or deleted)")]
    Missing { name: String, folder: String },
    #[error("{name} in the folder {folder} is not the photo that was sorted (it changed since)")]
    Changed { name: String, folder: String },
    #[error("Facesort may not read the folder {0} yet: allow it under \"Your library\"")]
    NoAccess(String),
    #[error("the gallery could not be made: {0}")]
    Gallery(#[from] GalleryMakeError),
}

/// One of the page's own files (the app, for a gallery or a guest) could
/// not be loaded.
#[derive(Clone, Debug, Error, PartialEq)]
#[error("{file} could not be loaded ({detail})")]
pub struct AppFileError {
    pub file: String,
    pub detail: String,
}

/// Why a guest gallery could not be made (beyond writing its zip).
#[derive(Clone, Debug, Error, PartialEq)]
pub enum GalleryMakeError {
    #[error(transparent)]
    Gallery(#[from] GalleryError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    AppFile(#[from] AppFileError),
    #[error("the app's index.html has no </head>")]
    NoHead,
    #[error("the app's index.html could not be hashed ({0})")]
    Hash(BrowserError),
    #[error("the gallery's index could not be written ({0})")]
    Index(String),
}

impl From<serde_json::Error> for GalleryMakeError {
    fn from(e: serde_json::Error) -> Self {
        GalleryMakeError::Index(e.to_string())
    }
}

impl DownloadError {
    /// `name` could not be read from the library.
    pub fn unread(name: &str, e: &StorageError) -> Self {
        DownloadError::Read {
            name: name.to_string(),
            detail: e.to_string(),
        }
    }
}

/// Something the page tells the user about the library as a whole.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum Problem {
    #[error("Facesort could not start: {0}")]
    Start(PoolError),
    #[error("Your library could not be opened: {0}. Photos sorted now will not be kept.")]
    Open(StorageError),
    #[error("Your library could not be read: {0}")]
    Read(StorageError),
    #[error("Your library could not note the new photos: {0}")]
    NotePending(StorageError),
    #[error("The list of photos not sorted could not be cleared: {0}")]
    ForgetPending(StorageError),
    /// `path` and `others` more photos saved with it.
    #[error("{path}{} could not be kept in your library: {error}", match others { 0 => String::new(), 1 => " and 1 other photo".to_string(), n => format!(" and {n} other photos") })]
    KeepPhoto {
        path: String,
        others: usize,
        error: StorageError,
    },
    #[error("The folder {name} could not be noted in your library, so its photos were not added: {error}")]
    KeepFolder { name: String, error: StorageError },
    /// Sorting stopped: nothing more fits. What was kept is complete.
    #[error("The browser's storage for this site is full, so sorting stopped: {} not added yet. Everything sorted before is kept. Free some space on this computer (or remove other sites' data), then try again.", if *held == 1 { "1 photo was".to_string() } else { format!("{held} photos were") })]
    Full { held: usize },
    #[error("Some of your library could not be read back and is left out: {}", .0.join(", "))]
    Damaged(Vec<String>),
    #[error("Who is who could not be kept in your library: {0}")]
    KeepBook(StorageError),
    #[error("Grouping faces failed: {0}")]
    Grouping(GroupingFailure),
    #[error("The library could not be cleared: {0}. Reload the page to go on.")]
    Clear(StorageError),
    #[error("The library is busy; try again when sorting has finished.")]
    Busy,
    /// Another tab cleared the library: this one reloads.
    #[error("Your library was cleared in another tab; this tab is reloading.")]
    ClearedElsewhere,
    /// A newer Facesort opened the library in another tab.
    #[error("Facesort was updated in another tab: reload this tab to go on (nothing is lost).")]
    Outdated,
    #[error("The download failed: {0}")]
    Download(DownloadError),
    #[error("The folder could not be read: {0}")]
    ReadFolder(BrowserError),
}

#[derive(Clone, Debug, Error, PartialEq)]
pub enum GroupingFailure {
    #[error(transparent)]
    Job(#[from] GroupingError),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// A pool request's failure: the worker refused it, or the pool failed.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum AskError<E: std::error::Error> {
    #[error(transparent)]
    Refused(E),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

impl From<AskError<AnalyseError>> for PhotoError {
    fn from(e: AskError<AnalyseError>) -> Self {
        match e {
            AskError::Refused(e) => PhotoError::Analyse(e),
            AskError::Pool(e) => PhotoError::Pool(e),
        }
    }
}

impl From<AskError<GroupingError>> for GroupingFailure {
    fn from(e: AskError<GroupingError>) -> Self {
        match e {
            AskError::Refused(e) => GroupingFailure::Job(e),
            AskError::Pool(e) => GroupingFailure::Pool(e),
        }
    }
}
