//! Find-yourself galleries (format in [`crate::wire::gallery`]).
//!
//! The organiser's side exports one zip: the built app exactly as this page
//! was served (its service worker lists every file), an `index.html` that
//! opens the gallery instead of a library, and the sealed photos, thumbnails
//! and indexes. The guest's side reads that folder from wherever it is
//! hosted, derives the key from the code the guest types, and opens only
//! what it needs; the guest's selfie is analysed by the same workers, on the
//! guest's device.

use super::crypto::{self, CryptoError};
use super::error::{AppFileError, DownloadError, GalleryMakeError, PhotoError, PoolError, Problem};
use super::export::{read, ExportKind, Exports, Sink, ZipExport};
use super::library::Library;
use super::originals;
use super::pool::WorkerPool;
use super::views::Photo;
use crate::face::detection::DetectorConfig;
use crate::people::book::{Book, FaceKey};
use crate::web::js::{describe, sha256_hex, wall_now};
use crate::wire::export::{ExportError, Outbox, ZipStream};
use crate::wire::gallery::{
    code_from, guest_index_html, guest_service_worker, normalise_code, to_hex, AppFiles,
    GalleryError, GalleryHeader, GuestFace, GuestIndex, GuestPerson, GuestPhoto, Sealed, FOLDER,
    FORMAT, HEADER, ITERATIONS, SALT_BYTES,
};
use crate::wire::worker::{AnalyseRequest, FaceReport};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use js_sys::Uint8Array;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GuestError {
    #[error(transparent)]
    Fetch(#[from] AppFileError),
    #[error(transparent)]
    Gallery(#[from] GalleryError),
    #[error("that code does not open this gallery: check it with whoever shared it with you")]
    WrongCode,
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error("{name} could not be read: {error}")]
    Selfie { name: String, error: PhotoError },
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error("no face was found in {0}: try a photo where your face is clear, large and upright")]
    NoFace(String),
}

/// What the organiser chose.
#[derive(Clone, Debug)]
pub struct GalleryOptions {
    pub title: String,
    pub code: String,
    /// Put people's names (the ones the user gave) in the gallery.
    pub names: bool,
    /// Also an album per named person, each under its own code.
    pub albums: bool,
}

/// A finished gallery, for the organiser's page.
#[derive(Clone, Debug, PartialEq)]
pub struct GalleryMade {
    pub photos: usize,
    pub bytes: u64,
    /// Each named person's album code.
    pub albums: Vec<(String, String)>,
}

