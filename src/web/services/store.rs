//! The library kept in IndexedDB, so a reload or a later visit finds every
//! sorted photo again: the original file (for downloads) or where it is in a
//! folder the user picked, its thumbnail and faces, keyed by the SHA-256 of
//! its bytes; the picked folders' handles; who is who (people, each face's
//! person) with the edit history for undo; and the files a run had queued
//! but not finished, so the page can say which to add again.

use super::error::StorageError;
use crate::people::book::{Book, Counters, Dirty, FaceKey, FaceState, Person};
use crate::people::cluster::PhotoId;
use crate::people::edit::Edit;
use crate::people::pack::PackedPerson;
use crate::web::js::{blob, describe, measure_since, now_ms};
use crate::wire::worker::PhotoReport;
use js_sys::{Array, Reflect};
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use send_wrapper::SendWrapper;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::rc::{Rc, Weak};
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "facesort";
/// 1: photos and pending files.
/// 2: people, faces (each face's person and corrections), edits and meta.
///    A version-1 library opens with no faces placed and is grouped afresh,
///    giving the people it showed before.
/// 3: folders the user picked, whose photos' originals stay there.
/// 4: people known from imported people files, waiting for photos of them.
/// 5: photo records without Blobs, with originals and previews in stores of
///    their own, read when needed. Every Blob read back from IndexedDB costs
///    Chromium's browser process about 23 kB however small it is, so reading
///    three or four per photo when a library opened took a 13,000-photo
///    library to 2.3 GB. Older records are copied on opening
///    ([`Store::move_blobs`]).
pub const SCHEMA_VERSION: u32 = 5;
const PHOTOS: &str = "photo records";
/// Records of versions 1 to 4, each with its original's copy as a Blob
/// (unless the original stays in a picked folder). They stay as they are,
/// for those copies: moving every original of a library
/// of phone photos would copy gigabytes within the browser's storage.
const OLDER_PHOTOS: &str = "photos";
const PENDING: &str = "pending";
const PEOPLE: &str = "people";
const FACES: &str = "faces";
const EDITS: &str = "edits";
const META: &str = "meta";
const FOLDERS: &str = "folders";
const KNOWN: &str = "known";
/// Copies of originals (Blobs), keyed by their photo's hash.
const ORIGINALS: &str = "originals";
/// Thumbnails and face crops (JPEG Blobs), keyed by [`thumb_key`] and [`crop_key`].
const PREVIEWS: &str = "previews";
const COUNTERS: &str = "counters";
/// A meta record whose presence says every record of [`OLDER_PHOTOS`] has
/// its version 5 record, so they need not be looked at again (the upgrade
/// itself cannot copy records: rexie only makes stores).
const BLOBS_APART: &str = "blobs apart";
/// Older records copied per transaction, so that the Blobs read stay few at
/// any one time.
const MOVE_BATCH: usize = 200;
/// Older records not moved that opening names one by one (the rest are counted).
const UNMOVED_NAMED: usize = 10;
/// Where records of [`OLDER_PHOTOS`] keep their Blobs: the original file,
/// and (versions 3 and 4) the [`Previews`].
const FILE_FIELD: &str = "file";
const THUMB_FIELD: &str = "thumb";
const CROPS_FIELD: &str = "crops";
/// So does a folder's handle (structured-cloneable, not serde).
const HANDLE_FIELD: &str = "handle";

/// A folder the user picked, numbered in the order they were first picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FolderId(pub u32);

/// Where a photo's original is inside a picked folder: `sub/IMG_1.jpg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderPath {
    pub folder: FolderId,
    pub path: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct FolderRecord {
    id: FolderId,
    name: String,
}

