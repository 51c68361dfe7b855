//! One sorting run: read each file, skip duplicates by content hash, analyse
//! on the worker pool, then group faces into people.

use super::import::PickedFile;
use super::js::{blob, local_wall_ms, now_ms, sha256_hex};
use super::library::{storage_summary, Library, StoredPhoto};
use super::pool::{default_size, WorkerPool};
use super::state::{AppState, FaceView, KeptFace, Phase, PhotoView, LOCAL};
use crate::face::quality::QualityRules;
use crate::people::book::{Book, FaceKey};
use crate::people::cluster::ClusterConfig;
use crate::people::timeline::Seen;
use crate::wire::worker::FromWorker;
use futures::{FutureExt, StreamExt};
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use leptos::prelude::*;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Re-group this often while photos arrive, so the grid fills in as it goes.
const REGROUP_EVERY: usize = 25;

/// Adds files to the run: photos join the queue (starting a run if none is
/// going), anything else is reported as skipped. Files dropped while a run is
/// going simply join it, so there is only ever one run and one worker pool.
pub fn start(st: AppState, files: Vec<PickedFile>) {
    if files.is_empty() {
        return;
    }
    let (photos, others): (Vec<PickedFile>, Vec<PickedFile>) =
        files.into_iter().partition(PickedFile::looks_like_photo);
    st.progress.update(|p| {
        if p.total == p.done {
            p.started_ms = now_ms();
            p.finished_ms = None;
        }
        p.total += photos.len();
        p.skipped.extend(others.iter().map(|f| f.path.clone()));
    });
    let idle = LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        l.queue.extend(photos);
        !std::mem::replace(&mut l.running, true)
    });
    if idle {
        st.cancel.set(false);
        st.error.set(None);
        wasm_bindgen_futures::spawn_local(run(st));
    }
}

async fn run(st: AppState) {
    restored().await;
    let Some(pool) = pool(st).await else {
        let dropped = LOCAL.with(|l| {
            let mut l = l.borrow_mut();
            l.running = false;
            std::mem::take(&mut l.queue).len()
        });
        st.progress.update(|p| p.total -= dropped);
        return;
    };
    st.phase.set(Phase::Sorting);
    publish_stats(st, pool.size());
    loop {
        let batch = LOCAL.with(|l| std::mem::take(&mut l.borrow_mut().queue));
        if batch.is_empty() {
            break;
        }
        if let Some(library) = library() {
            let paths: Vec<String> = batch.iter().map(|f| f.path.clone()).collect();
            if let Err(e) = library.add_pending(&paths).await {
                st.error.set(Some(format!(
                    "Your library could not note the new photos: {e}"
                )));
            }
        }
        // Two photos per worker in flight: one analysing, one being read and hashed.
        futures::stream::iter(batch)
            .for_each_concurrent(pool.size() * 2, |file| {
                let pool = pool.clone();
                async move {
                    if st.cancel.get_untracked() {
                        st.progress.update(|p| p.total -= 1);
                        return;
                    }
                    process(st, &pool, file).await;
                    let done = st.progress.with_untracked(|p| p.done);
                    publish_stats(st, pool.size());
                    if done % REGROUP_EVERY == 0 {
                        regroup(st, &pool, false).await;
                    }
                }
            })
            .await;
    }
    regroup(st, &pool, true).await;
    refresh_storage(st);
    LOCAL.with(|l| l.borrow_mut().running = false);
    st.progress.update(|p| p.finished_ms = Some(now_ms()));
    st.phase.set(Phase::Done);
    publish_stats(st, pool.size());
}

/// The worker pool, started (models loaded) on first use. On failure the page
/// says why and goes back to idle.
pub async fn pool(st: AppState) -> Option<Rc<WorkerPool>> {
    if let Some(pool) = LOCAL.with(|l| l.borrow().pool.clone()) {
        return Some(pool);
    }
    // One start at a time: a run, a restore and a search may all ask at once.
    let starting = LOCAL.with(|l| {
        l.borrow_mut()
            .starting
            .get_or_insert_with(|| {
                WorkerPool::start(default_size())
                    .map(|r| r.map(Rc::new))
                    .boxed_local()
                    .shared()
            })
            .clone()
    });
    let phase = st.phase.get_untracked();
    st.phase.set(Phase::LoadingModels);
    let started = starting.await;
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        l.starting = None;
        if let Ok(pool) = &started {
            l.pool = Some(pool.clone());
        }
    });
    match started {
        Ok(pool) => {
            if st.phase.get_untracked() == Phase::LoadingModels {
                st.phase.set(phase);
            }
            Some(pool)
        }
        Err(message) => {
            st.error
                .set(Some(format!("Facesort could not start: {message}")));
            st.phase.set(Phase::Idle);
            None
        }
    }
}

