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
use crate::web::js::{blob, describe};
use crate::wire::worker::PhotoReport;
use js_sys::{Array, Reflect};
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "facesort";
/// 1: photos and pending files.
/// 2: people, faces (each face's person and corrections), edits and meta.
///    A version-1 library opens with no faces placed and is grouped afresh,
///    giving the people it showed before.
/// 3: folders the user picked, whose photos' originals stay there.
/// 4: people known from imported people files, waiting for photos of them.
pub const SCHEMA_VERSION: u32 = 4;
const PHOTOS: &str = "photos";
const PENDING: &str = "pending";
const PEOPLE: &str = "people";
const FACES: &str = "faces";
const EDITS: &str = "edits";
const META: &str = "meta";
const FOLDERS: &str = "folders";
const KNOWN: &str = "known";
const COUNTERS: &str = "counters";
/// The original file travels beside the serde part: IndexedDB stores Blobs natively.
const FILE_FIELD: &str = "file";
/// Fields of a photo record holding its [`Previews`] as Blobs.
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
    /// Set when the original stays in a picked folder (the record holds no
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
    counters: Counters,
}

/// What the library holds.
pub struct Loaded {
    /// Each with its kept copy, unless the original is in a picked folder.
    pub photos: Vec<(StoredPhoto, Option<web_sys::Blob>, Previews)>,
    pub folders: Vec<PickedFolder>,
    pub pending: Vec<String>,
    pub book: Book,
    /// People from imported people files (see [`crate::people::pack`]).
    pub known: Vec<PackedPerson>,
    /// Records that could not be read back, by name: skipped, never fatal.
    pub damaged: Vec<String>,
}