/// A picked folder and the browser's handle on it.
#[derive(Clone, Debug)]
pub struct PickedFolder {
    pub id: FolderId,
    pub name: String,
    pub handle: web_sys::FileSystemDirectoryHandle,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredPhoto {
    pub hash: String,
    /// The photo's id, in order of arrival: restoring in this order regroups
    /// people identically.
    pub seq: PhotoId,
    pub name: String,
    pub size: f64,
    pub last_modified_ms: f64,
    pub added_ms: f64,
    pub report: PhotoReport,
    /// Set when the original stays in a picked folder (the library holds no
    /// copy of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_folder: Option<FolderPath>,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    path: String,
}

#[derive(Serialize, Deserialize)]
struct FaceRecord {
    /// "photo/index": IndexedDB keys must be plain values.
    key: String,
    face: FaceKey,
    state: FaceState,
}

fn face_key(face: FaceKey) -> String {
    format!("{}/{}", face.photo.0, face.index)
}

#[derive(Serialize, Deserialize)]
struct MetaRecord {
    name: String,
    /// Only in the [`COUNTERS`] record ([`BLOBS_APART`] is a name alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counters: Option<Counters>,
}

/// The key of a photo's thumbnail in [`PREVIEWS`].
fn thumb_key(hash: &str) -> String {
    format!("{hash}/thumb")
}

/// The key of a photo's face crop in [`PREVIEWS`], `index` in face order.
fn crop_key(hash: &str, index: usize) -> String {
    format!("{hash}/face{index}")
}

/// What the library holds.
pub struct Loaded {
    /// Their originals are in the library unless `in_folder` says where.
    pub photos: Vec<StoredPhoto>,
    pub folders: Vec<PickedFolder>,
    pub pending: Vec<String>,
    pub book: Book,
    /// People from imported people files (see [`crate::people::pack`]).
    pub known: Vec<PackedPerson>,
    /// Records that could not be read back, by name: skipped, never fatal.
    pub damaged: Vec<String>,
}

/// A photo's thumbnail and face crops as Blobs the page made, until they are
/// kept. They are stored as Blobs too, so showing one reads it back without
/// copying a byte through wasm.
#[derive(Clone, Debug)]
pub struct Previews {
    pub thumb: web_sys::Blob,
    /// In face order.
    pub crops: Vec<web_sys::Blob>,
}

impl Previews {
    /// Moves the report's JPEG bytes into Blobs, leaving the report without
    /// them (so the record stored beside the Blobs does not repeat them).
    pub fn take(report: &mut PhotoReport) -> Previews {
        let thumb = blob(&std::mem::take(&mut report.thumbnail_jpeg), "image/jpeg");
        let crops = report
            .faces
            .iter_mut()
            .map(|f| blob(&std::mem::take(&mut f.crop_jpeg), "image/jpeg"))
            .collect();
        Previews { thumb, crops }
    }

    /// The Blobs a record of version 3 or 4 held, when it has them all.
    fn in_record(row: &JsValue, faces: usize) -> Option<Previews> {
        let thumb = Reflect::get(row, &THUMB_FIELD.into())
            .ok()?
            .dyn_into::<web_sys::Blob>()
            .ok()?;
        let crops: Vec<web_sys::Blob> = Reflect::get(row, &CROPS_FIELD.into())
            .ok()?
            .dyn_into::<Array>()
            .ok()?
            .iter()
            .map(|c| c.dyn_into::<web_sys::Blob>().ok())
            .collect::<Option<_>>()?;
        (crops.len() == faces).then_some(Previews { thumb, crops })
    }
}

/// A photo's record ready to write, converted before its transaction opens
/// (a conversion failing midway would leave the transaction to commit what
/// was already written).
struct PhotoRecord<'a> {
    hash: &'a str,
    value: JsValue,
    copy: Option<&'a web_sys::Blob>,
    /// `None` for a record of schema 3 or 4, which keeps its own.
    previews: Option<&'a Previews>,
}

impl<'a> PhotoRecord<'a> {
    fn new(
        stored: &'a StoredPhoto,
        copy: Option<&'a web_sys::Blob>,
        previews: Option<&'a Previews>,
    ) -> Result<Self, StorageError> {
        Ok(PhotoRecord {
            hash: &stored.hash,
            value: serde_wasm_bindgen::to_value(stored)?,
            copy,
            previews,
        })
    }

