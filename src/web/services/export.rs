//! Exports of any size: zips written entry by entry to a file the user picks
//! (or to Blob parts the browser keeps, offered as one download), and "Save
//! into a folder", one folder per person. Only one photo is in wasm memory
//! at a time; a folder export never copies a photo through wasm at all.

use super::error::{DownloadError, Problem};
use super::library::Library;
use super::originals;
use super::store::PickedFolder;
use super::streamed::StreamedDownload;
use super::views::{Original, PersonView, Photo, Preview};
use crate::people::book::FaceKey;
use crate::people::cluster::PhotoId;
use crate::web::js::{describe, error_name, pick, wall_now, window_function};
use crate::wire::export::{safe_name, Outbox, UniqueNames, WallTime, ZipStream};
use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemWritableFileStream,
};

/// How an export is going, for the bar under the progress panel.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportStatus {
    /// Counts the page's exports from 1, so a second identical export can be
    /// told from the first.
    pub number: u32,
    /// "Facesort.zip", or the picked folder's name.
    pub target: String,
    pub done: usize,
    pub total: usize,
    pub bytes: u64,
    /// Photos already in the folder from an earlier export, left as they were.
    pub kept: usize,
    /// Photos whose originals could not be read (moved, changed, no access):
    /// skipped, and why, each reason once.
    pub left_out: usize,
    pub reasons: Vec<String>,
    pub kind: ExportKind,
    pub state: ExportState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A zip of photos.
    Zip,
    /// A zip of face crops.
    Crops,
    Folder,
    /// A find-yourself gallery: the app and sealed photos.
    Gallery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportState {
    Running,
    Done,
    Cancelled,
    Failed,
}

impl ExportState {
    /// For `data-state`, which tests read.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Running => "running",
            ExportState::Done => "done",
            ExportState::Cancelled => "cancelled",
            ExportState::Failed => "failed",
        }
    }
}

/// The page's exports: one at a time, with progress and Cancel. `Copy`,
/// provided through context.
#[derive(Clone, Copy)]
pub struct Exports {
    status: RwSignal<Option<ExportStatus>>,
    cancel: StoredValue<bool>,
    /// An export is being started: asking where to save, or for the service
    /// worker to stream through, takes a while, and a second click meanwhile
    /// must not start a second export under the same progress and Cancel.
    starting: StoredValue<bool>,
}

/// The one export slot, claimed before anything is awaited; given back when
/// dropped (the user closed the picker, or the export began).
pub(super) struct Claim(StoredValue<bool>);

impl Drop for Claim {
    fn drop(&mut self) {
        self.0.set_value(false);
    }
}

impl Default for Exports {
    fn default() -> Self {
        Exports {
            status: RwSignal::new(None),
            cancel: StoredValue::new(false),
            starting: StoredValue::new(false),
        }
    }
}

impl Exports {
    pub fn status(&self) -> ReadSignal<Option<ExportStatus>> {
        self.status.read_only()
    }

    pub fn cancel(&self) {
        self.cancel.set_value(true);
    }

