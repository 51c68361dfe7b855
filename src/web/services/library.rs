//! The library service: the one owner of the page's library. It holds every
//! photo as one record, the book of who is who, the IndexedDB store and the
//! worker pool, and applies commands (add photos, correct, restore, clear)
//! one at a time from a queue. The UI sees read-only signals it publishes and
//! sends it commands; nothing else writes the library.
//!
//! Long work never blocks the queue: analysing photos and grouping faces run
//! as tasks on the worker pool that report back with commands. A grouping
//! asked for before an edit is thrown away when it returns, and asked again.

use super::claims::{Claimed, Claims};
use super::download;
use super::error::{AskError, GroupingFailure, PhotoError, PoolError, Problem, StorageError};
use super::import::{same_file, Picked, PickedFile, PickedFolderFiles};
use super::pool::{default_size, read_file, WorkerPool};
use super::store::{
    storage_summary, FolderId, FolderPath, NewPhoto, PickedFolder, Previews, Shelf, Store,
    StoredPhoto, Upgrade, SCHEMA_VERSION,
};
use super::tabs::{LibraryLock, TabMessage, Tabs};
use super::views::{
    group_people, FailedFile, KeptFace, NameTaken, NamedOtherwise, Opening, Original, PackNote,
    PersonView, Phase, Photo, Progress, Recognition, Stop,
};
use super::views::{FaceView, PhotoView, Preview};
use crate::face::detection::DetectorConfig;
use crate::face::embedding::Embedding;
use crate::face::quality::QualityRules;
use crate::people::book::{Book, FaceKey, RegroupRequest};
use crate::people::cluster::{ClusterConfig, Clustering, PersonId, PhotoId};
use crate::people::edit::{Applied, Correction, EditError};
use crate::people::nearest::FaceHoods;
use crate::people::pack::{recognise, Candidate, PackedPerson, PeoplePack, Recognised};
use crate::people::run::RunPolicy;
use crate::people::timeline::Seen;
use crate::web::js::{blob, describe, local_wall_ms, now_ms, sha256_hex};
use crate::wire::export::WallTime;
use crate::wire::grouping::GroupingJob;
use crate::wire::worker::{AnalyseRequest, PhotoReport};
use futures::channel::{mpsc, oneshot};
use futures::future::{LocalBoxFuture, Shared};
use futures::{FutureExt, StreamExt};
use gloo::timers::callback::Timeout;
use gloo::timers::future::TimeoutFuture;
use js_sys::Uint8Array;
use leptos::prelude::*;
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// How often the progress panel is redrawn while photos are counted.
const REDRAW_EVERY_MS: u32 = 250;

/// What "Save named people" downloads.
const PEOPLE_FILE_NAME: &str = "Facesort people.json";

/// How long numbering faces ([`Service::number_faces`]) may hold the page's
/// thread before it lets other work in.
const NUMBERING_SLICE_MS: f64 = 20.0;

/// A worker pool on its way: shared, so every caller gets the same one.
pub type PoolStart = Shared<LocalBoxFuture<'static, Result<Rc<WorkerPool>, PoolError>>>;

/// Another tab holds the library's lock: it is sorting.
struct AnotherTabWrites;

/// What became of an edit, for the page to put into words.
#[derive(Clone, Debug, PartialEq)]
pub enum EditNote {
    Applied(Applied),
    Refused(EditError),
    /// It could not be saved, so it was not made.
    NotSaved(StorageError),
    /// Another tab is sorting into the library: changes are made there.
    OtherTab,
}

/// The settings requests to the workers carry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub detector: DetectorConfig,
    pub grouping: ClusterConfig,
    pub quality: QualityRules,
    /// When a run places new faces and when it re-forms its people.
    pub run: RunPolicy,
    /// Decode photos with the browser's decoder (see [`AnalyseRequest`]).
    pub browser_decode: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            detector: DetectorConfig::DEFAULT,
            grouping: ClusterConfig::DEFAULT,
            quality: QualityRules::DEFAULT,
            run: RunPolicy::PAGE,
            browser_decode: false,
        }
    }
}

enum Command {
    Restore,
    Add(Picked),
    AddFolder(PickedFolderFiles),
    Cancel,
    ForgetPending,
    Correct(Correction, oneshot::Sender<EditNote>),
    /// A people file's name and bytes.
    ImportPeople(String, Vec<u8>),
    Say(PackNote),
    Clear,
    /// Space was freed: add the photos held back when storage was full.
    Retry,
    /// Another tab said something about the library.
    FromTab(TabMessage),
    /// The run holds the library's write lock from now on (another tab may
    /// have written meanwhile: re-read first); reply when ready.
    /// `waited`: another tab held it first, so the library has changed.
    Locked {
        lock: LibraryLock,
        waited: bool,
        ready: oneshot::Sender<()>,
    },
    /// The run waits for another tab's run to end.
    Waiting,
    Report(Box<Problem>),
    Downloading,
    Pool(oneshot::Sender<PoolStart>),
    // From the service's own tasks:
    PoolStarted(Result<(), PoolError>),
    Claim(String, oneshot::Sender<Claimed>),
    Finished(PickedFile, Box<Outcome>),
    NextBatch(oneshot::Sender<Vec<PickedFile>>),
    Grouped(Box<Grouped>),
    Saved(Saved),
}

/// A sorted photo on its way into the library: the page shows it once kept.
struct Unsaved {
    photo: NewPhoto,
    picked: PickedFile,
    original: Original,
}

/// Where a photo's previews are shown from.
enum Shown {
    /// The Blobs the page made: the photo could not be kept.
    Held(Previews),
    /// The library, read when shown.
    Kept(Shelf),
}

/// What a save of photos did.
struct Saved {
    photos: Vec<Unsaved>,
    result: Result<(), StorageError>,
    took_ms: f64,
}

struct Grouped {
    request: RegroupRequest,
    /// The book's version the request was made from.
    version: u64,
    settle: bool,
    result: Result<Clustering, GroupingFailure>,
    /// From sending the job to its reply.
    took_ms: f64,
}

enum Outcome {
    Photo {
        id: PhotoId,
        hash: String,
        /// Bytes, as read (asking the file again costs a call to the browser's process).
        size: f64,
        report: PhotoReport,
    },
    Duplicate,
    /// Not sorted; `claimed` is the content's hash if the photo had been
    /// claimed for the library (given back, so adding it again tries again).
    Failed {
        error: PhotoError,
        claimed: Option<String>,
    },
    /// Cancelled before it started (or before its turn came: see [`Claimed::Stopped`]).
    Dropped,
}

/// The page's handle on the library: read-only views and commands. `Copy`,
/// provided to the UI through Leptos context.
#[derive(Clone, Copy)]
pub struct Library {
    photos: ReadSignal<Vec<Photo>, LocalStorage>,
    book: ReadSignal<Book>,
    people: Memo<Vec<PersonView>>,
    progress: ReadSignal<Progress>,
    phase: ReadSignal<Phase>,
    opening: ReadSignal<Option<Opening>>,
    problem: ReadSignal<Option<Problem>>,
    note: ReadSignal<Option<EditNote>>,
    pack: ReadSignal<Option<PackNote>>,
    pending: ReadSignal<Vec<String>>,
    storage: ReadSignal<Option<String>>,
    folders: ReadSignal<Vec<PickedFolder>, LocalStorage>,
    commands: StoredValue<mpsc::UnboundedSender<Command>, LocalStorage>,
    settings: Settings,
}

/// The write side of what [`Library`] shows; only the service holds it.
#[derive(Clone, Copy)]
struct Outputs {
    photos: RwSignal<Vec<Photo>, LocalStorage>,
    book: RwSignal<Book>,
    progress: RwSignal<Progress>,
    phase: RwSignal<Phase>,
    opening: RwSignal<Option<Opening>>,
    problem: RwSignal<Option<Problem>>,
    note: RwSignal<Option<EditNote>>,
    pack: RwSignal<Option<PackNote>>,
    pending: RwSignal<Vec<String>>,
    storage: RwSignal<Option<String>>,
    folders: RwSignal<Vec<PickedFolder>, LocalStorage>,
}