    /// Writes the record, its copy and its previews within the caller's
    /// transaction (over [`PHOTOS`], [`ORIGINALS`] and [`PREVIEWS`]).
    async fn put(&self, tx: &rexie::Transaction) -> Result<(), StorageError> {
        tx.store(PHOTOS)?.put(&self.value, None).await?;
        if let Some(copy) = self.copy {
            tx.store(ORIGINALS)?
                .put(copy, Some(&JsValue::from_str(self.hash)))
                .await?;
        }
        let Some(previews) = self.previews else {
            return Ok(());
        };
        let shelf = tx.store(PREVIEWS)?;
        shelf
            .put(&previews.thumb, Some(&thumb_key(self.hash).into()))
            .await?;
        for (i, crop) in previews.crops.iter().enumerate() {
            shelf
                .put(crop, Some(&crop_key(self.hash, i).into()))
                .await?;
        }
        Ok(())
    }
}

/// Commits `tx` if all its writes were `written`, else aborts it: an early
/// return alone would let IndexedDB commit the writes made before it.
async fn commit_or_abort(
    tx: rexie::Transaction,
    written: Result<(), StorageError>,
) -> Result<(), StorageError> {
    match written {
        Ok(()) => finish(tx).await,
        Err(e) => {
            let _ = tx.abort().await;
            Err(e)
        }
    }
}

impl StoredPhoto {
    /// Whether everything the page relies on is sound: every face has a
    /// descriptor of the shipped model.
    pub fn is_sound(&self) -> bool {
        self.report.faces.iter().all(|f| f.embedding.is_valid())
    }
}

/// How far opening has got in upgrading an older version's photo records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upgrade {
    pub done: usize,
    pub of: usize,
}

/// The IndexedDB database of one library. Cloned handles share one
/// connection, so photos' saves can run beside the service's other work.
#[derive(Clone)]
pub struct Store {
    db: Rc<Connection>,
    /// Why the records of an older version could not all be moved on
    /// opening, if so (see [`Store::move_blobs`]).
    unmoved: Option<StorageError>,
}

/// Reads originals and previews for as long as the library's [`Store`] is
/// open, without keeping it open: when the library lets go of its
/// connection (another tab needs it), reading fails instead.
#[derive(Clone, Debug)]
pub struct Shelf(SendWrapper<Weak<Connection>>);

impl PartialEq for Shelf {
    fn eq(&self, other: &Shelf) -> bool {
        self.0.ptr_eq(&other.0)
    }
}

impl Shelf {
    /// The copy kept of the photo `hash`'s original: in its own store, or in
    /// the photo's record of an older version.
    pub async fn original(&self, hash: &str) -> Result<web_sys::Blob, StorageError> {
        let db = self.connection()?;
        let tx = db
            .rexie()?
            .transaction(&[ORIGINALS, OLDER_PHOTOS], TransactionMode::ReadOnly)?;
        let key = JsValue::from_str(hash);
        if let Some(copy) = tx.store(ORIGINALS)?.get(key.clone()).await? {
            return copy.dyn_into().map_err(|_| StorageError::Missing);
        }
        tx.store(OLDER_PHOTOS)?
            .get(key)
            .await?
            .and_then(|row| Reflect::get(&row, &FILE_FIELD.into()).ok())
            .and_then(|file| file.dyn_into::<web_sys::Blob>().ok())
            .ok_or(StorageError::Missing)
    }

