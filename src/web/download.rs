//! Downloads built in the page: one photo, zips of albums, crops, everything.

use super::js::{blob, describe};
use super::state::{AppState, PersonView, LOCAL};
use crate::export::ZipBuilder;
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

fn finish(st: AppState, zip: ZipBuilder, file_name: &str) {
    match zip.finish() {
        Ok(bytes) => save(&blob(&bytes, "application/zip"), file_name),
        Err(e) => st.error.set(Some(format!("The download failed: {e}"))),
    }
}

fn report(st: AppState, result: Result<(), String>) {
    if let Err(e) = result {
        st.error.set(Some(format!("The download failed: {e}")));
    }
}

/// `<name>.zip` with the person's photos at the top level.
pub async fn album_zip(st: AppState, person: PersonView) {
    let mut zip = ZipBuilder::default();
    let result = add_photos(st, &mut zip, "", &person.photos).await;
    report(
        st,
        result.map(|()| {
            finish(
                st,
                zip,
                &format!("{}.zip", crate::export::safe_name(&person.name)),
            )
        }),
    );
}

/// The person's face crops, one JPEG per face.
pub async fn crops_zip(st: AppState, person: PersonView) {
    let mut zip = ZipBuilder::default();
    let photos = st.photos.get_untracked();
    let mut result = Ok(());
    for photo in photos.iter().filter(|p| person.photos.contains(&p.id)) {
        for (i, face) in photo.faces.iter().enumerate() {
            if face.person != Some(person.key) {
                continue;
            }
            let crop = LOCAL.with(|l| {
                l.borrow()
                    .faces
                    .get(&photo.id)
                    .and_then(|f| f.get(i))
                    .map(|(_, c)| c.clone())
            });
            let stem = photo
                .name
                .rsplit_once('.')
                .map_or(photo.name.as_str(), |(s, _)| s);
            if let Some(crop) = crop {
                if let Err(e) = zip.add("", &format!("{stem}-face{}.jpg", i + 1), &crop) {
                    result = Err(e.to_string());
                }
            }
        }
    }
    report(
        st,
        result.map(|()| {
            finish(
                st,
                zip,
                &format!("{} faces.zip", crate::export::safe_name(&person.name)),
            )
        }),
    );
}

/// Everything: a folder per person (a photo with three people is in three
/// folders) and `no-faces/`.
pub async fn everything_zip(st: AppState) {
    let mut zip = ZipBuilder::default();
    let people = st.people.get_untracked();
    let no_faces: Vec<u32> = st.photos.with_untracked(|p| {
        p.iter()
            .filter(|p| p.faces.is_empty())
            .map(|p| p.id)
            .collect()
    });
    let mut result = Ok(());
    for person in &people {
        if result.is_ok() {
            result = add_photos(st, &mut zip, &person.name, &person.photos).await;
        }
    }
    if result.is_ok() && !no_faces.is_empty() {
        result = add_photos(st, &mut zip, "no-faces", &no_faces).await;
    }
    report(st, result.map(|()| finish(st, zip, "Facesort.zip")));
}