impl Library {
    /// Starts the service and restores the saved library.
    pub fn start(settings: Settings) -> Library {
        let out = Outputs {
            photos: RwSignal::new_local(Vec::new()),
            book: RwSignal::new(Book::default()),
            progress: RwSignal::new(Progress::default()),
            phase: RwSignal::new(Phase::Idle),
            opening: RwSignal::new(Some(Opening::Reading)),
            problem: RwSignal::new(None),
            note: RwSignal::new(None),
            pack: RwSignal::new(None),
            pending: RwSignal::new(Vec::new()),
            storage: RwSignal::new(None),
            folders: RwSignal::new_local(Vec::new()),
        };
        let (tx, rx) = mpsc::unbounded();
        let (photos, book) = (out.photos.read_only(), out.book.read_only());
        let library = Library {
            photos,
            book,
            people: Memo::new(move |_| photos.with(|p| book.with(|b| group_people(p, b)))),
            progress: out.progress.read_only(),
            phase: out.phase.read_only(),
            opening: out.opening.read_only(),
            problem: out.problem.read_only(),
            note: out.note.read_only(),
            pack: out.pack.read_only(),
            pending: out.pending.read_only(),
            storage: out.storage.read_only(),
            folders: out.folders.read_only(),
            commands: StoredValue::new_local(tx.clone()),
            settings,
        };
        let service = Service::new(out, tx, settings);
        spawn_local(service.serve(rx));
        library.send(Command::Restore);
        library
    }

    fn send(&self, command: Command) {
        // The loop lives as long as the page; a send can only fail after it.
        let _ = self.commands.with_value(|c| c.unbounded_send(command));
    }

    /// Every photo, one record each, in order of arrival.
    pub fn photos(&self) -> ReadSignal<Vec<Photo>, LocalStorage> {
        self.photos
    }
    pub fn book(&self) -> ReadSignal<Book> {
        self.book
    }
    /// Everyone with a face, hidden people too (most photos first).
    pub fn people(&self) -> Memo<Vec<PersonView>> {
        self.people
    }
    pub fn progress(&self) -> ReadSignal<Progress> {
        self.progress
    }
    pub fn phase(&self) -> ReadSignal<Phase> {
        self.phase
    }
    /// `Some` until the saved library is shown (or could not be opened).
    pub fn opening(&self) -> ReadSignal<Option<Opening>> {
        self.opening
    }
    pub fn problem(&self) -> ReadSignal<Option<Problem>> {
        self.problem
    }
    /// What the last edit did, or why it was refused.
    pub fn note(&self) -> ReadSignal<Option<EditNote>> {
        self.note
    }
    /// What importing or saving people files did.
    pub fn pack_note(&self) -> ReadSignal<Option<PackNote>> {
        self.pack
    }

    /// Imports a people file: its people are named here wherever photos of
    /// them are (now, or when they are added), never merged or moved.
    pub async fn import_people(&self, file: web_sys::File) {
        let name = file.name();
        match JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => {
                let bytes = Uint8Array::new(&buffer).to_vec();
                self.send(Command::ImportPeople(name, bytes));
            }
            Err(e) => self.send(Command::Say(PackNote::Unread {
                file: name,
                detail: describe(&e),
            })),
        }
    }

    /// Downloads the named people as a people file (names, whether hidden, a
    /// few face descriptors; no photos), and says what it holds.
    pub fn save_people_file(&self) {
        let Some((bytes, people)) = self.people_file() else {
            return;
        };
        download::save(&blob(&bytes, "application/json"), PEOPLE_FILE_NAME);
        self.send(Command::Say(PackNote::Saved {
            file: PEOPLE_FILE_NAME.into(),
            people,
        }));
    }

    /// The named people as a people file and how many they are, or `None` if
    /// nobody is named.
    fn people_file(&self) -> Option<(Vec<u8>, usize)> {
        let pack = self.photos.with_untracked(|photos| {
            self.book.with_untracked(|book| {
                let mut faces = faces_by_person(photos, book);
                PeoplePack::of(book.people().filter_map(|p| {
                    let name = p.name.as_deref()?;
                    Some((name, p.hidden, faces.remove(&p.id).unwrap_or_default()))
                }))
            })
        });
        if pack.people.is_empty() {
            self.send(Command::Say(PackNote::NobodyNamed));
            return None;
        }
        Some((pack.to_json(), pack.people.len()))
    }

    /// Files a run queued but did not finish before the page closed.
    pub fn pending(&self) -> ReadSignal<Vec<String>> {
        self.pending
    }
    /// "12 MB of 2 GB used".
    pub fn storage(&self) -> ReadSignal<Option<String>> {
        self.storage
    }

    /// A photo's view, untracked.
    pub fn photo(&self, id: PhotoId) -> Option<PhotoView> {
        self.photos
            .with_untracked(|p| p.iter().find(|p| p.view.id == id).map(|p| p.view.clone()))
    }

    /// Where a photo's original is, untracked.
    pub fn original(&self, id: PhotoId) -> Option<Original> {
        self.photos.with_untracked(|p| {
            p.iter()
                .find(|p| p.view.id == id)
                .map(|p| p.original.clone())
        })
    }

    /// Folders the user picked, whose photos' originals stay there.
    pub fn folders(&self) -> ReadSignal<Vec<PickedFolder>, LocalStorage> {
        self.folders
    }

    /// Adds a picked folder's photos, keeping their originals where they are.
    pub fn add_folder(&self, folder: PickedFolderFiles) {
        self.send(Command::AddFolder(folder));
    }

    /// Adds files: photos join the run (starting one if none is going),
    /// anything else is reported as skipped.
    pub fn add(&self, files: Vec<PickedFile>) {
        self.add_picked(files.into());
    }

    /// Adds what a drop held; the files it could not read are reported.
    pub fn add_picked(&self, picked: Picked) {
        if !picked.files.is_empty() || !picked.unread.is_empty() {
            self.send(Command::Add(picked));
        }
    }

    /// Stops the run after the photos being analysed.
    pub fn cancel(&self) {
        self.send(Command::Cancel);
    }

    /// The user does not mean to add the files an earlier visit left
    /// unsorted: they are not listed again.
    pub fn forget_pending(&self) {
        self.send(Command::ForgetPending);
    }

    /// Makes a correction once it is saved; resolves with what became of it.
    pub fn correct(&self, correction: Correction) -> impl std::future::Future<Output = EditNote> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Correct(correction, tx));
        async move {
            rx.await.unwrap_or(EditNote::NotSaved(StorageError::Failed(
                "the page is closing".into(),
            )))
        }
    }

    /// Deletes the library (the user confirmed) and starts afresh.
    pub fn clear(&self) {
        self.send(Command::Clear);
    }

    /// Adds again the photos held back when the browser's storage was full.
    pub fn retry(&self) {
        self.send(Command::Retry);
    }

    /// Tells the user about a failure outside the service (a download).
    pub fn report(&self, problem: Problem) {
        self.send(Command::Report(Box::new(problem)));
    }

    /// A download or export has begun: an earlier one's failure is old news.
    pub fn downloading(&self) {
        self.send(Command::Downloading);
    }

    /// The worker pool, started (models loaded) on first use.
    async fn pool(&self) -> Result<Rc<WorkerPool>, PoolError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Pool(tx));
        match rx.await {
            Ok(start) => start.await,
            Err(_) => Err(PoolError::AllStopped),
        }
    }

    /// Finds the faces of a photo that is not added to the library (a
    /// reference for a search), with the library's own settings.
    pub async fn analyse_reference(&self, file: &web_sys::File) -> Result<PhotoReport, PhotoError> {
        let request = AnalyseRequest {
            detector: self.settings.detector,
            browser_decode: self.settings.browser_decode,
        };
        self.pool().await?.analyse_file(file, request).await
    }
}

