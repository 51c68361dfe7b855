//! What the page shows of the library: one record per photo, and the views
//! derived from records and the book. Only the library service writes them.

use super::error::{PhotoError, StorageError};
use super::store::{FolderPath, Shelf, Upgrade};
use crate::face::embedding::Embedding;
use crate::face::geometry::FaceBox;
use crate::face::timing::StageTimings;
use crate::people::book::{Book, FaceKey};
use crate::people::cluster::{PersonId, PhotoId};
use crate::people::pack::PackError;
use crate::people::timeline::Seen;
use crate::wire::export::WallTime;
use std::collections::HashMap;
use std::sync::Arc;

/// One photo of the library: what the page shows of it, the file itself, and
/// what grouping and search need of its faces.
#[derive(Clone, Debug)]
pub struct Photo {
    pub view: PhotoView,
    pub original: Original,
    /// In face order, like `view.faces`.
    pub faces: Vec<KeptFace>,
}

/// A preview (thumbnail or face crop, a JPEG), read from the library only
/// while it is shown. Holding a Blob for every preview was the largest part
/// of a large library's memory: Chromium's browser process spends ~23 kB on
/// each Blob the page holds that was read from IndexedDB, whatever its size.
#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    /// Made in this visit and not kept (the library could not be written).
    Held(web_sys::Blob),
    /// In the library: the thumbnail of the photo `hash`, or its crop of
    /// `face`.
    Kept {
        shelf: Shelf,
        hash: Arc<str>,
        face: Option<usize>,
    },
}

impl Preview {
    /// The JPEG; let go of it once shown.
    pub async fn image(&self) -> Result<web_sys::Blob, StorageError> {
        match self {
            Preview::Held(image) => Ok(image.clone()),
            Preview::Kept { shelf, hash, face } => shelf.preview(hash, *face).await,
        }
    }
}

/// Where a photo's original file is.
#[derive(Clone, Debug)]
pub enum Original {
    /// Given in this visit and not kept (the library could not be written).
    Given(web_sys::Blob),
    /// Copied into the library, under its hash.
    Kept { shelf: Shelf, hash: String },
    /// In a folder the user picked, read from there when needed;
    /// `this_visit` is the file as it was read when added, until a reload.
    InFolder {
        at: FolderPath,
        /// Its size when sorted: a file of another size under that name is
        /// another photo.
        size: f64,
        this_visit: Option<web_sys::Blob>,
    },
}

/// What the page keeps of a face beyond its view.
#[derive(Clone, Debug)]
pub struct KeptFace {
    pub embedding: Embedding,
    /// Clear enough to found a person (see [`crate::face::quality`]).
    pub sure: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FaceView {
    pub bbox: FaceBox,
    pub crop: Preview,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PhotoView {
    pub id: PhotoId,
    /// File name, as downloads use it.
    pub name: String,
    pub thumb: Preview,
    /// When it was taken (or, failing that, the file's time).
    pub seen: Seen,
    /// When it joined the library (local wall-clock time, like `seen`).
    pub added_ms: f64,
    /// When its file was last changed, which its zip entries keep.
    pub modified: WallTime,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonView {
    pub id: PersonId,
    pub name: String,
    pub hidden: bool,
    /// The face shown for them, and its crop.
    pub cover: FaceKey,
    pub cover_crop: Preview,
    /// In order of arrival.
    pub photos: Vec<PhotoId>,
    pub faces: Vec<FaceKey>,
}

/// A file that was not sorted, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedFile {
    pub path: String,
    pub error: PhotoError,
}

/// Files that failed for one reason, by name.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedGroup {
    pub reason: String,
    pub paths: Vec<String>,
}

/// The files that failed, by reason, in the order each reason first came,
/// each reason's files sorted as a folder listing is: a folder of iPhone
/// photos fails thousands of times for one reason, which reads better said
/// once.
pub fn failed_by_reason(failed: &[FailedFile]) -> Vec<FailedGroup> {
    let mut groups: Vec<FailedGroup> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for file in failed {
        let reason = file.error.to_string();
        match index.get(&reason) {
            Some(&i) => groups[i].paths.push(file.path.clone()),
            None => {
                index.insert(reason.clone(), groups.len());
                groups.push(FailedGroup {
                    reason,
                    paths: vec![file.path.clone()],
                });
            }
        }
    }
    for group in &mut groups {
        group.paths.sort();
    }
    groups
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: Vec<FailedFile>,
    pub skipped: Vec<String>,
    pub duplicates: usize,
    pub started_ms: f64,
    pub finished_ms: Option<f64>,
    pub stages: StageTimings,
    /// Time saves of photos took (beside the run, not holding it up), how
    /// many saves there were, and time workers spent grouping: for the
    /// benchmarks, as all three change with a library's size.
    pub saving_ms: f64,
    pub saves: usize,
    pub grouping_ms: f64,
    /// Why the run stopped early, if it did: files not started are dropped.
    pub stopped: Option<Stop>,
    /// This run's files dropped because the user cancelled it.
    pub cancelled: usize,
    /// Another tab is sorting into the library: this run starts after it.
    pub waiting: bool,
    /// Where the counts stood when this run started: the bar, the count and
    /// the speed are this run's, while the files that failed, were skipped
    /// or were duplicates are listed for the whole visit.
    pub before: Counted,
}

/// Why a run stopped before its last file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The user pressed Cancel.
    Cancelled,
    /// Storage is full: the rest waits for space (see the held files).
    StorageFull,
    /// Another tab needs the library to itself.
    LetGo,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counted {
    pub done: usize,
    pub sorted: usize,
    pub duplicates: usize,
}

impl Progress {
    /// Sorted into the library: neither failed nor a duplicate.
    pub fn sorted(&self) -> usize {
        self.done - self.failed.len() - self.duplicates
    }