async fn process(st: AppState, pool: &WorkerPool, picked: PickedFile) {
    let outcome = analyse(pool, &picked).await;
    // Whatever happened, this file is no longer waiting.
    st.pending.update(|p| p.retain(|path| *path != picked.path));
    st.progress.update(|p| {
        p.done += 1;
        match &outcome {
            Outcome::Failed(reason) => p.failed.push((picked.path.clone(), reason.clone())),
            Outcome::Duplicate => p.duplicates += 1,
            Outcome::Photo(..) => {}
        }
    });
    let Outcome::Photo(id, hash, report) = outcome else {
        if let Some(library) = library() {
            let _ = library.forget_pending(&picked.path).await;
        }
        return;
    };
    st.progress.update(|p| p.stages += report.timings);
    let file: web_sys::Blob = picked.file.clone().into();
    let stored = StoredPhoto {
        hash,
        seq: id,
        name: picked.file.name(),
        size: picked.file.size(),
        last_modified_ms: picked.file.last_modified(),
        added_ms: js_sys::Date::now(),
        report,
    };
    if let Some(library) = library() {
        // The photo stays sorted in this page even if it could not be kept.
        if let Err(e) = library.save(&stored, &file, &picked.path).await {
            st.error.set(Some(format!(
                "{} could not be kept in your library: {e}",
                picked.path
            )));
        }
    }
    show_photo(st, stored, file);
}

/// Puts an analysed photo on the page (and its faces and file in reach).
fn show_photo(st: AppState, stored: StoredPhoto, file: web_sys::Blob) {
    let StoredPhoto {
        seq: id,
        name,
        report,
        ..
    } = stored;
    let faces = report
        .faces
        .iter()
        .map(|f| FaceView {
            bbox: f.bbox,
            crop_url: object_url(&f.crop_jpeg),
        })
        .collect();
    let view = PhotoView {
        id,
        name,
        seen: Seen::of(report.taken_ms, local_wall_ms(stored.last_modified_ms)),
        added_ms: local_wall_ms(stored.added_ms),
        thumb_url: object_url(&report.thumbnail_jpeg),
        width: report.width,
        height: report.height,
        faces,
    };
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        l.files.insert(id, file);
        l.faces.insert(
            id,
            report
                .faces
                .into_iter()
                .map(|f| KeptFace {
                    sure: f.quality.is_none_or(|q| QualityRules::DEFAULT.is_sure(&q)),
                    embedding: f.embedding,
                    crop_jpeg: f.crop_jpeg,
                })
                .collect(),
        );
    });
    st.photos.update(|p| p.push(view));
}

/// Waits until the saved library is back on the page (at once if it is).
pub async fn restored() {
    let waiting = LOCAL.with(|l| l.borrow().restored.clone());
    if let Some(waiting) = waiting {
        let _ = waiting.await;
    }
}

fn library() -> Option<Rc<Library>> {
    LOCAL.with(|l| l.borrow().library.clone())
}

fn refresh_storage(st: AppState) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(summary) = storage_summary().await {
            st.storage.set(Some(summary));
        }
    });
}

/// Opens the library and puts every kept photo and person back. Faces that
/// were never placed (the page closed mid-run, or a version-1 library) are
/// grouped now.
pub async fn restore(st: AppState, done: futures::channel::oneshot::Sender<()>) {
    restore_library(st).await;
    let _ = done.send(());
}

async fn restore_library(st: AppState) {
    let library = match Library::open().await {
        Ok(l) => Rc::new(l),
        Err(e) => {
            return st.error.set(Some(format!(
                "Your library could not be opened: {e}. Photos sorted now will not be kept."
            )))
        }
    };
    LOCAL.with(|l| l.borrow_mut().library = Some(library.clone()));
    let loaded = match library.load().await {
        Ok(loaded) => loaded,
        Err(e) => {
            return st
                .error
                .set(Some(format!("Your library could not be read: {e}")))
        }
    };
    st.pending.set(loaded.pending);
    refresh_storage(st);
    if loaded.photos.is_empty() {
        return;
    }
    let unplaced = loaded.photos.iter().any(|(photo, _)| {
        (0..photo.report.faces.len()).any(|i| {
            loaded
                .book
                .face(FaceKey::new(photo.seq, i as u32))
                .is_none()
        })
    });
    // Face records of a photo that was not kept still hold its id: never reuse it.
    let last = loaded.book.last_photo();
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        l.next_id = l.next_id.max(last.map_or(0, |p| p + 1));
    });
    st.book.set(loaded.book);
    for (photo, file) in loaded.photos {
        LOCAL.with(|l| {
            let mut l = l.borrow_mut();
            l.hashes.insert(photo.hash.clone(), photo.seq);
            l.next_id = l.next_id.max(photo.seq + 1);
        });
        show_photo(st, photo, file);
    }
    if unplaced {
        let Some(pool) = pool(st).await else { return };
        regroup(st, &pool, true).await;
    } else {
        // A run cut short leaves its people provisional: it is over now.
        let mut book = st.book.get_untracked();
        book.settle();
        keep(st, book).await;
    }
    st.phase.set(Phase::Done);
}