/// The page's photos by id, to find a face's descriptor by its key.
struct FaceIndex<'a>(HashMap<PhotoId, &'a Photo>);

impl<'a> FaceIndex<'a> {
    fn new(photos: &'a [Photo]) -> Self {
        FaceIndex(photos.iter().map(|p| (p.view.id, p)).collect())
    }

    fn face(&self, key: FaceKey) -> Option<&'a KeptFace> {
        self.0.get(&key.photo)?.faces.get(key.index as usize)
    }
}

/// Every placed face's descriptor by person, in one pass over the photos
/// (asking the book person by person would read all its faces each time).
fn faces_by_person<'a>(photos: &'a [Photo], book: &Book) -> HashMap<PersonId, Vec<&'a Embedding>> {
    let mut by_person: HashMap<PersonId, Vec<&'a Embedding>> = HashMap::new();
    for photo in photos {
        for (i, face) in photo.faces.iter().enumerate() {
            let key = FaceKey {
                photo: photo.view.id,
                index: i as u32,
            };
            if let Some(person) = book.person_of(key) {
                by_person.entry(person).or_default().push(&face.embedding);
            }
        }
    }
    by_person
}

/// Everyone of the library as people files see them.
fn candidates<'a>(photos: &'a [Photo], book: &'a Book) -> Vec<Candidate<'a>> {
    let mut faces = faces_by_person(photos, book);
    book.people()
        .map(|p| Candidate {
            id: p.id,
            name: p.name.as_deref(),
            faces: faces.remove(&p.id).unwrap_or_default(),
        })
        .collect()
}

struct Service {
    out: Outputs,
    tx: mpsc::UnboundedSender<Command>,
    settings: Settings,
    store: Option<Store>,
    /// This tab let the library go (a newer Facesort opened it elsewhere, or
    /// clearing it failed half-way), with what the page said: nothing more is
    /// written, and edits and new photos are refused with it until a reload.
    closed: Option<Problem>,
    /// Every content the library has or is sorting, and the next photo id.
    claims: Claims,
    queue: Vec<PickedFile>,
    /// Photos not added because the browser's storage filled up: the run
    /// stopped, and they wait for [`Command::Retry`] (they stay noted as
    /// pending in the library, so a reload offers them too).
    held: Vec<PickedFile>,
    /// Files the user cancelled before they were started: taken off the
    /// library's list of files to sort when the run ends, in one go (a
    /// cancelled run may leave thousands).
    left_out: Vec<String>,
    /// "Try again" was pressed while the stopped run finished its last
    /// photos (which join the held ones): all are tried once it has ended.
    retry_when_ended: bool,
    /// Files added while a run ends (its last photos, saves and grouping) or
    /// a stopped one (Cancel, a full disk) finishes: they begin the next run,
    /// rather than being dropped with the stopped one or starting a run that
    /// would wait for the lock this one still holds.
    after_run: Vec<Picked>,
    /// The run has taken its last photo and is being finished (saves, the
    /// final grouping) until [`Service::end_run`].
    ending: bool,
    /// Tells other tabs of changes; theirs arrive as [`Command::FromTab`].
    tabs: Tabs,
    /// Held by a run from its first photo to its last saved grouping.
    lock: Option<LibraryLock>,
    /// Another tab changed the library since this one read it.
    stale: bool,
    /// A run is going: it drains `queue` before it ends.
    running: bool,
    pool: Option<PoolStart>,
    /// The phase to go back to once the models are loaded.
    before_loading: Phase,
    /// Photos added since the last grouping was asked for.
    since_grouping: usize,
    /// Faces of the run so far, and how many there were at the last re-forming.
    run_faces: usize,
    reformed_at: usize,
    /// Every face's nearest faces in the library, kept up to date as faces
    /// arrive, so each grouping measures shared neighbours as grouping the
    /// whole library would ([`crate::people::nearest`]).
    hoods: FaceHoods,
    /// A grouping is on a worker (settling, or not).
    grouping: Option<bool>,
    /// Another grouping was asked for meanwhile (settling, or not).
    grouping_next: Option<bool>,
    /// Bumped by every correction: a grouping of an older book is stale.
    version: u64,
    /// People from imported people files, named here when photos match.
    known: Vec<PackedPerson>,
    /// Sorted photos waiting for the save under way to end; saved together
    /// by the next. Saving never holds up the next photo's claim.
    unsaved: Vec<Unsaved>,
    /// A save of photos is under way.
    saving: bool,
    /// The run ended while photos were being saved: settle once they are.
    settle_when_saved: bool,
    /// Kept photos the views have not taken yet: they take them in batches,
    /// at each grouping, as recomputing and redrawing every view for each
    /// photo cost the page's thread more than sorting did, thousands in.
    shown_later: Vec<Photo>,
    /// A redraw of the progress panel is due (see [`Service::count`]).
    redraw_due: Rc<Cell<bool>>,
}

impl Service {
    fn new(out: Outputs, tx: mpsc::UnboundedSender<Command>, settings: Settings) -> Service {
        let tabs = Tabs::open({
            let tx = tx.clone();
            move |message| {
                let _ = tx.unbounded_send(Command::FromTab(message));
            }
        });
        Service {
            out,
            tx,
            settings,
            store: None,
            closed: None,
            claims: Claims::default(),
            queue: Vec::new(),
            held: Vec::new(),
            left_out: Vec::new(),
            retry_when_ended: false,
            after_run: Vec::new(),
            ending: false,
            tabs,
            lock: None,
            stale: false,
            running: false,
            pool: None,
            before_loading: Phase::Idle,
            since_grouping: 0,
            run_faces: 0,
            reformed_at: 0,
            hoods: FaceHoods::new(settings.grouping.neighbours),
            grouping: None,
            grouping_next: None,
            version: 0,
            known: Vec::new(),
            unsaved: Vec::new(),
            saving: false,
            settle_when_saved: false,
            shown_later: Vec::new(),
            redraw_due: Rc::new(Cell::new(false)),
        }
    }

    async fn serve(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        while let Some(command) = commands.next().await {
            self.handle(command).await;
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Restore => self.restore().await,
            Command::Add(picked) => self.add(picked).await,
            Command::AddFolder(folder) => self.add_folder(folder).await,
            Command::Cancel => self.out.progress.update(|p| {
                p.stopped.get_or_insert(Stop::Cancelled);
            }),
            Command::ForgetPending => {
                // Gone from the page once gone from the library, so a reload
                // straight after cannot bring the list back.
                let listed = self.out.pending.get_untracked();
                if let Some(store) = &self.store {
                    if let Err(e) = store.forget_pending(&listed).await {
                        return self.out.problem.set(Some(Problem::ForgetPending(e)));
                    }
                }
                // The list only shrinks within a visit: all of it is gone.
                self.out.pending.set(Vec::new());
            }
            Command::Correct(correction, reply) => {
                let note = self.correct(correction).await;
                self.out.note.set(Some(note.clone()));
                let _ = reply.send(note);
            }
            Command::ImportPeople(file, bytes) => self.import_people(file, bytes).await,
            Command::Say(note) => self.out.pack.set(Some(note)),
            Command::Clear => self.clear().await,
            Command::FromTab(message) => self.heard(message).await,
            Command::Locked {
                lock,
                waited,
                ready,
            } => {
                self.lock = Some(lock);
                self.out.progress.update(|p| p.waiting = false);
                // Not only on hearing "changed": the other tab's message and
                // its lock's release may arrive in either order.
                if self.stale || waited {
                    self.load(false).await;
                }
                let _ = ready.send(());
            }
            Command::Waiting => self.out.progress.update(|p| p.waiting = true),
            Command::Retry if self.running || self.ending => self.retry_when_ended = true,
            Command::Retry => self.retry().await,
            Command::Report(problem) => self.out.problem.set(Some(*problem)),
            Command::Downloading => {
                self.out.problem.maybe_update(|p| {
                    let old = matches!(p, Some(Problem::Download(_)));
                    if old {
                        *p = None;
                    }
                    old
                });
            }
            Command::Pool(reply) => {
                let _ = reply.send(self.pool_start());
            }
            Command::PoolStarted(result) => self.pool_started(result).await,
            Command::Claim(hash, reply) => self.claims.claim(hash, reply),
            Command::Finished(file, outcome) => self.finished(file, *outcome).await,
            Command::NextBatch(reply) => {
                let batch = std::mem::take(&mut self.queue);
                if batch.is_empty() {
                    self.running = false;
                    self.ending = true;
                    if self.saving {
                        self.settle_when_saved = true;
                    } else {
                        self.group(true).await;
                    }
                }
                let _ = reply.send(batch);
            }
            Command::Grouped(grouped) => self.grouped(*grouped).await,
            Command::Saved(saved) => self.saved(saved).await,
        }
    }