    /// The export slot, unless another export runs or is being started.
    pub(super) fn claim(&self) -> Option<Claim> {
        let running = self
            .status
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.state == ExportState::Running));
        if running || self.starting.get_value() {
            return None;
        }
        self.starting.set_value(true);
        Some(Claim(self.starting))
    }

    pub(super) fn begin(&self, claim: Claim, kind: ExportKind, target: &str, total: usize) {
        self.cancel.set_value(false);
        let number = self
            .status
            .with_untracked(|s| s.as_ref().map_or(1, |s| s.number + 1));
        self.status.set(Some(ExportStatus {
            number,
            target: target.to_string(),
            done: 0,
            total,
            bytes: 0,
            kept: 0,
            left_out: 0,
            reasons: Vec::new(),
            kind,
            state: ExportState::Running,
        }));
        drop(claim);
    }

    pub(super) fn advance(&self, bytes: u64, kept: bool) {
        self.status.update(|s| {
            if let Some(s) = s {
                s.done += 1;
                s.bytes += bytes;
                s.kept += usize::from(kept);
            }
        });
    }

    /// Counts a photo left out; each reason is told once (a folder the page
    /// may not read would otherwise be named once per photo).
    pub(super) fn leave_out(&self, why: DownloadError) {
        let why = why.to_string();
        self.status.update(|s| {
            if let Some(s) = s {
                s.done += 1;
                s.left_out += 1;
                if !s.reasons.contains(&why) {
                    s.reasons.push(why);
                }
            }
        });
    }

    pub(super) fn end(&self, state: ExportState) {
        self.status.update(|s| {
            if let Some(s) = s {
                s.state = state;
            }
        });
    }

    /// A zip is saved: its size is the file's (a gallery's holds the app as
    /// well as the photos, so counting the photos would say less than the
    /// user finds on disk).
    pub(super) fn saved_zip(&self, size: u64) {
        self.status.update(|s| {
            if let Some(s) = s {
                s.bytes = size;
                s.state = ExportState::Done;
            }
        });
    }

    pub(super) fn cancelled(&self) -> bool {
        self.cancel.get_value()
    }
}

/// Whether this browser lets the page write into a folder the user picks.
pub fn can_save_into_folder() -> bool {
    window_function("showDirectoryPicker").is_some()
}

/// Awaits a promise, naming a failure as a write error.
async fn wait(promise: js_sys::Promise) -> Result<JsValue, DownloadError> {
    JsFuture::from(promise)
        .await
        .map_err(|e| DownloadError::Write(e.into()))
}

/// Where a zip's bytes go as it is written.
pub(super) enum Sink {
    /// A file the user picked: written as the zip grows.
    File(FileSystemFileHandle, FileSystemWritableFileStream),
    /// A download the service worker streams to disk as the zip grows.
    Stream(StreamedDownload),
    /// Blob parts the browser keeps (Chromium and Firefox move large ones to
    /// disk), offered as one download at the end: where there is no service
    /// worker to stream through.
    Parts(Array),
}

impl Sink {
    /// A download: streamed through the service worker where the page has
    /// one, else Blob parts offered when finished.
    pub(super) async fn download(file_name: &str) -> Sink {
        match StreamedDownload::open(file_name).await {
            Some(stream) => Sink::Stream(stream),
            None => Sink::Parts(Array::new()),
        }
    }

    pub(super) async fn write(&mut self, bytes: &[u8]) -> Result<(), DownloadError> {
        if bytes.is_empty() {
            return Ok(());
        }
        match self {
            Sink::File(_, stream) => {
                let promise = stream
                    .write_with_u8_array(bytes)
                    .map_err(|e| DownloadError::Write(e.into()))?;
                wait(promise).await.map(|_| ())
            }
            Sink::Stream(stream) => stream.write(bytes).await,
            Sink::Parts(parts) => {
                let part = Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes)))
                    .map_err(|e| DownloadError::Write(e.into()))?;
                parts.push(&part);
                Ok(())
            }
        }
    }

    pub(super) async fn finish(self, file_name: &str) -> Result<(), DownloadError> {
        match self {
            Sink::File(_, stream) => wait(stream.close()).await.map(|_| ()),
            Sink::Stream(stream) => {
                stream.finish();
                Ok(())
            }
            Sink::Parts(parts) => {
                let options = web_sys::BlobPropertyBag::new();
                options.set_type("application/zip");
                let zip = Blob::new_with_blob_sequence_and_options(&parts, &options)
                    .map_err(|e| DownloadError::Write(e.into()))?;
                super::download::save(&zip, file_name);
                Ok(())
            }
        }
    }

    /// Drops what was written. The picker already emptied the picked file
    /// (or made it), so it is removed rather than left empty.
    pub(super) async fn abandon(self) {
        if let Sink::File(handle, stream) = self {
            let _ = JsFuture::from(stream.abort()).await;
            let remove = Reflect::get(&handle, &"remove".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            if let Some(promise) = remove.and_then(|f| f.call0(&handle).ok()) {
                let _ = JsFuture::from(js_sys::Promise::from(promise)).await;
            }
        }
    }
}