/// A photo's thumbnail and face crops as Blobs the browser holds. They are
/// stored as Blobs too, so reopening a library hands them back without
/// copying a byte through wasm or making a Blob per image (at 3,000 photos
/// that copying was two thirds of the time to reopen).
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

    /// The Blobs stored with a record, when it has them all.
    fn stored(row: &JsValue, faces: usize) -> Option<Previews> {
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

impl NewPhoto {
    /// The record with its Blobs beside the serde part.
    fn to_value(&self) -> Result<JsValue, StorageError> {
        let value = serde_wasm_bindgen::to_value(&self.stored)?;
        let crops: Array = self.previews.crops.iter().collect();
        let fields: [(&str, Option<&JsValue>); 3] = [
            (FILE_FIELD, self.copy.as_ref().map(AsRef::as_ref)),
            (THUMB_FIELD, Some(self.previews.thumb.as_ref())),
            (CROPS_FIELD, Some(crops.as_ref())),
        ];
        for (field, blob) in fields {
            if let Some(blob) = blob {
                Reflect::set(&value, &field.into(), blob)
                    .map_err(|e| StorageError::Encode(describe(&e)))?;
            }
        }
        Ok(value)
    }
}

impl StoredPhoto {
    /// Whether everything the page relies on is sound: every face has a
    /// descriptor of the shipped model.
    pub fn is_sound(&self) -> bool {
        self.report.faces.iter().all(|f| f.embedding.is_valid())
    }
}

/// The IndexedDB database of one library. Cloned handles share one
/// connection, so photos' saves can run beside the service's other work.
#[derive(Clone)]
pub struct Store {
    db: Rc<Connection>,
}

/// Closed when its last handle goes: a save under way keeps it open until
/// its photos are written.
struct Connection(Option<Rexie>);

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
        let db = Rexie::builder(DB_NAME)
            .version(SCHEMA_VERSION)
            .add_object_store(ObjectStore::new(PHOTOS).key_path("hash"))
            .add_object_store(ObjectStore::new(PENDING).key_path("path"))
            .add_object_store(ObjectStore::new(PEOPLE).key_path("id"))
            .add_object_store(ObjectStore::new(FACES).key_path("key"))
            .add_object_store(ObjectStore::new(EDITS).key_path("seq"))
            .add_object_store(ObjectStore::new(META).key_path("name"))
            .add_object_store(ObjectStore::new(FOLDERS).key_path("id"))
            .add_object_store(ObjectStore::new(KNOWN).key_path("name"))
            .build()
            .await
            .map_err(StorageError::from)?;
        Ok(Store {
            db: Rc::new(Connection(Some(db))),
        })
    }

    /// Every stored photo with its file, in order of arrival, the paths of
    /// files that were queued but not finished, and who is who.
    pub async fn load(&self) -> Result<Loaded, StorageError> {
        let tx = self
            .db()?
            .transaction(
                &[PHOTOS, PENDING, PEOPLE, FACES, EDITS, META, FOLDERS, KNOWN],
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
            .map(|m| m.counters)
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
        let mut photos = Vec::with_capacity(rows.len());
        for row in rows {
            let name = Reflect::get(&row, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_else(|| "a photo without a name".into());
            let file = Reflect::get(&row, &FILE_FIELD.into())
                .ok()
                .and_then(|f| f.dyn_into::<web_sys::Blob>().ok());
            // A record with neither its file nor a folder to find it in
            // cannot be downloaded again, and one with damaged faces cannot
            // be grouped: skip it rather than fail the library, and say so.
            match serde_wasm_bindgen::from_value::<StoredPhoto>(row.clone()) {
                Ok(mut photo)
                    if photo.is_sound() && (file.is_some() || photo.in_folder.is_some()) =>
                {
                    // Records saved before previews were Blobs hold their bytes.
                    let previews = Previews::stored(&row, photo.report.faces.len())
                        .unwrap_or_else(|| Previews::take(&mut photo.report));
                    photos.push((photo, file, previews))
                }
                _ => damaged.push(name),
            }
        }
        photos.sort_by_key(|(p, _, _)| p.seq);
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
        let people = tx.store(PEOPLE).map_err(StorageError::from)?;
        for (id, person) in &dirty.people {
            match person {
                Some(p) => put(&people, p).await?,
                None => people
                    .delete(JsValue::from_f64(id.0 as f64))
                    .await
                    .map_err(StorageError::from)?,
            }
        }
        let faces = tx.store(FACES).map_err(StorageError::from)?;
        for (face, state) in &dirty.faces {
            let key = face_key(*face);
            match state {
                Some(state) => {
                    put(
                        &faces,
                        &FaceRecord {
                            key,
                            face: *face,
                            state: state.clone(),
                        },
                    )
                    .await?
                }
                None => faces
                    .delete(JsValue::from_str(&key))
                    .await
                    .map_err(StorageError::from)?,
            }
        }
        let edits = tx.store(EDITS).map_err(StorageError::from)?;
        for seq in &dirty.edits_deleted {
            edits
                .delete(JsValue::from_f64(*seq as f64))
                .await
                .map_err(StorageError::from)?;
        }
        for edit in &dirty.edits_written {
            put(&edits, edit).await?;
        }
        put(
            &tx.store(META).map_err(StorageError::from)?,
            &MetaRecord {
                name: COUNTERS.into(),
                counters: dirty.counters.clone(),
            },
        )
        .await?;
        finish(tx).await?;
        Ok(())
    }

    /// Stores sorted photos and forgets them as pending, in one transaction:
    /// a crash leaves each photo either kept or still pending, never kept
    /// and pending, nor neither. One transaction for many photos because
    /// its commit, not the records, is most of a save's cost.
    pub async fn save(&self, photos: &[&NewPhoto]) -> Result<(), StorageError> {
        let values = photos
            .iter()
            .map(|p| p.to_value())
            .collect::<Result<Vec<_>, _>>()?;
        let tx = self.writing(&[PHOTOS, PENDING])?;
        let store = tx.store(PHOTOS).map_err(StorageError::from)?;
        for (photo, value) in photos.iter().zip(&values) {
            store.put(value, None).await.map_err(StorageError::from)?;
            unqueue(&tx, &photo.path).await?;
        }
        finish(tx).await?;
        Ok(())
    }

    /// Keeps people from an imported people file (one record per name: a
    /// name imported again replaces its faces), in one transaction.
    pub async fn save_known(&self, people: &[PackedPerson]) -> Result<(), StorageError> {
        let tx = self.writing(&[KNOWN])?;
        let store = tx.store(KNOWN).map_err(StorageError::from)?;
        for person in people {
            put(&store, person).await?;
        }
        finish(tx).await
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
        let store = tx.store(PENDING).map_err(StorageError::from)?;
        for path in paths {
            let value = serde_wasm_bindgen::to_value(&Pending { path: path.clone() })?;
            store.put(&value, None).await.map_err(StorageError::from)?;
        }
        finish(tx).await?;
        Ok(())
    }

    pub async fn forget_pending(&self, path: &str) -> Result<(), StorageError> {
        let tx = self.writing(&[PENDING])?;
        unqueue(&tx, path).await?;
        finish(tx).await?;
        Ok(())
    }

    fn writing(&self, stores: &[&str]) -> Result<rexie::Transaction, StorageError> {
        self.db()?
            .transaction(stores, TransactionMode::ReadWrite)
            .map_err(StorageError::from)
    }

    fn db(&self) -> Result<&Rexie, StorageError> {
        // `None` only while the connection is being dropped.
        self.db
            .0
            .as_ref()
            .ok_or_else(|| StorageError::Failed("the library was closed".into()))
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

/// Removes a file from the pending list within the caller's transaction.
async fn unqueue(tx: &rexie::Transaction, path: &str) -> Result<(), StorageError> {
    tx.store(PENDING)
        .map_err(StorageError::from)?
        .delete(JsValue::from_str(path))
        .await
        .map_err(StorageError::from)
}

/// "12.3 MB of 2.1 GB used", from `navigator.storage.estimate()`; also asks
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
    // Chromium splits usage by kind: the library is the IndexedDB part (the
    // service worker's copy of the app and models is not the user's data).
    let library = Reflect::get(&estimate, &"usageDetails".into())
        .ok()
        .and_then(|d| Reflect::get(&d, &"indexedDB".into()).ok())
        .and_then(|v| v.as_f64());
    Some(match library {
        Some(db) => format!(
            "{} of {} used (app and models: {})",
            bytes(db),
            bytes(quota),
            bytes((get("usage")? - db).max(0.0))
        ),
        None => format!("{} of {} used", bytes(get("usage")?), bytes(quota)),
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