    // ---- restoring ----------------------------------------------------------

    /// Opens the library and puts every kept photo and person back. Faces that
    /// were never placed (the page closed mid-run, or a version-1 library) are
    /// grouped now.
    async fn restore(&mut self) {
        // Older tabs close their connection, or this opening would wait for them.
        self.tabs.tell(&TabMessage::Opening {
            schema: SCHEMA_VERSION,
        });
        let opening = self.out.opening;
        // At most once a second (and at the start and end): the line is read
        // out by screen readers, and batches end every ~0.2 s.
        let said = Cell::new(f64::NEG_INFINITY);
        let upgrading = move |upgrade: Upgrade| {
            let now = now_ms();
            if upgrade.done == 0 || upgrade.done == upgrade.of || now - said.get() >= 1000.0 {
                said.set(now);
                opening.set(Some(Opening::Upgrading(upgrade)));
            }
        };
        match Store::open_telling(upgrading).await {
            Ok(store) => {
                self.store = Some(store);
                opening.set(Some(Opening::Reading));
            }
            Err(e) => {
                opening.set(None);
                return self.out.problem.set(Some(Problem::Open(e)));
            }
        };
        self.load(true).await;
        opening.set(None);
    }

    /// Reads the library into the page, replacing what it showed. On opening,
    /// faces never placed are grouped; when another tab changed the library,
    /// only what it saved is shown (its run groups its own faces).
    async fn load(&mut self, opening: bool) {
        let Some(store) = &self.store else { return };
        let loaded = match store.load().await {
            Ok(loaded) => loaded,
            Err(e) => return self.out.problem.set(Some(Problem::Read(e))),
        };
        self.stale = false;
        // Face records of a photo that was not kept still hold its id.
        self.claims
            .reset(loaded.book.last_photo().map_or(0, |p| p + 1));
        if !loaded.damaged.is_empty() {
            self.out
                .problem
                .set(Some(Problem::Damaged(loaded.damaged.clone())));
        }
        self.out.pending.set(loaded.pending);
        self.out.folders.set(loaded.folders);
        self.known = loaded.known;
        self.refresh_storage();
        self.hoods = FaceHoods::new(self.settings.grouping.neighbours);
        if loaded.photos.is_empty() {
            self.out.photos.set(Vec::new());
            self.out.book.set(loaded.book);
            return;
        }
        let unplaced = loaded.photos.iter().any(|photo| {
            (0..photo.report.faces.len()).any(|i| {
                loaded
                    .book
                    .face(FaceKey {
                        photo: photo.seq,
                        index: i as u32,
                    })
                    .is_none()
            })
        });
        self.out.book.set(loaded.book);
        let shelf = store.shelf();
        let records: Vec<Photo> = loaded
            .photos
            .into_iter()
            .map(|photo| {
                self.claims.kept(photo.hash.clone(), photo.seq);
                let original = match &photo.in_folder {
                    Some(at) => Original::InFolder {
                        at: at.clone(),
                        size: photo.size,
                        this_visit: None,
                    },
                    None => Original::Kept {
                        shelf: shelf.clone(),
                        hash: photo.hash.clone(),
                    },
                };
                self.record(photo, original, Shown::Kept(shelf.clone()))
            })
            .collect();
        self.out.photos.set(records);
        if unplaced && opening {
            self.group(true).await;
        } else if opening {
            // A run cut short leaves its people provisional: it is over now.
            self.out.book.update(Book::settle);
            self.save_book().await;
            self.out.phase.set(Phase::Done);
        } else if !self.running {
            self.out.phase.set(Phase::Done);
        }
    }

    async fn heard(&mut self, message: TabMessage) {
        match message {
            TabMessage::Changed => {
                if self.lock.is_none() && !self.running && self.grouping.is_none() {
                    self.load(false).await;
                } else {
                    self.stale = true;
                }
            }
            TabMessage::Opening { schema } if schema > SCHEMA_VERSION => {
                self.let_go(Problem::Outdated);
            }
            TabMessage::Opening { .. } => {}
            TabMessage::Cleared => {
                self.let_go(Problem::ClearedElsewhere);
                let _ = web_sys::window().map(|w| w.location().reload());
            }
        }
    }

    /// Closes this tab's connection (another tab needs the library to
    /// itself) and stops writing: a run stops after its current photos.
    fn let_go(&mut self, why: Problem) {
        if let Some(store) = self.store.take() {
            store.close();
        }
        self.out.progress.update(|p| p.stopped = Some(Stop::LetGo));
        self.out.problem.set(Some(why.clone()));
        self.closed = Some(why);
    }

    /// The library to write to: `Ok(None)` where it could not be opened
    /// (photos and edits live in this page, as the page said), and an error
    /// once this tab has let it go.
    fn writable(&self) -> Result<Option<&Store>, StorageError> {
        match self.closed {
            Some(_) => Err(StorageError::Closed),
            None => Ok(self.store.as_ref()),
        }
    }

    /// The run is over and saved: other tabs may write, and should re-read.
    /// What waited for the end of a stopped run starts the next.
    async fn end_run(&mut self) {
        if let Some(lock) = self.lock.take() {
            self.tabs.tell(&TabMessage::Changed);
            lock.release().await;
        }
        let left_out = std::mem::take(&mut self.left_out);
        if let (Some(store), false) = (&self.store, left_out.is_empty()) {
            // Should this fail, a reload lists them as not sorted: harmless.
            let _ = store.forget_pending(&left_out).await;
        }
        if self.running {
            return;
        }
        self.ending = false;
        let retry = std::mem::take(&mut self.retry_when_ended);
        if retry {
            self.retry().await;
        }
        for picked in std::mem::take(&mut self.after_run) {
            if retry || self.held.is_empty() {
                self.add(picked).await;
                continue;
            }
            // Storage is full as far as the page knows: these wait with the
            // others for "Try again", as photos added after the run would.
            let Picked { files, unread } = picked;
            files.into_iter().for_each(|f| self.hold(f));
            self.add(Picked {
                files: Vec::new(),
                unread,
            })
            .await;
        }
    }

    /// Adds the photos held when storage filled up.
    async fn retry(&mut self) {
        let held = std::mem::take(&mut self.held);
        self.out.problem.set(None);
        self.add(held.into()).await;
    }

