//! What the page shows, as reactive signals, plus the browser objects behind
//! it that cannot live in signals (files, workers).

use super::pool::WorkerPool;
use crate::face::embedding::Embedding;
use crate::face::geometry::FaceBox;
use crate::face::timing::StageTimings;
use crate::people::book::{Book, FaceKey};
use crate::people::cluster::PersonId;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub struct FaceView {
    pub bbox: FaceBox,
    pub crop_url: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PhotoView {
    pub id: u32,
    /// File name, as downloads use it.
    pub name: String,
    pub thumb_url: String,
    /// When it was taken (or, failing that, the file's time).
    pub seen: crate::people::timeline::Seen,
    /// When it joined the library (local wall-clock time, like `seen`).
    pub added_ms: f64,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonView {
    pub id: PersonId,
    pub name: String,
    pub hidden: bool,
    pub cover_url: String,
    /// In order of arrival.
    pub photos: Vec<u32>,
    pub faces: Vec<FaceKey>,
}

impl PersonView {
    pub fn count_label(&self) -> String {
        photo_count(self.photos.len())
    }
}

pub fn photo_count(n: usize) -> String {
    if n == 1 {
        "1 photo".into()
    } else {
        format!("{n} photos")
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    /// (file, reason)
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<String>,
    pub duplicates: usize,
    pub started_ms: f64,
    pub finished_ms: Option<f64>,
    pub stages: StageTimings,
}

/// Feedback on an edit.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    Done(String),
    Refused(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    LoadingModels,
    Sorting,
    Done,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::LoadingModels => "loading-models",
            Phase::Sorting => "sorting",
            Phase::Done => "done",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    People,
    Album(PersonId),
    NoFaces,
    /// Faces the user removed from someone, until a grouping places them.
    Unassigned,
    /// Search the library by a reference face.
    FindMe,
    Photo {
        photo: u32,
        back: Box<Screen>,
    },
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub photos: RwSignal<Vec<PhotoView>>,
    pub progress: RwSignal<Progress>,
    pub phase: RwSignal<Phase>,
    pub screen: RwSignal<Screen>,
    pub cancel: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// Who is who, with the edit history.
    pub book: RwSignal<Book>,
    /// Everyone with a face, hidden people too (most photos first).
    pub people: Memo<Vec<PersonView>>,
    /// What the last edit did, or why it was refused.
    pub note: RwSignal<Option<Note>>,
    /// The "Find me" search: its reference faces and threshold.
    pub find: RwSignal<super::find::Search>,
    /// Files a run queued but did not finish before the page closed.
    pub pending: RwSignal<Vec<String>>,
    /// "12 MB of 2 GB used".
    pub storage: RwSignal<Option<String>>,
}

impl AppState {
    pub fn new() -> Self {
        let photos = RwSignal::new(Vec::<PhotoView>::new());
        let book = RwSignal::new(Book::default());
        let people = Memo::new(move |_| photos.with(|p| book.with(|b| group_people(p, b))));
        AppState {
            photos,
            book,
            note: RwSignal::new(None),
            find: RwSignal::new(super::find::Search::default()),
            progress: RwSignal::new(Progress::default()),
            phase: RwSignal::new(Phase::Idle),
            screen: RwSignal::new(Screen::People),
            cancel: RwSignal::new(false),
            error: RwSignal::new(None),
            people,
            pending: RwSignal::new(Vec::new()),
            storage: RwSignal::new(None),
        }
    }

    /// One step back (photo → its album, album → people), returning keyboard
    /// focus to what was opened, so a keyboard user keeps their place.
    pub fn back(&self) {
        let current = self.screen.get_untracked();
        let (to, focus) = match current {
            Screen::People => return,
            Screen::Photo { photo, back } => (*back, format!("[data-photo-id=\"{photo}\"]")),
            Screen::Album(id) => (Screen::People, format!("[data-person-key=\"{}\"]", id.0)),
            Screen::NoFaces => (Screen::People, "button.no-faces".to_string()),
            Screen::Unassigned => (Screen::People, "button.unassigned".to_string()),
            Screen::FindMe => (Screen::People, "button.find-me".to_string()),
        };
        self.screen.set(to);
        request_animation_frame(move || {
            // What was opened may be gone (a person just hidden): the grid, then.
            let target = document()
                .query_selector(&focus)
                .ok()
                .flatten()
                .or_else(|| {
                    document()
                        .query_selector("button.person, main h2")
                        .ok()
                        .flatten()
                });
            if let Some(el) =
                target.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        });
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// People as the book has them: most photos first, then by first appearance.
pub fn group_people(photos: &[PhotoView], book: &Book) -> Vec<PersonView> {
    let mut by_id: HashMap<PersonId, PersonView> = HashMap::new();
    for photo in photos {
        for (i, face) in photo.faces.iter().enumerate() {
            let key = FaceKey::new(photo.id, i as u32);
            let Some(person) = book.person_of(key).and_then(|id| book.person(id)) else {
                continue;
            };
            let p = by_id.entry(person.id).or_insert_with(|| PersonView {
                id: person.id,
                name: person.display_name(),
                hidden: person.hidden,
                cover_url: face.crop_url.clone(),
                photos: Vec::new(),
                faces: Vec::new(),
            });
            if person.cover == Some(key) {
                p.cover_url = face.crop_url.clone();
            }
            p.faces.push(key);
            if p.photos.last() != Some(&photo.id) {
                p.photos.push(photo.id);
            }
        }
    }
    let mut people: Vec<PersonView> = by_id.into_values().collect();
    people.sort_by(|a, b| {
        b.photos
            .len()
            .cmp(&a.photos.len())
            .then(a.photos[0].cmp(&b.photos[0]))
    });
    people
}

/// A worker pool on its way: shared, so every caller gets the same one.
pub type PoolStart = futures::future::Shared<
    futures::future::LocalBoxFuture<'static, Result<Rc<WorkerPool>, String>>,
>;

/// What the page keeps of a face beyond its view: what grouping and search need.
pub struct KeptFace {
    pub embedding: Embedding,
    pub crop_jpeg: Vec<u8>,
    /// Clear enough to found a person (see [`crate::face::quality`]).
    pub sure: bool,
}

/// Browser objects that cannot be signals, owned by the page's one thread.
#[derive(Default)]
pub struct Local {
    /// The original files (as the user gave them, or as IndexedDB kept them).
    pub files: HashMap<u32, web_sys::Blob>,
    pub library: Option<Rc<super::library::Library>>,
    /// Per photo, its faces, in face order.
    pub faces: HashMap<u32, Vec<KeptFace>>,
    pub hashes: HashMap<String, u32>,
    pub pool: Option<Rc<WorkerPool>>,
    pub next_id: u32,
    /// Photos waiting for the running sort.
    pub queue: Vec<super::import::PickedFile>,
    /// Whether a sort is running (it drains `queue` before it ends).
    pub running: bool,
    /// Held while the book changes (an edit or a grouping, with its save), so
    /// changes never interleave.
    pub book_lock: Rc<futures::lock::Mutex<()>>,
    /// Resolves when the saved library is back on the page: runs wait for it,
    /// so new photos never take ids or hashes the library already has.
    pub restored: Option<futures::future::Shared<futures::channel::oneshot::Receiver<()>>>,
    /// The worker pool being started, shared by everyone who needs it meanwhile.
    pub starting: Option<PoolStart>,
}

thread_local! {
    pub static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}