    /// The thumbnail of the photo `hash`, or its crop of `face`: in their
    /// own store, or in the photo's record of schema 3 or 4 (which keeps
    /// its previews, see [`Store::move_blobs`]).
    pub async fn preview(
        &self,
        hash: &str,
        face: Option<usize>,
    ) -> Result<web_sys::Blob, StorageError> {
        let key = match face {
            None => thumb_key(hash),
            Some(i) => crop_key(hash, i),
        };
        let db = self.connection()?;
        let tx = db
            .rexie()?
            .transaction(&[PREVIEWS, OLDER_PHOTOS], TransactionMode::ReadOnly)?;
        if let Some(preview) = tx.store(PREVIEWS)?.get(JsValue::from_str(&key)).await? {
            return preview.dyn_into().map_err(|_| StorageError::Missing);
        }
        let row = tx
            .store(OLDER_PHOTOS)?
            .get(JsValue::from_str(hash))
            .await?
            .ok_or(StorageError::Missing)?;
        let preview = match face {
            None => Reflect::get(&row, &THUMB_FIELD.into()).ok(),
            Some(i) => Reflect::get(&row, &CROPS_FIELD.into())
                .ok()
                .and_then(|crops| crops.dyn_into::<Array>().ok())
                .map(|crops| crops.get(i as u32)),
        };
        preview
            .and_then(|p| p.dyn_into::<web_sys::Blob>().ok())
            .ok_or(StorageError::Missing)
    }

    fn connection(&self) -> Result<Rc<Connection>, StorageError> {
        self.0.upgrade().ok_or(StorageError::Closed)
    }
}

/// Closed when its last handle goes: a save under way keeps it open until
/// its photos are written.
#[derive(Debug)]
struct Connection(Option<Rexie>);

impl Connection {
    fn rexie(&self) -> Result<&Rexie, StorageError> {
        // `None` only while the connection is being dropped.
        self.0.as_ref().ok_or(StorageError::Closed)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            db.close();
        }
    }
}

/// A sorted photo to keep: its record, a copy of its file (unless the
/// original stays in a picked folder), its previews, and the path it was
/// pending under.
pub struct NewPhoto {
    pub stored: StoredPhoto,
    pub copy: Option<web_sys::Blob>,
    pub previews: Previews,
    pub path: String,
}

impl Store {
    pub async fn open() -> Result<Store, StorageError> {
        Store::open_telling(|_| {}).await
    }

    /// Opens the library, telling `upgrading` how far the upgrade of an
    /// older version's records has got after each batch (about 1 ms per
    /// photo: some seconds for a large library, once).
    pub async fn open_telling(upgrading: impl Fn(Upgrade)) -> Result<Store, StorageError> {
        let db = Rexie::builder(DB_NAME)
            .version(SCHEMA_VERSION)
            .add_object_store(ObjectStore::new(PHOTOS).key_path("hash"))
            .add_object_store(ObjectStore::new(OLDER_PHOTOS).key_path("hash"))
            .add_object_store(ObjectStore::new(PENDING).key_path("path"))
            .add_object_store(ObjectStore::new(PEOPLE).key_path("id"))
            .add_object_store(ObjectStore::new(FACES).key_path("key"))
            .add_object_store(ObjectStore::new(EDITS).key_path("seq"))
            .add_object_store(ObjectStore::new(META).key_path("name"))
            .add_object_store(ObjectStore::new(FOLDERS).key_path("id"))
            .add_object_store(ObjectStore::new(KNOWN).key_path("name"))
            .add_object_store(ObjectStore::new(ORIGINALS))
            .add_object_store(ObjectStore::new(PREVIEWS))
            .build()
            .await
            .map_err(StorageError::from)?;
        let mut store = Store {
            db: Rc::new(Connection(Some(db))),
            unmoved: None,
        };
        // Not fatal: the older records stay as they were, loading names the
        // photos not moved and why, and the next opening tries again.
        store.unmoved = store.move_blobs(upgrading).await.err();
        Ok(store)
    }

    /// A reader of originals and previews that does not keep the library open.
    pub fn shelf(&self) -> Shelf {
        Shelf(SendWrapper::new(Rc::downgrade(&self.db)))
    }