    /// A photo as the page keeps it.
    fn record(&self, stored: StoredPhoto, original: Original, shown: Shown) -> Photo {
        let report = stored.report;
        let (thumb, crops): (Preview, Vec<Preview>) = match shown {
            Shown::Held(Previews { thumb, crops }) => (
                Preview::Held(thumb),
                crops.into_iter().map(Preview::Held).collect(),
            ),
            Shown::Kept(shelf) => {
                let hash: Arc<str> = stored.hash.as_str().into();
                let kept = |face| Preview::Kept {
                    shelf: shelf.clone(),
                    hash: hash.clone(),
                    face,
                };
                (
                    kept(None),
                    (0..report.faces.len()).map(|i| kept(Some(i))).collect(),
                )
            }
        };
        let modified = local_wall_ms(stored.last_modified_ms);
        let view = PhotoView {
            id: stored.seq,
            name: stored.name,
            seen: Seen::of(report.taken_ms, modified),
            added_ms: local_wall_ms(stored.added_ms),
            modified: WallTime(modified),
            thumb,
            width: report.width,
            height: report.height,
            faces: Vec::new(),
        };
        let rules = self.settings.quality;
        let (views, faces) = report
            .faces
            .into_iter()
            .zip(crops)
            .map(|(f, crop)| {
                let view = FaceView { bbox: f.bbox, crop };
                let kept = KeptFace {
                    // Faces saved before quality was judged count as sure.
                    sure: f.quality.is_none_or(|q| rules.is_sure(&q)),
                    embedding: f.embedding,
                };
                (view, kept)
            })
            .unzip();
        Photo {
            view: PhotoView {
                faces: views,
                ..view
            },
            original,
            faces,
        }
    }

    // ---- a run --------------------------------------------------------------

    async fn add(&mut self, picked: Picked) {
        if let Some(why) = &self.closed {
            return self.out.problem.set(Some(why.clone()));
        }
        if self.ending || self.running && self.out.progress.with_untracked(Progress::stopping) {
            return self.after_run.push(picked);
        }
        let Picked { files, unread } = picked;
        let (photos, others): (Vec<PickedFile>, Vec<PickedFile>) =
            files.into_iter().partition(PickedFile::looks_like_photo);
        self.out.progress.update(|p| {
            // Only photos make a run: files skipped or unread are listed
            // beside the last run's summary.
            if p.total == p.done && !photos.is_empty() {
                p.start_run(now_ms());
            }
            p.total += photos.len() + unread.len();
            p.done += unread.len();
            p.failed.extend(unread);
            p.skipped.extend(others.iter().map(|f| f.path.clone()));
        });
        if photos.is_empty() {
            return;
        }
        if let Some(store) = &self.store {
            let paths: Vec<String> = photos.iter().map(|f| f.path.clone()).collect();
            if let Err(e) = store.add_pending(&paths).await {
                self.out.problem.set(Some(Problem::NotePending(e)));
            }
        }
        self.queue.extend(photos);
        if self.running {
            return;
        }
        self.running = true;
        if matches!(self.out.problem.get_untracked(), Some(Problem::Start(_))) {
            self.out.problem.set(None);
        }
        let start = self.pool_start();
        if start.peek().is_some_and(Result::is_ok) {
            self.out.phase.set(Phase::Sorting);
        } else {
            self.before_loading = Phase::Sorting;
        }
        spawn_local(run(
            self.tx.clone(),
            start,
            self.out.progress.read_only(),
            AnalyseRequest {
                detector: self.settings.detector,
                browser_decode: self.settings.browser_decode,
            },
        ));
    }

    /// The worker pool on its way (started on first use).
    fn pool_start(&mut self) -> PoolStart {
        if let Some(start) = &self.pool {
            return start.clone();
        }
        let start = WorkerPool::start(default_size())
            .map(|r| r.map(Rc::new))
            .boxed_local()
            .shared();
        self.pool = Some(start.clone());
        let phase = self.out.phase.get_untracked();
        if phase != Phase::LoadingModels {
            self.before_loading = phase;
        }
        self.out.phase.set(Phase::LoadingModels);
        let tx = self.tx.clone();
        let watched = start.clone();
        spawn_local(async move {
            let result = watched.await.map(|_| ());
            let _ = tx.unbounded_send(Command::PoolStarted(result));
        });
        start
    }

    async fn pool_started(&mut self, result: Result<(), PoolError>) {
        match result {
            Ok(()) => {
                if self.out.phase.get_untracked() == Phase::LoadingModels {
                    let next = if self.running {
                        Phase::Sorting
                    } else {
                        self.before_loading
                    };
                    self.out.phase.set(next);
                }
                self.publish_stats();
            }
            Err(e) => {
                // A later run tries again.
                self.pool = None;
                let dropped = std::mem::take(&mut self.queue).len();
                self.running = false;
                self.out.progress.update(|p| p.total -= dropped);
                self.out.problem.set(Some(Problem::Start(e)));
                self.out.phase.set(Phase::Idle);
                self.end_run().await;
            }
        }
    }

    /// The photo with this content was not added, or not kept: see
    /// [`Claims::release`].
    fn release_claim(&mut self, hash: &str) {
        let stopped = self.out.progress.with_untracked(Progress::stopping);
        self.claims.release(hash, stopped);
    }

    async fn finished(&mut self, picked: PickedFile, outcome: Outcome) {
        if let Outcome::Dropped = outcome {
            let stop = self.out.progress.with_untracked(|p| p.stopped);
            self.count(|p| {
                p.total -= 1;
                if stop == Some(Stop::Cancelled) {
                    p.cancelled += 1;
                }
            });
            if !self.held.is_empty() {
                // Stopped because storage is full (not by Cancel): it waits too.
                self.hold(picked);
            } else if stop == Some(Stop::Cancelled) {
                // The user chose not to sort it: a later visit does not ask for it.
                self.left_out.push(picked.path);
            }
            return;
        }
        // Whatever happened, this file is no longer waiting (only files of
        // an earlier visit are listed: most runs have none to tell). It may
        // have been listed by its name and now come in a folder, or the
        // other way round.
        let mut listed_otherwise = Vec::new();
        self.out.pending.maybe_update(|p| {
            let before = p.len();
            p.retain(|path| {
                let same = same_file(path, &picked.path);
                if same && *path != picked.path {
                    listed_otherwise.push(path.clone());
                }
                !same
            });
            p.len() != before
        });
        if !listed_otherwise.is_empty() {
            self.forget_pending(listed_otherwise);
        }
        // A sorted photo is done once it is kept (see `saved`): a reload
        // before then finds it pending, as it still is.
        self.count(|p| match &outcome {
            Outcome::Failed { error, .. } => {
                p.done += 1;
                p.failed.push(FailedFile {
                    path: picked.path.clone(),
                    error: error.clone(),
                });
            }
            Outcome::Duplicate => {
                p.done += 1;
                p.duplicates += 1;
            }
            Outcome::Photo { report, .. } => p.stages += report.timings,
            Outcome::Dropped => {}
        });
        match outcome {
            Outcome::Photo {
                id,
                hash,
                size,
                report,
            } => {
                self.claims.settle(&hash);
                let file: web_sys::Blob = picked.file.clone().into();
                // A photo from a picked folder stays there: no copy is kept.
                let (copy, original) = match &picked.kept_in {
                    Some(at) => (
                        None,
                        Original::InFolder {
                            at: at.clone(),
                            size,
                            this_visit: Some(file),
                        },
                    ),
                    None => (Some(file.clone()), Original::Given(file)),
                };
                let mut report = report;
                let previews = Previews::take(&mut report);
                let stored = StoredPhoto {
                    hash,
                    seq: id,
                    name: picked.file.name(),
                    size,
                    last_modified_ms: picked.file.last_modified(),
                    added_ms: js_sys::Date::now(),
                    report,
                    in_folder: picked.kept_in.clone(),
                };
                let photo = NewPhoto {
                    stored,
                    copy,
                    previews,
                    path: picked.path.clone(),
                };
                self.unsaved.push(Unsaved {
                    photo,
                    picked,
                    original,
                });
                self.save_unsaved().await;
            }
            other => {
                if let Outcome::Failed {
                    claimed: Some(hash),
                    ..
                } = other
                {
                    self.release_claim(&hash);
                }
                self.forget_pending(vec![picked.path]);
            }
        }
        self.publish_stats();
    }