/// One entry of a zip or folder export: where it goes and what it is.
struct Item {
    folder: String,
    name: String,
    content: Content,
    /// A photo's file time, which its zip entry keeps.
    modified: Option<WallTime>,
}

/// What an exported file holds.
enum Content {
    Photo(Original),
    Crop(Preview),
}

impl Item {
    /// The file, from the library or the folder it stays in.
    async fn open(&self, folders: &[PickedFolder]) -> Result<Blob, DownloadError> {
        match &self.content {
            Content::Photo(original) => originals::open(original, &self.name, folders).await,
            Content::Crop(crop) => crop
                .image()
                .await
                .map_err(|e| DownloadError::unread(&self.name, &e)),
        }
    }
}

/// Whether an export goes on without this photo (it is named at the end).
pub(super) fn left_out(e: &DownloadError) -> bool {
    matches!(
        e,
        DownloadError::Missing { .. }
            | DownloadError::Changed { .. }
            | DownloadError::NoAccess(_)
            | DownloadError::Read { .. }
    )
}

/// Reads a Blob into wasm memory (one photo at a time).
pub(super) async fn read(name: &str, blob: &Blob) -> Result<Vec<u8>, DownloadError> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| DownloadError::Read {
            name: name.to_string(),
            detail: describe(&e),
        })?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A zip on its way to the user, an entry at a time: each entry's bytes go
/// on to the sink as soon as they are written, so only one photo is ever in
/// wasm memory. Gallery exports use it too.
pub(super) struct ZipExport {
    outbox: Outbox,
    zip: ZipStream<Outbox>,
    sink: Sink,
    exports: Exports,
    file_name: String,
    written: u64,
}

impl ZipExport {
    /// Asks where to save `file_name` (where the browser can and `ask_where`)
    /// and starts the export's progress; `None` when another export runs
    /// (reported) or the user closed the picker.
    pub(super) async fn start(
        library: Library,
        exports: Exports,
        kind: ExportKind,
        file_name: String,
        total: usize,
        ask_where: bool,
    ) -> Option<ZipExport> {
        let Some(claim) = exports.claim() else {
            library.report(Problem::Download(DownloadError::Busy));
            return None;
        };
        library.downloading();
        let sink = if ask_where && window_function("showSaveFilePicker").is_some() {
            match save_file_stream(&file_name).await {
                Ok(Some((handle, stream))) => Sink::File(handle, stream),
                Ok(None) => return None,
                Err(e) => {
                    library.report(Problem::Download(e));
                    return None;
                }
            }
        } else {
            Sink::download(&file_name).await
        };
        exports.begin(claim, kind, &file_name, total);
        let outbox = Outbox::default();
        Some(ZipExport {
            zip: ZipStream::new(outbox.clone()).dated(wall_now()),
            outbox,
            sink,
            exports,
            file_name,
            written: 0,
        })
    }

    pub(super) fn exports(&self) -> Exports {
        self.exports
    }

    /// Adds one entry (without counting it as progress). Takes the bytes so
    /// they are let go before the zipped copy is written out.
    pub(super) async fn add(
        &mut self,
        folder: &str,
        name: &str,
        bytes: Vec<u8>,
        modified: Option<WallTime>,
    ) -> Result<(), DownloadError> {
        self.zip
            .add(folder, name, &bytes, modified)
            .map_err(|e| DownloadError::Zip(e.to_string()))?;
        drop(bytes);
        let bytes = self.outbox.take();
        self.written += bytes.len() as u64;
        self.sink.write(&bytes).await
    }