    /// A new run starts from here.
    pub fn start_run(&mut self, now_ms: f64) {
        self.before = Counted {
            done: self.done,
            sorted: self.sorted(),
            duplicates: self.duplicates,
        };
        self.started_ms = now_ms;
        self.finished_ms = None;
        self.stopped = None;
        self.cancelled = 0;
    }

    pub fn stopping(&self) -> bool {
        self.stopped.is_some()
    }

    /// This run's files that were already in the library.
    pub fn run_duplicates(&self) -> usize {
        self.duplicates.saturating_sub(self.before.duplicates)
    }

    /// Photos decoded and analysed per second in this run so far: files
    /// already in the library take no time and would flatter it.
    pub fn run_rate(&self, now_ms: f64) -> f64 {
        let secs = ((now_ms - self.started_ms) / 1000.0).max(0.001);
        self.run_done().saturating_sub(self.run_duplicates()) as f64 / secs
    }

    /// This run's files handled so far.
    pub fn run_done(&self) -> usize {
        self.done.saturating_sub(self.before.done)
    }

    /// This run's files in all.
    pub fn run_total(&self) -> usize {
        self.total.saturating_sub(self.before.done)
    }

    /// This run's photos sorted into the library.
    pub fn run_sorted(&self) -> usize {
        self.sorted().saturating_sub(self.before.sorted)
    }
}

/// What the page is doing with the saved library before it can show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    Reading,
    /// Moving an older version's records to this version's, once.
    Upgrading(Upgrade),
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

/// Photos in two or more of these people's albums: two faces in one photo
/// are two people, so merging them is most likely a mistake.
pub fn photos_together<'a>(albums: impl IntoIterator<Item = &'a [PhotoId]>) -> usize {
    let mut seen: HashMap<PhotoId, usize> = HashMap::new();
    for album in albums {
        for photo in album {
            *seen.entry(*photo).or_default() += 1;
        }
    }
    seen.values().filter(|n| **n > 1).count()
}

/// People as the book has them: most photos first, then by first appearance
/// (their earliest photo).
pub fn group_people(photos: &[Photo], book: &Book) -> Vec<PersonView> {
    let mut by_id: HashMap<PersonId, PersonView> = HashMap::new();
    for photo in photos.iter().map(|p| &p.view) {
        for (i, face) in photo.faces.iter().enumerate() {
            let key = FaceKey {
                photo: photo.id,
                index: i as u32,
            };
            let Some(person) = book.person_of(key).and_then(|id| book.person(id)) else {
                continue;
            };
            let p = by_id.entry(person.id).or_insert_with(|| PersonView {
                id: person.id,
                name: person.display_name(),
                hidden: person.hidden,
                cover: key,
                cover_crop: face.crop.clone(),
                photos: Vec::new(),
                faces: Vec::new(),
            });
            if person.cover == Some(key) {
                p.cover = key;
                p.cover_crop = face.crop.clone();
            }
            p.faces.push(key);
            if p.photos.last() != Some(&photo.id) {
                p.photos.push(photo.id);
            }
        }
    }
    let mut people: Vec<PersonView> = by_id.into_values().collect();
    // By their earliest photo id, not the first photo met: the page holds
    // photos in the order they were kept, which a reload does not repeat,
    // and people of equal counts must not swap places across a reload.
    people.sort_by_cached_key(|p| {
        (
            std::cmp::Reverse(p.photos.len()),
            p.photos.iter().min().copied(),
            p.id,
        )
    });
    people
}

/// What became of the people in imported people files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recognition {
    /// People of this library who took a name from a file.
    pub named: Vec<String>,
    /// Names nobody here matches yet.
    pub waiting: Vec<String>,
    /// Matches named otherwise here.
    pub differ: Vec<NamedOtherwise>,
    /// Names in a file that someone else here already has.
    pub taken: Vec<NameTaken>,
}

/// A person here who matches someone of a file called otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedOtherwise {
    pub person: PersonId,
    pub here: String,
    pub in_file: String,
}

/// An unnamed person here (`matching`) matches a file's `name`, which
/// another person here (`named`) already has.
#[derive(Clone, Debug, PartialEq)]
pub struct NameTaken {
    pub name: String,
    pub named: PersonId,
    pub matching: PersonId,
}

/// What the page says about people files.
#[derive(Clone, Debug, PartialEq)]
pub enum PackNote {
    /// The file was read and its people kept.
    Imported {
        file: String,
        recognition: Recognition,
    },
    /// A run's new people matched people from files.
    Recognised(Vec<String>),
    Refused {
        file: String,
        error: PackError,
    },
    /// The browser would not hand the file over (`detail` is its reason).
    Unread {
        file: String,
        detail: String,
    },
    NotSaved(StorageError),
    OtherTab,
    /// "Save named people" with nobody named.
    NobodyNamed,
    /// "Save named people" made `file`, naming `people`.
    Saved {
        file: String,
        people: usize,
    },
}