    /// Takes files off the library's list of files still to sort.
    fn forget_pending(&self, paths: Vec<String>) {
        if let Some(store) = self.store.clone() {
            spawn_local(async move {
                // Should this fail, a reload lists them as pending: harmless.
                let _ = store.forget_pending(&paths).await;
            });
        }
    }

    /// Saves the photos waiting, in one transaction, unless a save is under
    /// way: photos arriving meanwhile go with the next. A save's own task
    /// reports with [`Command::Saved`].
    async fn save_unsaved(&mut self) {
        if self.saving || self.unsaved.is_empty() {
            return;
        }
        let photos = std::mem::take(&mut self.unsaved);
        let store = match self.writable() {
            Ok(Some(store)) => store.clone(),
            // No library (it could not be opened): photos are sorted in this
            // page only. Or it was let go: they are not kept, and the page says so.
            unwritable => {
                let saved = Saved {
                    photos,
                    result: unwritable.map(|_| ()),
                    took_ms: 0.0,
                };
                return Box::pin(self.saved(saved)).await;
            }
        };
        self.saving = true;
        let tx = self.tx.clone();
        spawn_local(async move {
            let since = now_ms();
            let batch: Vec<&NewPhoto> = photos.iter().map(|u| &u.photo).collect();
            let result = store.save(&batch).await;
            let took_ms = now_ms() - since;
            let _ = tx.unbounded_send(Command::Saved(Saved {
                photos,
                result,
                took_ms,
            }));
        });
    }

    /// Shows the photos a save kept, then saves the ones that came meanwhile.
    async fn saved(&mut self, saved: Saved) {
        self.saving = false;
        let Saved {
            photos,
            result,
            took_ms,
        } = saved;
        self.out.progress.update_untracked(|p| {
            p.saving_ms += took_ms;
            p.saves += 1;
        });
        match result {
            // The page shows only what is kept: the run stops here, and these
            // photos and the rest wait for space.
            Err(StorageError::Full) => {
                self.out.progress.update(|p| {
                    p.total -= photos.len();
                    p.stopped = Some(Stop::StorageFull);
                });
                for unsaved in photos {
                    self.release_claim(&unsaved.photo.stored.hash);
                    self.hold(unsaved.picked);
                }
            }
            result => {
                let kept = result.is_ok();
                if let Some(why) = &self.closed {
                    // This tab let the library go: that is the whole story.
                    self.out.problem.set(Some(why.clone()));
                } else if let (Err(error), Some(first)) = (result, photos.first()) {
                    // Not kept for another reason: the photos stay sorted in this page.
                    self.out.problem.set(Some(Problem::KeepPhoto {
                        path: first.picked.path.clone(),
                        others: photos.len() - 1,
                        error,
                    }));
                }
                // Kept: shown from the library from now on, and the page
                // lets go of the Blobs it made.
                let shelf = self.store.as_ref().filter(|_| kept).map(Store::shelf);
                let records: Vec<Photo> = photos
                    .into_iter()
                    .map(|u| match &shelf {
                        Some(shelf) => {
                            let original = match u.original {
                                Original::Given(_) => Original::Kept {
                                    shelf: shelf.clone(),
                                    hash: u.photo.stored.hash.clone(),
                                },
                                in_folder => in_folder,
                            };
                            self.record(u.photo.stored, original, Shown::Kept(shelf.clone()))
                        }
                        None => {
                            self.record(u.photo.stored, u.original, Shown::Held(u.photo.previews))
                        }
                    })
                    .collect();
                self.count(|p| p.done += records.len());
                self.run_faces += records.iter().map(|r| r.faces.len()).sum::<usize>();
                self.since_grouping += records.len();
                self.shown_later.extend(records);
                if self.since_grouping >= self.settings.run.every {
                    self.group(false).await;
                }
            }
        }
        self.save_unsaved().await;
        if !self.saving && self.settle_when_saved {
            self.settle_when_saved = false;
            self.group(true).await;
        }
        self.publish_stats();
    }

    /// Finds the nearest faces of every face not yet numbered (all of a
    /// library just opened, else the photos kept since the last grouping).
    /// Each face is compared with every other once; the page's thread is
    /// let go every [`NUMBERING_SLICE_MS`], as a library opened with
    /// thousands of faces takes seconds.
    async fn number_faces(&mut self) {
        let new: Vec<(FaceKey, Embedding)> = self.out.photos.with_untracked(|photos| {
            photos
                .iter()
                .flat_map(|p| {
                    p.faces.iter().enumerate().map(|(i, f)| {
                        let key = FaceKey {
                            photo: p.view.id,
                            index: i as u32,
                        };
                        (key, f)
                    })
                })
                .filter(|(key, _)| !self.hoods.knows(*key))
                .map(|(key, f)| (key, f.embedding.clone()))
                .collect()
        });
        if new.is_empty() {
            return;
        }
        let mut since = now_ms();
        for (key, embedding) in new {
            self.hoods.add(key, &embedding);
            if now_ms() - since > NUMBERING_SLICE_MS {
                TimeoutFuture::new(0).await;
                since = now_ms();
            }
        }
        // The grouping job is built in a task of its own.
        TimeoutFuture::new(0).await;
    }

    /// Hands the views the photos kept since they last took some.
    fn show_kept(&mut self) {
        if !self.shown_later.is_empty() {
            let kept = std::mem::take(&mut self.shown_later);
            self.out.photos.update(|p| p.extend(kept));
        }
    }

    /// Counts a photo, redrawing the progress panel at most every
    /// [`REDRAW_EVERY_MS`]: a redraw per photo re-laid out the whole page
    /// (its grid of people included) a dozen times a second.
    fn count(&self, f: impl FnOnce(&mut Progress)) {
        self.out.progress.update_untracked(f);
        if !self.redraw_due.replace(true) {
            let (progress, due) = (self.out.progress, self.redraw_due.clone());
            Timeout::new(REDRAW_EVERY_MS, move || {
                due.set(false);
                progress.notify();
            })
            .forget();
        }
    }

    /// Holds a photo back until space is freed, and says how many wait.
    fn hold(&mut self, picked: PickedFile) {
        self.held.push(picked);
        self.out.problem.set(Some(Problem::Full {
            held: self.held.len(),
        }));
    }

    // ---- grouping -----------------------------------------------------------