    /// Ends the export as `outcome` says (finished, cancelled, failed),
    /// telling the user, and offers the zip when it is complete: then its
    /// size in bytes.
    pub(super) async fn end(
        self,
        library: Library,
        outcome: Result<bool, DownloadError>,
    ) -> Option<u64> {
        let ZipExport {
            outbox,
            zip,
            mut sink,
            exports,
            file_name,
            mut written,
        } = self;
        let outcome = match outcome {
            Ok(true) => match zip.finish() {
                Ok(_) => {
                    let last = outbox.take();
                    written += last.len() as u64;
                    sink.write(&last).await.map(|_| true)
                }
                Err(e) => Err(DownloadError::Zip(e.to_string())),
            },
            other => other,
        };
        let outcome = match outcome {
            Ok(true) => sink.finish(&file_name).await.map(|_| true),
            Ok(false) => {
                sink.abandon().await;
                Ok(false)
            }
            Err(e) => {
                sink.abandon().await;
                Err(e)
            }
        };
        match outcome {
            Ok(true) => {
                exports.saved_zip(written);
                Some(written)
            }
            Ok(false) => {
                exports.end(ExportState::Cancelled);
                None
            }
            Err(e) => {
                exports.end(ExportState::Failed);
                library.report(Problem::Download(e));
                None
            }
        }
    }
}