/// Fetches one of the page's own files (the service worker answers
/// offline).
async fn fetch_bytes(path: &str) -> Result<Vec<u8>, AppFileError> {
    let failed = |detail: String| AppFileError {
        file: path.to_string(),
        detail,
    };
    let window = web_sys::window().ok_or_else(|| failed("no window".into()))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|e| failed(describe(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(failed(format!("the server answered {}", response.status())));
    }
    let buffer = response.array_buffer().map_err(|e| failed(describe(&e)))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|e| failed(describe(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A gallery's own failure, as an export's.
fn gallery_error(e: impl Into<GalleryMakeError>) -> DownloadError {
    DownloadError::Gallery(e.into())
}

/// A photo going into the gallery, taken from the library once.
struct Chosen {
    photo: Photo,
    faces: Vec<GuestFace>,
}

/// Photos with at least one person the user did not hide, with those
/// people's faces only.
fn choose(photos: &[Photo], book: &Book) -> Vec<Chosen> {
    photos
        .iter()
        .filter_map(|p| {
            let faces: Vec<GuestFace> = p
                .faces
                .iter()
                .zip(&p.view.faces)
                .enumerate()
                .filter_map(|(i, (kept, view))| {
                    let key = FaceKey {
                        photo: p.view.id,
                        index: i as u32,
                    };
                    let person = book.person(book.person_of(key)?)?;
                    (!person.hidden).then(|| GuestFace {
                        bbox: view.bbox,
                        person: Some(person.id.0),
                        embedding: kept.embedding.clone(),
                    })
                })
                .collect();
            (!faces.is_empty()).then(|| Chosen {
                photo: p.clone(),
                faces,
            })
        })
        .collect()
}

/// Seals `plain` under a fresh key; the key goes into the indexes.
async fn seal_new(plain: &[u8]) -> Result<(Vec<u8>, String), DownloadError> {
    let key_bytes = crypto::new_key().map_err(gallery_error)?;
    let key = crypto::import_key(&key_bytes)
        .await
        .map_err(gallery_error)?;
    let sealed = crypto::seal(&key, plain).await.map_err(gallery_error)?;
    Ok((sealed, to_hex(&key_bytes)))
}

/// Splits `models/x.onnx` into its folder and file name, undoing the
/// service worker's URL encoding.
fn folder_and_name(listed: &str) -> (String, String) {
    let decoded = js_sys::decode_uri_component(listed)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| listed.to_string());
    match decoded.rsplit_once('/') {
        Some((folder, name)) => (folder.to_string(), name.to_string()),
        None => (String::new(), decoded),
    }
}

/// Writes the app: every listed file, with the guest's `index.html` and a
/// service worker that lists it.
async fn write_app(zip: &mut ZipExport) -> Result<(), DownloadError> {
    let sw = fetch_bytes("sw.js").await.map_err(gallery_error)?;
    let sw = String::from_utf8_lossy(&sw).into_owned();
    let files = AppFiles::from_service_worker(&sw).map_err(gallery_error)?;
    let index = fetch_bytes("index.html").await.map_err(gallery_error)?;
    let index = guest_index_html(&String::from_utf8_lossy(&index))
        .ok_or_else(|| gallery_error(GalleryMakeError::NoHead))?;
    let index_sha = sha256_hex(&Uint8Array::from(index.as_bytes()))
        .await
        .map_err(|e| gallery_error(GalleryMakeError::Hash(e)))?;
    let guest_sw = guest_service_worker(&sw, &files, &index_sha).map_err(gallery_error)?;
    zip.add("", "index.html", index.into_bytes(), None).await?;
    zip.add("", "sw.js", guest_sw.into_bytes(), None).await?;
    for (listed, _) in files.files.iter().filter(|(f, _)| f != "index.html") {
        if zip.exports().cancelled() {
            return Ok(());
        }
        let bytes = fetch_bytes(listed).await.map_err(gallery_error)?;
        let (folder, name) = folder_and_name(listed);
        zip.add(&folder, &name, bytes, None).await?;
    }
    Ok(())
}

/// Shuffles with the browser's random source, so the order of the locks
/// says nothing about which is the room's.
fn shuffle<T>(items: &mut [T]) -> Result<(), DownloadError> {
    let random = crypto::random_bytes(4 * items.len()).map_err(gallery_error)?;
    for i in (1..items.len()).rev() {
        let r = u32::from_le_bytes([
            random[4 * i],
            random[4 * i + 1],
            random[4 * i + 2],
            random[4 * i + 3],
        ]);
        items.swap(i, r as usize % (i + 1));
    }
    Ok(())
}

/// Exports a gallery of the library's photos of people, as a zip offered as
/// a download (or written where the user picks). `None` when nothing was
/// made (cancelled, failed: the page was told).
pub async fn export(
    library: Library,
    exports: Exports,
    options: GalleryOptions,
) -> Option<GalleryMade> {
    let code = match normalise_code(&options.code) {
        Ok(code) => code,
        Err(e) => {
            library.report(Problem::Download(gallery_error(e)));
            return None;
        }
    };
    let chosen = library
        .book()
        .with_untracked(|b| library.photos().with_untracked(|p| choose(p, b)));
    let named: BTreeMap<u32, String> = library.book().with_untracked(|b| {
        b.people()
            .filter(|p| !p.hidden)
            .filter_map(|p| Some((p.id.0, p.name.clone()?)))
            .collect()
    });
    let mut zip = ZipExport::start(
        library,
        exports,
        ExportKind::Gallery,
        "Facesort gallery.zip".into(),
        chosen.len(),
        true,
    )
    .await?;
    let outcome = write_gallery(&mut zip, library, &options, &code, chosen, &named).await;
    let made = outcome.as_ref().ok().and_then(|m| m.clone());
    let saved = zip.end(library, outcome.map(|m| m.is_some())).await;
    made.zip(saved)
        .map(|(made, bytes)| GalleryMade { bytes, ..made })
}

async fn write_gallery(
    zip: &mut ZipExport,
    library: Library,
    options: &GalleryOptions,
    code: &str,
    chosen: Vec<Chosen>,
    named: &BTreeMap<u32, String>,
) -> Result<Option<GalleryMade>, DownloadError> {
    let exports = zip.exports();
    write_app(zip).await?;
    if exports.cancelled() {
        return Ok(None);
    }
    let folders = library.folders().get_untracked();
    let mut photos = Vec::with_capacity(chosen.len());
    for (n, Chosen { photo, faces }) in chosen.into_iter().enumerate() {
        if exports.cancelled() {
            return Ok(None);
        }
        let name = photo.view.name.clone();
        let original = match originals::open(&photo.original, &name, &folders).await {
            Ok(blob) => blob,
            Err(e) if super::export::left_out(&e) => {
                exports.leave_out(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let (sealed, key) = seal_new(&read(&name, &original).await?).await?;
        let mut size = sealed.len();
        let file = format!("{n:05}.bin");
        zip.add(FOLDER, &file, sealed, None).await?;
        let thumb = photo
            .view
            .thumb
            .image()
            .await
            .map_err(|e| DownloadError::unread(&name, &e))?;
        let (sealed, thumb_key) = seal_new(&read(&name, &thumb).await?).await?;
        size += sealed.len();
        let thumb_file = format!("{n:05}t.bin");
        zip.add(FOLDER, &thumb_file, sealed, None).await?;
        exports.advance(size as u64, false);
        photos.push(GuestPhoto {
            name,
            width: photo.view.width,
            height: photo.view.height,
            original: Sealed { file, key },
            thumbnail: Sealed {
                file: thumb_file,
                key: thumb_key,
            },
            modified: Some(photo.view.modified),
            faces,
        });
    }
    let full = GuestIndex {
        format: FORMAT.into(),
        title: options.title.trim().to_string(),
        album: None,
        people: named
            .iter()
            .map(|(id, name)| GuestPerson {
                id: *id,
                name: name.clone(),
            })
            .collect(),
        photos,
    };
    let mut albums = Vec::new();
    let mut indexes = Vec::new();
    if options.albums {
        for (id, name) in named {
            let album = full.album_of(*id, name);
            if album.photos.is_empty() {
                continue;
            }
            let random = crypto::random_bytes(16).map_err(gallery_error)?;
            let album_code = code_from(&random);
            let normalised = normalise_code(&album_code).map_err(gallery_error)?;
            albums.push((name.clone(), album_code));
            indexes.push((normalised, album));
        }
    }
    let photo_count = full.photos.len();
    let room = if options.names {
        full
    } else {
        full.without_names()
    };
    indexes.push((code.to_string(), room));
    shuffle(&mut indexes)?;
    let salt = crypto::random_bytes(SALT_BYTES).map_err(gallery_error)?;
    let mut locks = Vec::new();
    for (i, (code, index)) in indexes.iter().enumerate() {
        if exports.cancelled() {
            return Ok(None);
        }
        let key = crypto::derive_key(code, &salt, ITERATIONS)
            .await
            .map_err(gallery_error)?;
        let json = serde_json::to_vec(index).map_err(gallery_error)?;
        let sealed = crypto::seal(&key, &json).await.map_err(gallery_error)?;
        let file = format!("lock-{}.bin", i + 1);
        zip.add(FOLDER, &file, sealed, None).await?;
        locks.push(file);
    }
    let header = GalleryHeader::new(&salt, locks);
    let header = serde_json::to_vec_pretty(&header).map_err(gallery_error)?;
    zip.add(FOLDER, HEADER, header, None).await?;
    zip.add(
        "",
        "HOW TO SHARE.txt",
        HOW_TO_SHARE.as_bytes().to_vec(),
        None,
    )
    .await?;
    Ok(Some(GalleryMade {
        photos: photo_count,
        bytes: 0,
        albums,
    }))
}

const HOW_TO_SHARE: &str = "This folder is a Facesort gallery.\n\n\
Put the whole folder on any static web host (or a USB stick with a local web server) and \
send guests its address and the code. A guest opens the address, types the code, and takes \
or drops a photo of themselves: their photos are found on their own device, and nothing is \
uploaded.\n\n\
Every photo, thumbnail, face descriptor and name in gallery/ is encrypted (AES-256-GCM, key \
derived from the code with PBKDF2-SHA-256). Without the code the host and anyone else see \
only how many files there are and their sizes. The code is not in this folder: keep it apart.\n";

/// The readable header of the gallery this page belongs to.
pub async fn read_header(path: &str) -> Result<(GalleryHeader, Vec<u8>), GuestError> {
    let bytes = fetch_bytes(path).await?;
    Ok(GalleryHeader::parse(&bytes)?)
}

/// Derives the code's key and opens the lock it fits: what the code shows.
pub async fn unlock(
    header: &GalleryHeader,
    salt: &[u8],
    code: &str,
) -> Result<GuestIndex, GuestError> {
    let code = normalise_code(code)?;
    let key = crypto::derive_key(&code, salt, header.kdf.iterations).await?;
    for lock in &header.locks {
        let sealed = fetch_bytes(&format!("{FOLDER}/{lock}")).await?;
        match crypto::open(&key, &sealed).await {
            Ok(plain) => return Ok(GuestIndex::parse(&plain)?),
            Err(CryptoError::WrongKey) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(GuestError::WrongCode)
}

async fn key_of(sealed: &Sealed) -> Result<CryptoKey, GuestError> {
    let bytes = sealed
        .key_bytes()
        .ok_or(GuestError::Gallery(GalleryError::DamagedIndex))?;
    Ok(crypto::import_key(&bytes).await?)
}

/// One sealed file of the gallery, opened.
pub async fn open_file(sealed: &Sealed) -> Result<Vec<u8>, GuestError> {
    let key = key_of(sealed).await?;
    let bytes = fetch_bytes(&format!("{FOLDER}/{}", sealed.file)).await?;
    crypto::open(&key, &bytes).await.map_err(|e| match e {
        // The index's own key does not open it: the file was changed.
        CryptoError::WrongKey => GuestError::Fetch(AppFileError {
            file: sealed.file.clone(),
            detail: "it is damaged".into(),
        }),
        e => e.into(),
    })
}

/// The photos as one zip, offered as a download (written a photo at a time).
pub async fn download_zip(photos: Vec<GuestPhoto>, file_name: &str) -> Result<(), GuestError> {
    let mut sink = Sink::download(file_name).await;
    match write_zip(&photos, &mut sink).await {
        Ok(()) => Ok(sink.finish(file_name).await?),
        Err(e) => {
            sink.abandon().await;
            Err(e)
        }
    }
}

async fn write_zip(photos: &[GuestPhoto], sink: &mut Sink) -> Result<(), GuestError> {
    let outbox = Outbox::default();
    let mut zip = ZipStream::new(outbox.clone()).dated(wall_now());
    let zip_failed = |e: ExportError| DownloadError::Zip(e.to_string());
    for photo in photos {
        let bytes = open_file(&photo.original).await?;
        zip.add("", &photo.name, &bytes, photo.modified)
            .map_err(zip_failed)?;
        drop(bytes);
        sink.write(&outbox.take()).await?;
    }
    zip.finish().map_err(zip_failed)?;
    Ok(sink.write(&outbox.take()).await?)
}

/// The guest's workers, started once (loading the models) when the gallery
/// opens, so they are ready by the time a selfie is chosen. One worker: a
/// guest analyses one photo, often on a phone.
pub type GuestPool = Shared<LocalBoxFuture<'static, Result<Rc<WorkerPool>, PoolError>>>;

pub fn start_pool() -> GuestPool {
    WorkerPool::start(1)
        .map(|r| r.map(Rc::new))
        .boxed_local()
        .shared()
}

/// The selfie's faces, analysed on the guest's device, largest first (the
/// guest's own, most likely, when a friend is beside them).
pub async fn analyse_selfie(
    pool: GuestPool,
    file: &web_sys::File,
) -> Result<Vec<FaceReport>, GuestError> {
    let name = file.name();
    let failed = |error: PhotoError| GuestError::Selfie {
        name: name.clone(),
        error,
    };
    let pool = pool.await.map_err(|e| failed(e.into()))?;
    let request = AnalyseRequest {
        detector: DetectorConfig::DEFAULT,
        browser_decode: false,
    };
    let mut faces = pool
        .analyse_file(file, request)
        .await
        .map_err(failed)?
        .faces;
    if faces.is_empty() {
        return Err(GuestError::NoFace(name));
    }
    faces.sort_by(|a, b| b.bbox.area().total_cmp(&a.bbox.area()));
    Ok(faces)
}