    /// Asks a worker to group faces ([`RunPolicy`]): to place new faces among
    /// the people so far, now and then to re-form the latest faces, and at
    /// the end to refine the run's people. Settling makes the people of the
    /// run settled: later runs add to them, never re-form them.
    async fn group(&mut self, settle: bool) {
        self.show_kept();
        if self.grouping.is_some() {
            self.grouping_next = Some(self.grouping_next.unwrap_or(false) || settle);
            return;
        }
        self.since_grouping = 0;
        self.number_faces().await;
        let policy = self.settings.run;
        let reform = !settle && policy.reform(self.reformed_at, self.run_faces);
        if reform {
            self.reformed_at = self.run_faces;
        }
        let (request, job) = self.out.photos.with_untracked(|photos| {
            let index = FaceIndex::new(photos);
            let keys: Vec<FaceKey> = photos
                .iter()
                .flat_map(|p| {
                    (0..p.faces.len()).map(move |i| FaceKey {
                        photo: p.view.id,
                        index: i as u32,
                    })
                })
                .collect();
            let (mut request, start) = self.out.book.with_untracked(|b| {
                if settle {
                    let request = b.regroup_request(keys);
                    let start = b.starting_groups(&request);
                    (request, Some(start))
                } else if reform {
                    let at = policy.window_start(&keys);
                    let (older, recent) = keys.split_at(at);
                    let request = b.window_request(older.iter().copied(), recent.iter().copied());
                    (request, None)
                } else {
                    (
                        b.placing_request(keys, policy.per_person, Some(&self.hoods)),
                        None,
                    )
                }
            });
            request.represent(policy.per_person);
            let face = |k: FaceKey| index.face(k);
            let job = GroupingJob::with_hoods(
                &request,
                // Every key comes from `photos`; an empty descriptor would be
                // refused by the worker as damaged rather than grouped.
                |k| {
                    face(k)
                        .map(|f| f.embedding.clone())
                        .unwrap_or_else(|| Embedding::new(Vec::new()))
                },
                |k| face(k).is_some_and(|f| f.sure),
                Some(&self.hoods),
                self.settings.grouping,
            );
            let job = GroupingJob {
                nearest_people: (!reform && !settle).then_some(policy.nearest_people),
                start,
                ..job
            };
            (request, job)
        });
        if request.faces.is_empty() {
            self.grouped(Grouped {
                request,
                version: self.version,
                settle,
                result: Ok(Clustering::default()),
                took_ms: 0.0,
            })
            .await;
            return;
        }
        self.grouping = Some(settle);
        let (tx, start, version) = (self.tx.clone(), self.pool_start(), self.version);
        spawn_local(async move {
            let since = now_ms();
            let result = match start.await {
                Ok(pool) => pool.group(job).await.map_err(GroupingFailure::from),
                Err(e) => Err(GroupingFailure::Pool(e)),
            };
            let _ = tx.unbounded_send(Command::Grouped(Box::new(Grouped {
                request,
                version,
                settle,
                result,
                took_ms: now_ms() - since,
            })));
        });
    }

    async fn grouped(&mut self, grouped: Grouped) {
        self.grouping = None;
        let Grouped {
            request,
            version,
            settle,
            result,
            took_ms,
        } = grouped;
        self.out
            .progress
            .update_untracked(|p| p.grouping_ms += took_ms);
        if version != self.version {
            // The user changed who is who meanwhile: group the book as it is now.
            let next = self.grouping_next.take().unwrap_or(false) || settle;
            return Box::pin(self.group(next)).await;
        }
        match result {
            Ok(clustering) => self.out.book.update(|b| {
                b.apply_regroup(&request, &clustering);
                if settle {
                    b.settle();
                }
            }),
            Err(e) => self.out.problem.set(Some(Problem::Grouping(e))),
        }
        self.save_book().await;
        if let Some(next) = self.grouping_next.take() {
            return Box::pin(self.group(next)).await;
        }
        if settle {
            self.run_faces = 0;
            self.reformed_at = 0;
        }
        if settle && !self.running {
            self.out.progress.update(|p| {
                if p.finished_ms.is_none() && p.total > 0 {
                    p.finished_ms = Some(now_ms());
                }
            });
            self.out.phase.set(Phase::Done);
            self.publish_stats();
            self.refresh_storage();
            // Only under this run's lock: naming is an edit like any other.
            if self.lock.is_some() && !self.known.is_empty() {
                let recognition = self.recognise_known().await;
                if !recognition.named.is_empty() {
                    self.out
                        .pack
                        .set(Some(PackNote::Recognised(recognition.named)));
                }
            }
            self.end_run().await;
        }
    }

    /// Saves what grouping changed; a failed save is retried with the next.
    async fn save_book(&mut self) {
        let dirty = self.out.book.try_update_untracked(Book::take_dirty);
        let (Some(store), Some(dirty)) = (&self.store, dirty) else {
            return;
        };
        if dirty.is_empty() {
            return;
        }
        if let Err(e) = store.commit(&dirty).await {
            self.out.book.update_untracked(|b| b.keep_dirty(dirty));
            // "Storage is full, sorting stopped" already says it, with Try again.
            if e != StorageError::Full || self.held.is_empty() {
                self.out.problem.set(Some(Problem::KeepBook(e)));
            }
        }
    }

    // ---- corrections ----------------------------------------------------------

    /// Applies a correction, saves it in one transaction, and only then shows
    /// it: a failed save rolls it back.
    async fn correct(&mut self, correction: Correction) -> EditNote {
        let Ok(lock) = self.edit_lock().await else {
            return EditNote::OtherTab;
        };
        self.read_if_stale().await;
        let note = self.apply(correction).await;
        if let Some(lock) = lock {
            lock.release().await;
        }
        note
    }

    /// The lock an edit needs: none while this tab's own run holds it, one
    /// taken for the edit otherwise, `Err` while another tab writes.
    async fn edit_lock(&self) -> Result<Option<LibraryLock>, AnotherTabWrites> {
        if self.lock.is_some() {
            return Ok(None);
        }
        LibraryLock::try_acquire()
            .await
            .map(Some)
            .ok_or(AnotherTabWrites)
    }

    /// Reads the library again if another tab changed it and no run of this
    /// tab (which re-reads when it takes the lock) is going.
    async fn read_if_stale(&mut self) {
        if self.stale && self.lock.is_none() {
            self.load(false).await;
        }
    }

    /// Applies and saves a correction to the library as this tab has it.
    async fn apply(&mut self, correction: Correction) -> EditNote {
        let applied = self.out.book.try_update_untracked(|b| {
            b.begin();
            let applied = b.apply(&correction);
            let dirty = b.take_dirty();
            (applied, dirty)
        });
        let Some((applied, dirty)) = applied else {
            return EditNote::Refused(EditError::NoSuchPerson);
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(e) => {
                self.out.book.update_untracked(Book::rollback);
                return EditNote::Refused(e);
            }
        };
        let saved = match self.writable() {
            Ok(Some(store)) if !dirty.is_empty() => store.commit(&dirty).await,
            writable => writable.map(|_| ()),
        };
        match saved {
            Ok(()) => {
                self.version += 1;
                self.out.book.update(Book::commit);
                self.tabs.tell(&TabMessage::Changed);
                EditNote::Applied(applied)
            }
            Err(e) => {
                self.out.book.update_untracked(Book::rollback);
                EditNote::NotSaved(e)
            }
        }
    }

    // ---- people files ---------------------------------------------------------

    async fn import_people(&mut self, file: String, bytes: Vec<u8>) {
        let pack = match PeoplePack::read(&bytes) {
            Ok(pack) => pack,
            Err(error) => return self.out.pack.set(Some(PackNote::Refused { file, error })),
        };
        let Ok(lock) = self.edit_lock().await else {
            return self.out.pack.set(Some(PackNote::OtherTab));
        };
        let saved = match self.writable() {
            Ok(Some(store)) => store.save_known(&pack.people).await,
            writable => writable.map(|_| ()),
        };
        self.read_if_stale().await;
        let note = match saved {
            Ok(()) => {
                self.tabs.tell(&TabMessage::Changed);
                for person in pack.people {
                    let same = |k: &PackedPerson| k.name.trim() == person.name.trim();
                    self.known.retain(|k| !same(k));
                    self.known.push(person);
                }
                let recognition = self.recognise_known().await;
                PackNote::Imported { file, recognition }
            }
            Err(e) => PackNote::NotSaved(e),
        };
        if let Some(lock) = lock {
            lock.release().await;
        }
        self.out.pack.set(Some(note));
    }

