//! Downloads built in the page: one photo, zips of albums, crops, everything.

use super::js::{blob, describe};
use super::state::{AppState, PersonView, LOCAL};
use crate::people::book::FaceKey;
use crate::wire::export::{safe_name, ZipBuilder};
use js_sys::Uint8Array;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Offers a Blob as a download under `file_name`.
pub fn save(data: &web_sys::Blob, file_name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(data) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
    }
    // Revoke later: the download may not have started when click() returns.
    let url_later = url.clone();
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url_later);
    })
    .forget();
}

/// The photo exactly as the user gave it.
pub fn save_photo(st: AppState, id: u32) {
    let name = st
        .photos
        .with_untracked(|p| p.iter().find(|p| p.id == id).map(|p| p.name.clone()));
    if let (Some(file), Some(name)) = (LOCAL.with(|l| l.borrow().files.get(&id).cloned()), name) {
        save(&file, &name);
    }
}

async fn read(id: u32) -> Result<Vec<u8>, String> {
    let file = LOCAL
        .with(|l| l.borrow().files.get(&id).cloned())
        .ok_or("the photo is no longer available")?;
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| describe(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn photo_name(st: AppState, id: u32) -> String {
    st.photos.with_untracked(|p| {
        p.iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("photo-{id}.jpg"))
    })
}

async fn add_photos(
    st: AppState,
    zip: &mut ZipBuilder,
    folder: &str,
    ids: &[u32],
) -> Result<(), String> {
    for &id in ids {
        let bytes = read(id).await?;
        zip.add(folder, &photo_name(st, id), &bytes)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Offers the finished zip, or says why it could not be built.
fn conclude(st: AppState, built: Result<ZipBuilder, String>, file_name: &str) {
    match built.and_then(|zip| zip.finish().map_err(|e| e.to_string())) {
        Ok(bytes) => save(&blob(&bytes, "application/zip"), file_name),
        Err(e) => st.error.set(Some(format!("The download failed: {e}"))),
    }
}

/// `<name>.zip` with the person's photos at the top level.
pub async fn album_zip(st: AppState, person: PersonView) {
    let file_name = format!("{}.zip", safe_name(&person.name));
    photos_zip(st, person.photos, file_name).await;
}

/// Chosen photos (a search's matches), at the top level of `file_name`.
pub async fn photos_zip(st: AppState, ids: Vec<u32>, file_name: String) {
    let mut zip = ZipBuilder::default();
    let built = add_photos(st, &mut zip, "", &ids).await.map(|()| zip);
    conclude(st, built, &file_name);
}

/// The person's face crops, one JPEG per face.
pub async fn crops_zip(st: AppState, person: PersonView) {
    let mut zip = ZipBuilder::default();
    let mut built = Ok(());
    let photos = st.photos.get_untracked();
    for face in &person.faces {
        let Some(photo) = photos.iter().find(|p| p.id == face.photo.0) else {
            continue;
        };
        let stem = photo
            .name
            .rsplit_once('.')
            .map_or(photo.name.as_str(), |(s, _)| s);
        let crop = LOCAL.with(|l| {
            l.borrow()
                .faces
                .get(&photo.id)
                .and_then(|f| f.get(face.index as usize))
                .map(|f| f.crop_jpeg.clone())
        });
        if let Some(crop) = crop {
            built = built.and(
                zip.add("", &format!("{stem}-face{}.jpg", face.index + 1), &crop)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        }
    }
    conclude(
        st,
        built.map(|()| zip),
        &format!("{} faces.zip", safe_name(&person.name)),
    );
}

/// Everything: a folder per person (a photo with three people is in three
/// folders; hidden people are left out), `no-faces/`, and `other-faces/` for
/// photos whose faces belong to nobody (unclear faces, faces taken away).
pub async fn everything_zip(st: AppState) {
    let mut zip = ZipBuilder::default();
    let people = st.people.get_untracked();
    let no_faces: Vec<u32> = st.photos.with_untracked(|p| {
        p.iter()
            .filter(|p| p.faces.is_empty())
            .map(|p| p.id)
            .collect()
    });
    let other_faces: Vec<u32> = st.book.with_untracked(|b| {
        st.photos.with_untracked(|p| {
            p.iter()
                .filter(|p| {
                    !p.faces.is_empty()
                        && (0..p.faces.len() as u32)
                            .all(|i| b.person_of(FaceKey::new(p.id, i)).is_none())
                })
                .map(|p| p.id)
                .collect()
        })
    });
    let mut built = Ok(());
    for person in people.iter().filter(|p| !p.hidden) {
        if built.is_ok() {
            built = add_photos(st, &mut zip, &person.name, &person.photos).await;
        }
    }
    if built.is_ok() && !no_faces.is_empty() {
        built = add_photos(st, &mut zip, "no-faces", &no_faces).await;
    }
    if built.is_ok() && !other_faces.is_empty() {
        built = add_photos(st, &mut zip, "other-faces", &other_faces).await;
    }
    conclude(st, built.map(|()| zip), "Facesort.zip");
}