    /// Gives each record of [`OLDER_PHOTOS`] its version 5 record and
    /// previews, [`MOVE_BATCH`] records per transaction: an interrupted copy
    /// resumes on the next opening, and no photo is ever half copied.
    async fn move_blobs(&self, upgrading: impl Fn(Upgrade)) -> Result<(), StorageError> {
        let tx = self
            .db()?
            .transaction(&[META, OLDER_PHOTOS, PHOTOS], TransactionMode::ReadOnly)?;
        if tx
            .store(META)?
            .key_exists(JsValue::from_str(BLOBS_APART))
            .await?
        {
            return Ok(());
        }
        let older = tx.store(OLDER_PHOTOS)?.get_all_keys(None, None).await?;
        // A library of version 5 from the start has none, and is not written
        // to on opening.
        if older.is_empty() {
            return Ok(());
        }
        let since = now_ms();
        let moved = key_set(&tx.store(PHOTOS)?).await?;
        drop(tx);
        let mut upgrade = Upgrade {
            done: 0,
            of: older.len(),
        };
        upgrading(upgrade);
        // Keys come sorted, so each batch is one key range.
        for batch in older.chunks(MOVE_BATCH) {
            let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
                continue;
            };
            let range = KeyRange::bound(first, last, None, None)
                .map_err(|e| StorageError::from(rexie::Error::from(e)))?;
            let tx = self.writing(&[OLDER_PHOTOS, PHOTOS, PREVIEWS])?;
            let rows = tx.store(OLDER_PHOTOS)?.get_all(Some(range), None).await?;
            let mut photos = Vec::new();
            for row in rows {
                let file = Reflect::get(&row, &FILE_FIELD.into())
                    .ok()
                    .and_then(|f| f.dyn_into::<web_sys::Blob>().ok());
                // A record that no longer parses, or has neither its
                // original nor a folder to find it in, could not be shown
                // before either: it stays where it is, and opening names it.
                let Ok(mut photo) = serde_wasm_bindgen::from_value::<StoredPhoto>(row.clone())
                else {
                    continue;
                };
                if moved.contains(&photo.hash) || (file.is_none() && photo.in_folder.is_none()) {
                    continue;
                }
                // Records of schema 3 and 4 keep their previews as Blobs,
                // read from there ([`Shelf::preview`]): copying them would
                // store them twice. Those of 1 and 2 held their bytes.
                let previews = Previews::in_record(&row, photo.report.faces.len())
                    .is_none()
                    .then(|| Previews::take(&mut photo.report));
                photos.push((photo, previews));
            }
            let records = photos
                .iter()
                .map(|(photo, previews)| PhotoRecord::new(photo, None, previews.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            let written = async {
                for record in &records {
                    record.put(&tx).await?;
                }
                Ok(())
            }
            .await;
            commit_or_abort(tx, written).await?;
            upgrade.done += batch.len();
            upgrading(upgrade);
        }
        let tx = self.writing(&[META])?;
        put(
            &tx.store(META)?,
            &MetaRecord {
                name: BLOBS_APART.into(),
                counters: None,
            },
        )
        .await?;
        finish(tx).await?;
        // For the developer tools' timeline, and the library benchmark.
        measure_since("facesort: library upgraded", since);
        Ok(())
    }

    /// Every stored photo's record, in order of arrival, the paths of
    /// files that were queued but not finished, and who is who.
    pub async fn load(&self) -> Result<Loaded, StorageError> {
        let tx = self
            .db()?
            .transaction(
                &[
                    PHOTOS,
                    OLDER_PHOTOS,
                    ORIGINALS,
                    PENDING,
                    PEOPLE,
                    FACES,
                    EDITS,
                    META,
                    FOLDERS,
                    KNOWN,
                ],
                TransactionMode::ReadOnly,
            )
            .map_err(StorageError::from)?;
        let mut damaged = Vec::new();
        let people: Vec<Person> = read_all(&tx, PEOPLE, &mut damaged).await?;
        let faces: Vec<FaceRecord> = read_all(&tx, FACES, &mut damaged).await?;
        let edits: Vec<Edit> = read_all(&tx, EDITS, &mut damaged).await?;
        let meta: Vec<MetaRecord> = read_all(&tx, META, &mut damaged).await?;
        let mut known: Vec<PackedPerson> = read_all(&tx, KNOWN, &mut damaged).await?;
        known.retain(|k| {
            let sound = k.is_sound();
            if !sound {
                damaged.push(format!("{} (from a people file)", k.name));
            }
            sound
        });
        let counters = meta
            .into_iter()
            .find(|m| m.name == COUNTERS)
            .and_then(|m| m.counters)
            .unwrap_or_default();
        let book = Book::from_parts(
            people,
            faces.into_iter().map(|f| (f.face, f.state)).collect(),
            edits,
            counters,
        );
        let rows = tx
            .store(PHOTOS)
            .map_err(StorageError::from)?
            .get_all(None, None)
            .await
            .map_err(StorageError::from)?;
        let pending: Vec<Pending> = read_all(&tx, PENDING, &mut damaged).await?;
        let mut folders = Vec::new();
        for row in tx
            .store(FOLDERS)
            .map_err(StorageError::from)?
            .get_all(None, None)
            .await
            .map_err(StorageError::from)?
        {
            let handle = Reflect::get(&row, &HANDLE_FIELD.into())
                .ok()
                .and_then(|h| h.dyn_into::<web_sys::FileSystemDirectoryHandle>().ok());
            match (serde_wasm_bindgen::from_value::<FolderRecord>(row), handle) {
                (Ok(r), Some(handle)) => folders.push(PickedFolder {
                    id: r.id,
                    name: r.name,
                    handle,
                }),
                _ => damaged.push("a picked folder".into()),
            }
        }
        // Only the keys: reading the copies would cost the browser a handle
        // each. An older record that was moved holds its copy.
        let older = key_set(&tx.store(OLDER_PHOTOS)?).await?;
        let mut copies = key_set(&tx.store(ORIGINALS)?).await?;
        copies.extend(older.iter().cloned());
        let mut recorded = HashSet::with_capacity(rows.len());
        let mut photos = Vec::with_capacity(rows.len());
        for row in rows {
            let name = row_name(&row);
            // A record with neither its copy nor a folder to find it in
            // cannot be downloaded again, and one with damaged faces cannot
            // be grouped: skip it rather than fail the library, and say so.
            if let Some(hash) = Reflect::get(&row, &"hash".into())
                .ok()
                .and_then(|h| h.as_string())
            {
                recorded.insert(hash);
            }
            match serde_wasm_bindgen::from_value::<StoredPhoto>(row) {
                Ok(photo)
                    if photo.is_sound()
                        && (photo.in_folder.is_some() || copies.contains(&photo.hash)) =>
                {
                    photos.push(photo)
                }
                _ => damaged.push(name),
            }
        }
        // Older records not moved: damaged ones (skipped for good), or all
        // those left when moving failed (tried again on the next opening).
        let unmoved: Vec<&String> = older.difference(&recorded).collect();
        if !unmoved.is_empty() {
            let store = tx.store(OLDER_PHOTOS)?;
            // A few by name; reading them all would hold their Blobs.
            for hash in unmoved.iter().take(UNMOVED_NAMED) {
                let row = store.get(JsValue::from_str(hash)).await?;
                damaged.push(row_name(&row.unwrap_or_default()));
            }
            if unmoved.len() > UNMOVED_NAMED {
                damaged.push(format!(
                    "{} more photo(s) saved by an older version of Facesort",
                    unmoved.len() - UNMOVED_NAMED
                ));
            }
            if let Some(why) = &self.unmoved {
                damaged.push(format!(
                    "(saved by an older version of Facesort, they could not be moved to this version's records: {why}; this is tried again on the next opening)"
                ));
            }
        }
        photos.sort_by_key(|p| p.seq);
        let mut pending: Vec<String> = pending.into_iter().map(|p| p.path).collect();
        pending.sort();
        Ok(Loaded {
            photos,
            folders,
            pending,
            book,
            known,
            damaged,
        })
    }

    /// Writes what the book changed (an edit, an undo, a grouping) in one
    /// transaction: a crash leaves the old state or the new, never a mix.
    pub async fn commit(&self, dirty: &Dirty) -> Result<(), StorageError> {
        let tx = self.writing(&[PEOPLE, FACES, EDITS, META])?;
        let written = async {
            let people = tx.store(PEOPLE)?;
            for (id, person) in &dirty.people {
                match person {
                    Some(p) => put(&people, p).await?,
                    None => people.delete(JsValue::from_f64(id.0 as f64)).await?,
                }
            }
            let faces = tx.store(FACES)?;
            for (face, state) in &dirty.faces {
                let key = face_key(*face);
                match state {
                    Some(state) => {
                        let record = FaceRecord {
                            key,
                            face: *face,
                            state: state.clone(),
                        };
                        put(&faces, &record).await?
                    }
                    None => faces.delete(JsValue::from_str(&key)).await?,
                }
            }
            let edits = tx.store(EDITS)?;
            for seq in &dirty.edits_deleted {
                edits.delete(JsValue::from_f64(*seq as f64)).await?;
            }
            for edit in &dirty.edits_written {
                put(&edits, edit).await?;
            }
            let counters = MetaRecord {
                name: COUNTERS.into(),
                counters: Some(dirty.counters.clone()),
            };
            put(&tx.store(META)?, &counters).await
        }
        .await;
        commit_or_abort(tx, written).await
    }

    /// Stores sorted photos and forgets them as pending, in one transaction:
    /// a crash leaves each photo either kept or still pending, never kept
    /// and pending, nor neither. One transaction for many photos because
    /// its commit, not the records, is most of a save's cost.
    pub async fn save(&self, photos: &[&NewPhoto]) -> Result<(), StorageError> {
        let records = photos
            .iter()
            .map(|p| PhotoRecord::new(&p.stored, p.copy.as_ref(), Some(&p.previews)))
            .collect::<Result<Vec<_>, _>>()?;
        let tx = self.writing(&[PHOTOS, ORIGINALS, PREVIEWS, PENDING])?;
        let written = async {
            for (record, photo) in records.iter().zip(photos) {
                record.put(&tx).await?;
                unqueue(&tx, &photo.path).await?;
            }
            Ok(())
        }
        .await;
        commit_or_abort(tx, written).await
    }

    /// Keeps people from an imported people file (one record per name: a
    /// name imported again replaces its faces), in one transaction.
    pub async fn save_known(&self, people: &[PackedPerson]) -> Result<(), StorageError> {
        let tx = self.writing(&[KNOWN])?;
        let written = async {
            let store = tx.store(KNOWN)?;
            for person in people {
                put(&store, person).await?;
            }
            Ok(())
        }
        .await;
        commit_or_abort(tx, written).await
    }

    /// Keeps a picked folder's handle, so its photos' originals can be read
    /// on later visits (the browser asks the user again for permission).
    pub async fn save_folder(&self, folder: &PickedFolder) -> Result<(), StorageError> {
        let value = serde_wasm_bindgen::to_value(&FolderRecord {
            id: folder.id,
            name: folder.name.clone(),
        })?;
        Reflect::set(&value, &HANDLE_FIELD.into(), &folder.handle)
            .map_err(|e| StorageError::Encode(describe(&e)))?;
        let tx = self.writing(&[FOLDERS])?;
        tx.store(FOLDERS)
            .map_err(StorageError::from)?
            .put(&value, None)
            .await
            .map_err(StorageError::from)?;
        finish(tx).await?;
        Ok(())
    }

    pub async fn add_pending(&self, paths: &[String]) -> Result<(), StorageError> {
        let tx = self.writing(&[PENDING])?;
        let written = async {
            let store = tx.store(PENDING)?;
            for path in paths {
                put(&store, &Pending { path: path.clone() }).await?;
            }
            Ok(())
        }
        .await;
        commit_or_abort(tx, written).await
    }

    pub async fn forget_pending(&self, paths: &[String]) -> Result<(), StorageError> {
        let tx = self.writing(&[PENDING])?;
        for path in paths {
            unqueue(&tx, path).await?;
        }
        finish(tx).await?;
        Ok(())
    }

    fn writing(&self, stores: &[&str]) -> Result<rexie::Transaction, StorageError> {
        self.db()?
            .transaction(stores, TransactionMode::ReadWrite)
            .map_err(StorageError::from)
    }

    fn db(&self) -> Result<&Rexie, StorageError> {
        self.db.rexie()
    }

    /// Lets go of the database (another connection may then delete it).
    pub fn close(self) {
        drop(self);
    }

    /// Deletes the whole library.
    pub async fn clear(self) -> Result<(), StorageError> {
        drop(self);
        Rexie::delete(DB_NAME).await.map_err(StorageError::from)
    }
}

async fn put(store: &rexie::Store, value: &impl Serialize) -> Result<(), StorageError> {
    let value = serde_wasm_bindgen::to_value(value)?;
    store.put(&value, None).await.map_err(StorageError::from)?;
    Ok(())
}

/// Waits for a write to be committed. An aborted transaction is a failed
/// write, though rexie reports it as a result, not an error: with no request
/// failing, a browser aborts at commit only when the site's storage is full
/// (QuotaExceededError) or the disk fails, and either way nothing more
/// should be written until space is freed.
async fn finish(tx: rexie::Transaction) -> Result<(), StorageError> {
    match tx.done().await.map_err(StorageError::from)? {
        rexie::TransactionResult::Committed => Ok(()),
        rexie::TransactionResult::Aborted => Err(StorageError::Full),
    }
}

/// Every record of a store; records that no longer parse are skipped (and
/// counted in `damaged`) rather than making the whole library unreadable.
async fn read_all<T: serde::de::DeserializeOwned>(
    tx: &rexie::Transaction,
    store: &str,
    damaged: &mut Vec<String>,
) -> Result<Vec<T>, StorageError> {
    let rows = tx.store(store)?.get_all(None, None).await?;
    let total = rows.len();
    let read: Vec<T> = rows
        .into_iter()
        .filter_map(|v| serde_wasm_bindgen::from_value(v).ok())
        .collect();
    if read.len() < total {
        damaged.push(format!("{} record(s) of {store}", total - read.len()));
    }
    Ok(read)
}

/// Every key of a store whose keys are strings (photo hashes).
async fn key_set(store: &rexie::Store) -> Result<HashSet<String>, StorageError> {
    Ok(store
        .get_all_keys(None, None)
        .await?
        .into_iter()
        .filter_map(|k| k.as_string())
        .collect())
}

/// A photo record's file name, to name it when it cannot be shown.
fn row_name(row: &JsValue) -> String {
    Reflect::get(row, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| "a photo without a name".into())
}

/// Removes a file from the pending list within the caller's transaction.
async fn unqueue(tx: &rexie::Transaction, path: &str) -> Result<(), StorageError> {
    tx.store(PENDING)
        .map_err(StorageError::from)?
        .delete(JsValue::from_str(path))
        .await
        .map_err(StorageError::from)
}

/// "12.3 MB of 2.1 GB allowed", from `navigator.storage.estimate()`; also asks
/// the browser to keep the library when it is short of space.
pub async fn storage_summary() -> Option<String> {
    let storage = web_sys::window()?.navigator().storage();
    if let Ok(p) = storage.persist() {
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }
    let estimate = wasm_bindgen_futures::JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?;
    let get = |k: &str| {
        Reflect::get(&estimate, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    let quota = get("quota")?;
    let usage = get("usage")?;
    // Chromium splits usage by kind: the service worker's copy of the app
    // and models is not the user's data, and is said apart.
    let details = Reflect::get(&estimate, &"usageDetails".into()).ok();
    let part = |k: &str| {
        details
            .as_ref()
            .and_then(|d| Reflect::get(d, &k.into()).ok())
            .and_then(|v| v.as_f64())
    };
    let app = match (part("caches"), part("serviceWorkerRegistrations")) {
        (None, None) => None,
        (c, r) => Some(c.unwrap_or(0.0) + r.unwrap_or(0.0)),
    };
    Some(match app {
        Some(app) => format!(
            "{}, plus {} for the app and models, of {} allowed",
            bytes((usage - app).max(0.0)),
            bytes(app),
            bytes(quota)
        ),
        None => format!("{} of {} allowed", bytes(usage), bytes(quota)),
    })
}

/// A size for people: "412.3 MB".
pub fn bytes(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.0} kB", n / 1e3),
    }
}