/// Deletes the library (after the user confirmed) and starts afresh.
pub async fn clear_library(st: AppState) {
    let Some(library) = LOCAL.with(|l| l.borrow_mut().library.take()) else {
        return;
    };
    match Rc::try_unwrap(library) {
        Ok(library) => match library.clear().await {
            Ok(()) => {
                let _ = web_sys::window().map(|w| w.location().reload());
            }
            Err(e) => st
                .error
                .set(Some(format!("The library could not be cleared: {e}"))),
        },
        Err(library) => {
            LOCAL.with(|l| l.borrow_mut().library = Some(library));
            st.error.set(Some(
                "The library is busy; try again when sorting has finished.".into(),
            ));
        }
    }
}

enum Outcome {
    Photo(u32, String, crate::wire::worker::PhotoReport),
    Duplicate,
    Failed(String),
}

async fn analyse(pool: &WorkerPool, picked: &PickedFile) -> Outcome {
    let buffer = match JsFuture::from(picked.file.array_buffer()).await {
        Ok(b) => ArrayBuffer::from(b),
        Err(e) => {
            return Outcome::Failed(format!(
                "the browser could not read the file ({})",
                super::js::describe(&e)
            ))
        }
    };
    let hash = match sha256_hex(&Uint8Array::new(&buffer)).await {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(e),
    };
    let id = LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        if l.hashes.contains_key(&hash) {
            return None;
        }
        let id = l.next_id;
        l.next_id += 1;
        l.hashes.insert(hash.clone(), id);
        Some(id)
    });
    let Some(id) = id else {
        return Outcome::Duplicate;
    };
    match pool.analyse(id, buffer).await {
        FromWorker::Analysed { report, .. } => Outcome::Photo(id, hash, report),
        FromWorker::Failed { message, .. } => Outcome::Failed(message),
        _ => Outcome::Failed("unexpected reply from the worker".into()),
    }
}

/// Places new faces (and any the user took away from someone) among the
/// people, on a worker, and saves the outcome. At the end of a run (`settle`)
/// the people it made become settled: later runs add to them, never re-form them.
async fn regroup(st: AppState, pool: &WorkerPool, settle: bool) {
    let lock = LOCAL.with(|l| l.borrow().book_lock.clone());
    let _guard = lock.lock().await;
    let (request, job) = LOCAL.with(|l| {
        let l = l.borrow();
        let mut ids: Vec<&u32> = l.faces.keys().collect();
        ids.sort();
        let keys = ids
            .into_iter()
            .flat_map(|id| (0..l.faces[id].len()).map(move |i| FaceKey::new(*id, i as u32)));
        let request = st.book.with_untracked(|b| b.regroup_request(keys));
        let face = |k: FaceKey| &l.faces[&k.photo.0][k.index as usize];
        let job = request.job(
            |k| face(k).embedding.clone(),
            |k| face(k).sure,
            ClusterConfig::default(),
        );
        (request, job)
    });
    let mut book = st.book.get_untracked();
    if !request.faces.is_empty() {
        match pool.cluster(job).await {
            Ok(clustering) => book.apply_regroup(&request, &clustering),
            Err(message) => {
                return st
                    .error
                    .set(Some(format!("Grouping faces failed: {message}")))
            }
        }
    }
    if settle {
        book.settle();
    }
    keep(st, book).await;
}

/// Saves a grouping's outcome and shows it, saved or not (a failed save is
/// retried with the next one).
async fn keep(st: AppState, mut book: Book) {
    if let Err(e) = super::edit::save(&mut book).await {
        st.error.set(Some(format!(
            "Who is who could not be kept in your library: {e}"
        )));
    }
    st.book.set(book);
}

pub fn object_url(jpeg: &[u8]) -> String {
    web_sys::Url::create_object_url_with_blob(&blob(jpeg, "image/jpeg")).unwrap_or_default()
}

/// `window.facesortStats`, read by the in-browser benchmark.
fn publish_stats(st: AppState, workers: usize) {
    let p = st.progress.get_untracked();
    let stats = js_sys::Object::new();
    let set = |k: &str, v: f64| {
        let _ = Reflect::set(&stats, &k.into(), &JsValue::from_f64(v));
    };
    set("workers", workers as f64);
    set("total", p.total as f64);
    set("done", p.done as f64);
    set("failed", p.failed.len() as f64);
    set("startedMs", p.started_ms);
    set("finishedMs", p.finished_ms.unwrap_or(f64::NAN));
    set("decodeMs", p.stages.decode_ms);
    set("detectMs", p.stages.detect_ms);
    set("embedMs", p.stages.embed_ms);
    if let Some(w) = web_sys::window() {
        let _ = Reflect::set(&w, &"facesortStats".into(), &stats);
    }
}