    /// Names every unnamed person who matches someone from a people file
    /// (each name an edit of its own, undoable), and says what else it saw.
    async fn recognise_known(&mut self) -> Recognition {
        let results = self.out.photos.with_untracked(|photos| {
            self.out
                .book
                .with_untracked(|book| recognise(&self.known, &candidates(photos, book)))
        });
        let hidden: Vec<bool> = self.known.iter().map(|k| k.hidden).collect();
        let mut recognition = Recognition::default();
        for (result, hidden) in results.into_iter().zip(hidden) {
            match result {
                Recognised::Name { person, name } => {
                    let rename = Correction::Rename {
                        person,
                        name: name.clone(),
                    };
                    if let EditNote::Applied(_) = self.apply(rename).await {
                        if hidden {
                            let hide = Correction::SetHidden {
                                person,
                                hidden: true,
                            };
                            self.apply(hide).await;
                        }
                        recognition.named.push(name);
                    }
                }
                Recognised::Same { .. } => {}
                Recognised::NamedOtherwise {
                    person,
                    here,
                    in_pack,
                } => recognition.differ.push(NamedOtherwise {
                    person,
                    here,
                    in_file: in_pack,
                }),
                Recognised::NameTaken {
                    name,
                    named,
                    matching,
                } => recognition.taken.push(NameTaken {
                    name,
                    named,
                    matching,
                }),
                Recognised::Waiting { name } => recognition.waiting.push(name),
            }
        }
        recognition
    }

    /// Registers a picked folder (the same folder picked again keeps its
    /// number) and adds its photos, which keep their originals there.
    async fn add_folder(&mut self, folder: PickedFolderFiles) {
        let PickedFolderFiles {
            handle,
            files,
            unread,
        } = folder;
        let known = self.out.folders.get_untracked();
        let mut id = None;
        for folder in &known {
            if let Ok(same) = JsFuture::from(folder.handle.is_same_entry(&handle)).await {
                if same.is_truthy() {
                    id = Some(folder.id);
                    break;
                }
            }
        }
        let id = match id {
            Some(id) => id,
            None => {
                // After every folder any photo names, so a folder whose record
                // was lost never lends its number to another.
                let used = self.out.photos.with_untracked(|photos| {
                    photos
                        .iter()
                        .filter_map(|p| match &p.original {
                            Original::InFolder { at, .. } => Some(at.folder.0 + 1),
                            Original::Kept { .. } | Original::Given(_) => None,
                        })
                        .max()
                });
                let folder = PickedFolder {
                    id: FolderId(
                        known
                            .iter()
                            .map(|f| f.id.0 + 1)
                            .chain(used)
                            .max()
                            .unwrap_or(0),
                    ),
                    name: handle.name(),
                    handle: handle.clone(),
                };
                let saved = match self.writable() {
                    Ok(Some(store)) => store.save_folder(&folder).await,
                    writable => writable.map(|_| ()),
                };
                // Photos kept in a folder the library does not know would
                // lose their originals at the next visit: none are added.
                if let Err(error) = saved {
                    return self.out.problem.set(Some(Problem::KeepFolder {
                        name: folder.name,
                        error,
                    }));
                }
                let id = folder.id;
                self.out.folders.update(|f| f.push(folder));
                id
            }
        };
        let root = handle.name();
        let files = files
            .into_iter()
            .map(|(file, within)| PickedFile {
                file,
                path: format!("{root}/{within}"),
                kept_in: Some(FolderPath {
                    folder: id,
                    path: within,
                }),
            })
            .collect();
        let unread = unread
            .into_iter()
            .map(|f| FailedFile {
                path: format!("{root}/{}", f.path),
                ..f
            })
            .collect();
        self.add(Picked { files, unread }).await;
    }

    async fn clear(&mut self) {
        if self.running || self.saving || self.grouping.is_some() {
            return self.out.problem.set(Some(Problem::Busy));
        }
        let Some(store) = self.store.take() else {
            return;
        };
        self.tabs.tell(&TabMessage::Cleared);
        match store.clear().await {
            Ok(()) => {
                let _ = web_sys::window().map(|w| w.location().reload());
            }
            // The connection is closed and the library may be half gone:
            // nothing more is written until a reload opens it again.
            Err(e) => self.let_go(Problem::Clear(e)),
        }
    }

    fn refresh_storage(&self) {
        let storage = self.out.storage;
        spawn_local(async move {
            if let Some(summary) = storage_summary().await {
                storage.set(Some(summary));
            }
        });
    }

    /// `window.facesortStats`, read by the in-browser benchmark.
    fn publish_stats(&self) {
        let workers = self
            .pool
            .as_ref()
            .and_then(|p| p.peek())
            .and_then(|r| r.as_ref().ok())
            .map_or(0, |p| p.size());
        self.out
            .progress
            .with_untracked(|p| super::stats::publish(p, workers));
    }
}

/// One run: takes batches of queued files until none are left, analysing
/// two per worker at a time (one analysing, one being read and hashed).
async fn run(
    tx: mpsc::UnboundedSender<Command>,
    start: PoolStart,
    progress: ReadSignal<Progress>,
    request: AnalyseRequest,
) {
    // If the models cannot load, the service hears it and drops the queue.
    let Ok(pool) = start.await else { return };
    let (lock, waited) = match LibraryLock::try_acquire().await {
        Some(lock) => (lock, false),
        None => {
            let _ = tx.unbounded_send(Command::Waiting);
            (LibraryLock::acquire().await, true)
        }
    };
    let (ready, locked) = oneshot::channel();
    let _ = tx.unbounded_send(Command::Locked {
        lock,
        waited,
        ready,
    });
    let _ = locked.await;
    loop {
        let (reply, batch) = oneshot::channel();
        let _ = tx.unbounded_send(Command::NextBatch(reply));
        let batch = batch.await.unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        futures::stream::iter(batch)
            .for_each_concurrent(pool.size() * 2, |file| {
                let (tx, pool) = (tx.clone(), pool.clone());
                async move {
                    let outcome = if progress.with_untracked(Progress::stopping) {
                        Outcome::Dropped
                    } else {
                        analyse(&tx, &pool, &file, request).await
                    };
                    let _ = tx.unbounded_send(Command::Finished(file, Box::new(outcome)));
                }
            })
            .await;
    }
}

async fn analyse(
    tx: &mpsc::UnboundedSender<Command>,
    pool: &WorkerPool,
    picked: &PickedFile,
    request: AnalyseRequest,
) -> Outcome {
    let buffer = match read_file(&picked.file).await {
        Ok(b) => b,
        Err(error) => {
            return Outcome::Failed {
                error,
                claimed: None,
            }
        }
    };
    let hash = match sha256_hex(&Uint8Array::new(&buffer)).await {
        Ok(h) => h,
        Err(e) => {
            return Outcome::Failed {
                error: PhotoError::Hash(e),
                claimed: None,
            }
        }
    };
    let (reply, claimed) = oneshot::channel();
    let _ = tx.unbounded_send(Command::Claim(hash.clone(), reply));
    let id = match claimed.await {
        Ok(Claimed::Yours(id)) => id,
        Ok(Claimed::Stopped) => return Outcome::Dropped,
        Ok(Claimed::Have) | Err(_) => return Outcome::Duplicate,
    };
    let size = f64::from(buffer.byte_length());
    let mut analysed = pool.analyse(buffer, request).await;
    // A worker that dies fails every photo it held, not only the one it was
    // on: each gets one more try on another worker (the bytes went to the
    // dead one, so they are read again). A photo that stops that one too
    // fails, with the reason.
    if matches!(&analysed, Err(AskError::Pool(e)) if e.worker_lost()) {
        if let Ok(buffer) = read_file(&picked.file).await {
            analysed = pool.analyse(buffer, request).await;
        }
    }
    match analysed {
        Ok(report) => Outcome::Photo {
            id,
            hash,
            size,
            report,
        },
        Err(e) => Outcome::Failed {
            error: e.into(),
            claimed: Some(hash),
        },
    }
}

pub fn object_url(jpeg: &[u8]) -> String {
    web_sys::Url::create_object_url_with_blob(&blob(jpeg, "image/jpeg")).unwrap_or_default()
}