/// Writes `items` into the zip, with progress; stops on Cancel.
async fn write_items(
    zip: &mut ZipExport,
    folders: &[PickedFolder],
    items: Vec<Item>,
) -> Result<bool, DownloadError> {
    let exports = zip.exports();
    for item in &items {
        if exports.cancelled() {
            return Ok(false);
        }
        let blob = match item.open(folders).await {
            Ok(blob) => blob,
            Err(e) if left_out(&e) => {
                exports.leave_out(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let bytes = read(&item.name, &blob).await?;
        zip.add(&item.folder, &item.name, bytes, item.modified)
            .await?;
        exports.advance(blob.size() as u64, false);
    }
    Ok(true)
}

/// Runs a zip export to its end, telling the user how it went.
async fn export_zip(
    library: Library,
    exports: Exports,
    kind: ExportKind,
    items: Vec<Item>,
    file_name: String,
    ask_where: bool,
) {
    let Some(mut zip) =
        ZipExport::start(library, exports, kind, file_name, items.len(), ask_where).await
    else {
        return;
    };
    let folders = library.folders().get_untracked();
    let outcome = write_items(&mut zip, &folders, items).await;
    zip.end(library, outcome).await;
}

/// Asks where to save `file_name`; `None` when the user closed the picker.
async fn save_file_stream(
    file_name: &str,
) -> Result<Option<(FileSystemFileHandle, FileSystemWritableFileStream)>, DownloadError> {
    let options = Object::new();
    let accept = Object::new();
    let _ = Reflect::set(
        &accept,
        &"application/zip".into(),
        &Array::of1(&".zip".into()),
    );
    let kind = Object::new();
    let _ = Reflect::set(&kind, &"description".into(), &"Zip archive".into());
    let _ = Reflect::set(&kind, &"accept".into(), &accept);
    let _ = Reflect::set(&options, &"suggestedName".into(), &file_name.into());
    let _ = Reflect::set(&options, &"types".into(), &Array::of1(&kind));
    let Some(handle) = pick("showSaveFilePicker", &options)
        .await
        .map_err(DownloadError::Write)?
    else {
        return Ok(None);
    };
    let handle: FileSystemFileHandle = handle.unchecked_into();
    let stream = wait(handle.create_writable()).await?;
    Ok(Some((handle, stream.unchecked_into())))
}

/// A photo's file as exports name and date it.
struct PhotoFile {
    name: String,
    original: Original,
    modified: WallTime,
}

/// Each photo's file, by id, taken once per export.
fn files(library: Library) -> HashMap<PhotoId, PhotoFile> {
    library.photos().with_untracked(|photos| {
        photos
            .iter()
            .map(|p| {
                let file = PhotoFile {
                    name: p.view.name.clone(),
                    original: p.original.clone(),
                    modified: p.view.modified,
                };
                (p.view.id, file)
            })
            .collect()
    })
}

fn items_of(files: &HashMap<PhotoId, PhotoFile>, folder: &str, ids: &[PhotoId]) -> Vec<Item> {
    ids.iter()
        .filter_map(|id| files.get(id))
        .map(|file| Item {
            folder: folder.to_string(),
            name: file.name.clone(),
            content: Content::Photo(file.original.clone()),
            modified: Some(file.modified),
        })
        .collect()
}

/// Everything: a folder per person (a photo with three people is in three
/// folders; hidden people are left out), `no-faces/`, and `other-faces/` for
/// photos whose faces belong to nobody (unclear faces, faces taken away).
fn everything(library: Library) -> Vec<Item> {
    let people = library.people().get_untracked();
    let (no_faces, other_faces) = library.book().with_untracked(|b| {
        library.photos().with_untracked(|photos| {
            let of = |faceless: bool| -> Vec<PhotoId> {
                photos
                    .iter()
                    .map(|p| &p.view)
                    .filter(|p| {
                        if faceless {
                            return p.faces.is_empty();
                        }
                        !p.faces.is_empty()
                            && (0..p.faces.len() as u32)
                                .all(|index| b.person_of(FaceKey { photo: p.id, index }).is_none())
                    })
                    .map(|p| p.id)
                    .collect()
            };
            (of(true), of(false))
        })
    });
    let files = files(library);
    // A folder each, whatever the names: people called "Anna" and "anna", or
    // one called "no-faces", must not be mixed when the zip is unpacked.
    let mut folders = UniqueNames::default();
    let (no_faces_folder, other_faces_folder) = (
        folders.claim_folder("no-faces"),
        folders.claim_folder("other-faces"),
    );
    let mut items = Vec::new();
    for person in people.iter().filter(|p| !p.hidden) {
        let folder = folders.claim_folder(&person.name);
        items.extend(items_of(&files, &folder, &person.photos));
    }
    items.extend(items_of(&files, &no_faces_folder, &no_faces));
    items.extend(items_of(&files, &other_faces_folder, &other_faces));
    items
}

/// The whole library as one zip, written where the user picks where the
/// browser can (so it may be larger than memory), or downloaded.
pub async fn everything_zip(library: Library, exports: Exports) {
    let items = everything(library);
    export_zip(
        library,
        exports,
        ExportKind::Zip,
        items,
        "Facesort.zip".into(),
        true,
    )
    .await;
}

/// `<name>.zip` with the person's photos at the top level.
pub async fn album_zip(library: Library, exports: Exports, person: PersonView) {
    let items = items_of(&files(library), "", &person.photos);
    let file_name = format!("{}.zip", safe_name(&person.name));
    export_zip(library, exports, ExportKind::Zip, items, file_name, false).await;
}

/// Chosen photos (a search's matches), at the top level of `file_name`.
pub async fn photos_zip(library: Library, exports: Exports, ids: Vec<PhotoId>, file_name: String) {
    let items = items_of(&files(library), "", &ids);
    export_zip(library, exports, ExportKind::Zip, items, file_name, false).await;
}

/// The person's face crops, one JPEG per face.
pub async fn crops_zip(library: Library, exports: Exports, person: PersonView) {
    let items: Vec<Item> = library.photos().with_untracked(|photos| {
        let by_id: HashMap<PhotoId, &Photo> = photos.iter().map(|p| (p.view.id, p)).collect();
        person
            .faces
            .iter()
            .filter_map(|face| {
                let photo = by_id.get(&face.photo)?;
                let name = &photo.view.name;
                let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                let crop = photo.view.faces.get(face.index as usize)?;
                Some(Item {
                    folder: String::new(),
                    name: format!("{stem}-face{}.jpg", face.index + 1),
                    content: Content::Crop(crop.crop.clone()),
                    modified: None,
                })
            })
            .collect()
    });
    let file_name = format!("{} faces.zip", safe_name(&person.name));
    export_zip(library, exports, ExportKind::Crops, items, file_name, false).await;
}

/// "Save into a folder": one folder per person, `no-faces/` and
/// `other-faces/`, written into a folder the user picks. A photo already
/// there from an earlier export (same name, same size) is left alone, so an
/// export cancelled halfway finishes where it stopped.
pub async fn save_into_folder(library: Library, exports: Exports) {
    let Some(claim) = exports.claim() else {
        library.report(Problem::Download(DownloadError::Busy));
        return;
    };
    library.downloading();
    let options = Object::new();
    let _ = Reflect::set(&options, &"mode".into(), &"readwrite".into());
    let _ = Reflect::set(&options, &"id".into(), &"facesort-export".into());
    let root: FileSystemDirectoryHandle = match pick("showDirectoryPicker", &options).await {
        Ok(Some(handle)) => handle.unchecked_into(),
        Ok(None) => return,
        Err(e) => {
            library.report(Problem::Download(DownloadError::Folder(e)));
            return;
        }
    };
    let items = everything(library);
    exports.begin(claim, ExportKind::Folder, &root.name(), items.len());
    let folders = library.folders().get_untracked();
    match write_folder(exports, &folders, &root, items).await {
        Ok(true) => exports.end(ExportState::Done),
        Ok(false) => exports.end(ExportState::Cancelled),
        Err(e) => {
            exports.end(ExportState::Failed);
            library.report(Problem::Download(e));
        }
    }
}

async fn write_folder(
    exports: Exports,
    originals: &[PickedFolder],
    root: &FileSystemDirectoryHandle,
    items: Vec<Item>,
) -> Result<bool, DownloadError> {
    let folder_error = |e: JsValue| DownloadError::Folder(e.into());
    let mut folders: HashMap<String, (FileSystemDirectoryHandle, UniqueNames)> = HashMap::new();
    for item in items {
        if exports.cancelled() {
            return Ok(false);
        }
        let folder = safe_name(&item.folder);
        if !folders.contains_key(&folder) {
            let create = web_sys::FileSystemGetDirectoryOptions::new();
            create.set_create(true);
            let dir = JsFuture::from(root.get_directory_handle_with_options(&folder, &create))
                .await
                .map_err(folder_error)?;
            folders.insert(
                folder.clone(),
                (dir.unchecked_into(), UniqueNames::default()),
            );
        }
        let blob = match item.open(originals).await {
            Ok(blob) => blob,
            Err(e) if left_out(&e) => {
                exports.leave_out(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let (dir, names) = folders.get_mut(&folder).expect("inserted above");
        let size = blob.size();
        // Same name and size as what is there: written by an earlier export.
        let mut name = names.claim(&item.name);
        let kept = loop {
            match JsFuture::from(dir.get_file_handle(&name)).await {
                Err(e) if error_name(&e) == "NotFoundError" => break false,
                Err(e) => return Err(folder_error(e)),
                Ok(existing) => {
                    let existing: FileSystemFileHandle = existing.unchecked_into();
                    let file: web_sys::File = JsFuture::from(existing.get_file())
                        .await
                        .map_err(folder_error)?
                        .unchecked_into();
                    if file.size() == size {
                        break true;
                    }
                    name = names.claim(&item.name);
                }
            }
        };
        if !kept {
            let create = web_sys::FileSystemGetFileOptions::new();
            create.set_create(true);
            let file: FileSystemFileHandle =
                JsFuture::from(dir.get_file_handle_with_options(&name, &create))
                    .await
                    .map_err(folder_error)?
                    .unchecked_into();
            // The Blob goes to the file as it is: never through wasm memory.
            let mut opened: Option<FileSystemWritableFileStream> = None;
            let written = async {
                let stream: FileSystemWritableFileStream = JsFuture::from(file.create_writable())
                    .await
                    .map_err(folder_error)?
                    .unchecked_into();
                let stream = opened.insert(stream);
                let written = stream.write_with_blob(&blob).map_err(folder_error)?;
                JsFuture::from(written).await.map_err(folder_error)?;
                JsFuture::from(stream.close()).await.map_err(folder_error)
            }
            .await;
            if let Err(e) = written {
                // No empty file is left behind (a disk filling up, say): the
                // next export would take it for another photo of that name.
                if let Some(stream) = opened {
                    let _ = JsFuture::from(stream.abort()).await;
                }
                let _ = JsFuture::from(dir.remove_entry(&name)).await;
                return Err(e);
            }
        }
        exports.advance(size as u64, kept);
    }
    Ok(true)
}
